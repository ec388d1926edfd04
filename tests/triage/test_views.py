"""CDC triage pages: the queue and its colour counts, medical verification, the
rules and epidemic areas, and the re-evaluation job's progress."""

import datetime
import itertools

import pytest
from django.test import Client
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit
from vigil.audit.models import AuditEvent
from vigil.audit.services import stale_message
from vigil.declarations.forms import DeclarationForm
from vigil.declarations.models import Channel, Declaration, MedicalState, Surveillance
from vigil.declarations.services import submit_declaration, update_declaration
from vigil.declarations.transitions import ALREADY_DONE
from vigil.jobs.models import Job
from vigil.triage.engine import FACTS
from vigil.triage.models import EpidemicArea, RiskRule

from ..declarations.helpers import form_data

QUEUE = "/triage/"
RULES = "/triage/rules/"
AREAS = "/triage/areas/"
TODAY = timezone.localdate()
_n = itertools.count(1)


def dmy(day):
    return day.strftime("%d/%m/%Y")


def declare(area, *answers, name="Nguyễn Văn An", days_ago=0, **changes):
    """A declaration through the real service, so that the engine colours it."""
    n = next(_n)
    data = form_data(
        area,
        full_name=name,
        id_number=f"0460900{n:05d}",
        phone=f"0905{n:06d}",
        **dict.fromkeys(answers, "1"),
        **changes,
    )
    form = DeclarationForm(data)
    assert form.is_valid(), form.errors
    declaration = submit_declaration(
        form.identity(), form.declaration_data(), channel=Channel.WEB
    ).declaration
    if days_ago:
        Declaration.objects.filter(pk=declaration.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=days_ago)
        )
        declaration.refresh_from_db()
    return declaration


RED = ("sym_fever", "exp_case_contact")
ORANGE = ("sym_breathing",)
YELLOW = ("sym_fever",)


@pytest.fixture
def cdc(make_user, places):
    return make_user("cdc.hue", places.district, tasks=[Task.CDC])


@pytest.fixture
def province_cdc(make_user, places):
    return make_user("cdc.tinh", places.province, tasks=[Task.CDC])


@pytest.fixture
def commune_cdc(make_user, places):
    return make_user("cdc.phunhuan", places.commune, tasks=[Task.CDC])


def shown(response):
    return [d.pk for d in response.context["page"]]


def counts(response):
    return {tab["id"]: tab["count"] for tab in response.context["tabs"]}


# The queue -----------------------------------------------------------------------


def test_the_queue_holds_flagged_unverified_declarations_highest_risk_then_oldest(
    client, cdc, places
):
    old_yellow = declare(places.commune, *YELLOW, days_ago=3)
    new_yellow = declare(places.commune, *YELLOW, days_ago=1)
    red = declare(places.neighbour, *RED)
    orange = declare(places.commune, *ORANGE, days_ago=2)
    declare(places.commune)  # green: not flagged
    far = declare(places.far, *RED, name="Bùi Thị Xa")
    verified = declare(places.commune, *RED)
    Declaration.objects.filter(pk=verified.pk).update(medical_state=MedicalState.VERIFIED)

    client.force_login(cdc)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert shown(response) == [red.pk, orange.pk, old_yellow.pk, new_yellow.pk]
    assert response.context["total"] == 4
    body = response.content.decode()
    assert far.code not in body and "Bùi Thị Xa" not in body
    # Why: the rules that matched; the colour badge; masked identity.
    row = body[body.index(f'id="declaration-{red.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "risk-red" in row
    assert "Có triệu chứng + tiếp xúc ca bệnh" in row
    assert red.person.id_number not in row and red.person.masked_id_number in row
    assert red.person.phone not in row and red.person.masked_phone in row
    assert f'href="/triage/{red.pk}/"' in row


def test_colour_counts_equal_the_lists_they_filter(client, cdc, places):
    for answers, n in ((RED, 3), (ORANGE, 2), (YELLOW, 4)):
        for _ in range(n):
            declare(places.commune, *answers)
    declare(places.far, *RED)
    client.force_login(cdc)
    response = client.get(QUEUE)
    assert counts(response) == {
        "colour-all": 9,
        "colour-red": 3,
        "colour-orange": 2,
        "colour-yellow": 4,
    }
    for colour in ("red", "orange", "yellow"):
        tab = next(t for t in response.context["tabs"] if t["id"] == f"colour-{colour}")
        filtered = client.get(tab["url"])
        rows = Declaration.objects.filter(pk__in=shown(filtered))
        assert len(rows) == tab["count"] == filtered.context["total"]
        assert {d.risk_colour for d in rows} == {colour}
        # The counts stay those of every colour while one is chosen.
        assert counts(filtered)["colour-all"] == 9
        assert f'id="colour-{colour}"' in filtered.content.decode()


def test_counts_follow_the_other_filters(client, cdc, places):
    declare(places.commune, *RED, name="Trần Thị Mai")
    declare(places.neighbour, *RED)
    declare(places.neighbour, *YELLOW)
    client.force_login(cdc)
    response = client.get(QUEUE, {"commune": places.neighbour.pk})
    assert counts(response) == {
        "colour-all": 2,
        "colour-red": 1,
        "colour-orange": 0,
        "colour-yellow": 1,
    }
    response = client.get(QUEUE, {"q": "tran thi mai", "colour": "red"})
    assert response.context["total"] == counts(response)["colour-red"] == 1
    # The colour tab keeps the other filters.
    red_tab = next(t for t in response.context["tabs"] if t["id"] == "colour-red")
    assert "q=tran" in red_tab["url"]


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("province", {"commune", "neighbour", "far"}),
        ("district", {"commune", "neighbour"}),
        ("commune", {"commune"}),
    ],
)
def test_each_level_sees_its_own_jurisdiction(client, make_user, places, unit, expected):
    made = {name: declare(getattr(places, name), *RED) for name in ("commune", "neighbour", "far")}
    user = make_user(f"hs.{unit}", getattr(places, unit), tasks=[Task.HEALTH_STATION])
    client.force_login(user)
    response = client.get(QUEUE)
    assert set(shown(response)) == {made[name].pk for name in expected}
    assert counts(response)["colour-red"] == len(expected)


def test_filters_by_dates_commune_and_keyword(client, cdc, places):
    old = declare(places.commune, *RED, days_ago=10)
    new = declare(places.neighbour, *RED, name="Lê Văn Hàng Xóm")
    client.force_login(cdc)
    since = dmy(TODAY - datetime.timedelta(days=2))
    assert shown(client.get(QUEUE, {"date_from": since})) == [new.pk]
    assert shown(client.get(QUEUE, {"date_to": since})) == [old.pk]
    assert shown(client.get(QUEUE, {"commune": places.commune.pk})) == [old.pk]
    assert shown(client.get(QUEUE, {"q": "le van hang xom"})) == [new.pk]
    assert shown(client.get(QUEUE, {"q": new.person.id_number})) == [new.pk]
    # A commune outside the jurisdiction in the URL: nothing, not everything.
    response = client.get(QUEUE, {"commune": places.far.pk})
    assert shown(response) == [] and counts(response)["colour-all"] == 0
    assert shown(client.get(QUEUE, {"colour": "purple"})) == []


def test_the_queue_paginates(client, cdc, places, monkeypatch):
    monkeypatch.setattr("vigil.triage.views.PAGE_SIZE", 2)
    made = [declare(places.commune, *RED, days_ago=5 - i) for i in range(5)]
    client.force_login(cdc)
    first = client.get(QUEUE, {"colour": "red"})
    assert first.context["total"] == 5 and shown(first) == [made[0].pk, made[1].pk]
    third = client.get(QUEUE, {"colour": "red", "page": 3})
    assert shown(third) == [made[4].pk]
    assert "colour=red" in first.content.decode().split('class="pagination')[1]


def test_the_queue_takes_a_bounded_number_of_queries(
    client, cdc, places, django_assert_max_num_queries
):
    client.force_login(cdc)
    declare(places.commune, *RED)
    client.get(QUEUE)  # warm the session and caches
    # A capped count per colour tab, the page's ids, then its rows.
    with django_assert_max_num_queries(16) as few:
        client.get(QUEUE)
    for _ in range(15):
        declare(places.commune, *YELLOW)
        declare(places.neighbour, *ORANGE)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(QUEUE)
    assert response.context["total"] == 31


@pytest.mark.parametrize("task", [Task.POLICE, Task.LEADER, Task.ESTABLISHMENT])
def test_other_task_groups_cannot_open_the_queue(client, make_user, places, task):
    sick = declare(places.commune, *RED)
    client.force_login(make_user("other", places.district, tasks=[task]))
    assert client.get(QUEUE).status_code == 403
    assert client.get(f"/triage/{sick.pk}/").status_code == 403


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Medical verification -----------------------------------------------------------


def verify_data(declaration, **changes):
    data = {
        "symptoms_confirmed": "1",
        "surveillance": Surveillance.HOME_QUARANTINE,
        "surveillance_start": dmy(TODAY),
        "surveillance_end": dmy(TODAY + datetime.timedelta(days=14)),
        "note": "Sốt 38 độ",
        "version": declaration.version,
        "back": "colour=red",
    }
    data.update(changes)
    return data


def test_the_verification_page_shows_the_declaration_and_the_form(client, cdc, places):
    sick = declare(places.commune, *RED)
    client.force_login(cdc)
    response = client.get(f"/triage/{sick.pk}/", {"back": "colour=red&evil=1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="risk-reasons"' in body and "Có triệu chứng + tiếp xúc ca bệnh" in body
    assert "risk-red" in body
    assert 'id="verify-form"' in body
    for value, _label in Surveillance.choices:
        assert f'value="{value}"' in body
    form = response.context["form"]
    assert form["version"].value() == sick.version
    assert response.context["queue_url"] == "/triage/?colour=red"
    assert AuditEvent.objects.filter(object_id=str(sick.pk), action="view").exists()


def test_a_declaration_outside_the_jurisdiction_is_404(client, commune_cdc, places):
    mine = declare(places.commune, *RED)
    neighbour = declare(places.neighbour, *RED)
    client.force_login(commune_cdc)
    assert client.get(f"/triage/{mine.pk}/").status_code == 200
    assert client.get(f"/triage/{neighbour.pk}/").status_code == 404
    response = client.post(f"/triage/{neighbour.pk}/", verify_data(neighbour))
    assert response.status_code == 404
    neighbour.refresh_from_db()
    assert neighbour.medical_state == MedicalState.PENDING


def test_recording_the_result_leaves_the_queue_and_keeps_the_colour_filter(client, cdc, places):
    sick = declare(places.commune, *RED)
    other = declare(places.commune, *RED)
    client.force_login(cdc)
    response = client.post(f"/triage/{sick.pk}/", verify_data(sick))
    assert response.status_code == 302
    assert response["Location"] == "/triage/?colour=red"
    sick.refresh_from_db()
    assert sick.medical_state == MedicalState.VERIFIED
    assert sick.surveillance == Surveillance.HOME_QUARANTINE
    assert (sick.surveillance_start, sick.surveillance_end) == (
        TODAY,
        TODAY + datetime.timedelta(days=14),
    )
    event = sick.events.get()
    assert event.note == "Sốt 38 độ" and event.actor == cdc
    assert event.data == {"symptoms_confirmed": True, "surveillance": "home_quarantine"}
    queue = client.get(response["Location"])
    assert shown(queue) == [other.pk]
    assert counts(queue)["colour-red"] == 1
    # The page now says it is done, without a form.
    page = client.get(f"/triage/{sick.pk}/")
    assert page.context["form"] is None and 'id="already-verified"' in page.content.decode()


def test_no_further_action_needs_no_dates(client, cdc, places):
    sick = declare(places.commune, *YELLOW)
    client.force_login(cdc)
    data = verify_data(
        sick,
        symptoms_confirmed="0",
        surveillance=Surveillance.NONE,
        surveillance_start="",
        surveillance_end="",
        back="",
    )
    response = client.post(f"/triage/{sick.pk}/", data)
    assert response["Location"] == "/triage/"
    sick.refresh_from_db()
    assert sick.surveillance == Surveillance.NONE and sick.surveillance_start is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"surveillance": "teleport"}, "surveillance"),
        ({"surveillance": ""}, "surveillance"),
        ({"surveillance_start": ""}, "surveillance_start"),  # the service's rule
        ({"surveillance_end": dmy(TODAY - datetime.timedelta(days=1))}, "surveillance_end"),
        ({"surveillance_start": "31/02/2021"}, "surveillance_start"),
        ({"symptoms_confirmed": "maybe"}, "symptoms_confirmed"),
    ],
)
def test_bad_results_are_refused_beside_the_field_and_nothing_changes(
    client, cdc, places, changes, field
):
    sick = declare(places.commune, *RED)
    client.force_login(cdc)
    response = client.post(f"/triage/{sick.pk}/", verify_data(sick, **changes))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert f'id="id_{field}_error"' in response.content.decode()
    # What was typed stays.
    assert form["note"].value() == "Sốt 38 độ"
    sick.refresh_from_db()
    assert sick.medical_state == MedicalState.PENDING and sick.surveillance == ""
    assert not sick.events.exists()


def test_a_stale_save_keeps_what_was_typed_and_moves_the_version(client, cdc, places):
    sick = declare(places.commune, *RED)
    client.force_login(cdc)
    opened = client.get(f"/triage/{sick.pk}/").context["form"]["version"].value()
    # Meanwhile the citizen corrects the declaration (still flagged).
    form = DeclarationForm(
        form_data(
            places.commune,
            sym_fever="1",
            exp_case_contact="1",
            sym_cough="1",
            id_number=sick.person.id_number,
            phone=sick.person.phone,
            full_name=sick.person.full_name,
        )
    )
    assert form.is_valid(), form.errors
    update_declaration(sick, form.identity(), form.declaration_data(), version=sick.version)
    response = client.post(
        f"/triage/{sick.pk}/", verify_data(sick, version=opened, note="Đã gọi điện")
    )
    assert response.status_code == 200
    form = response.context["form"]
    current = Declaration.objects.get(pk=sick.pk)
    assert form["version"].value() == str(current.version) != str(opened)
    assert form["note"].value() == "Đã gọi điện"
    assert form["surveillance"].value() == Surveillance.HOME_QUARANTINE
    assert form.non_field_errors() == [stale_message(current)]
    assert current.medical_state == MedicalState.PENDING
    # Saving again, with the moved version, records the result.
    again = client.post(f"/triage/{sick.pk}/", {**form.data.dict()})
    assert again.status_code == 302
    assert Declaration.objects.get(pk=sick.pk).medical_state == MedicalState.VERIFIED


def test_two_cdc_officers_save_the_same_declaration(client, cdc, make_user, places):
    sick = declare(places.commune, *RED)
    other = Client()
    other.force_login(make_user("cdc.hue2", places.district, tasks=[Task.CDC], full_name="Lê B"))
    client.force_login(cdc)
    mine = client.get(f"/triage/{sick.pk}/").context["form"]["version"].value()
    theirs = other.get(f"/triage/{sick.pk}/").context["form"]["version"].value()
    first = other.post(
        f"/triage/{sick.pk}/",
        verify_data(sick, version=theirs, surveillance=Surveillance.CONCENTRATED),
    )
    assert first.status_code == 302
    second = client.post(f"/triage/{sick.pk}/", verify_data(sick, version=mine))
    assert second.status_code == 200
    message = " ".join(second.context["form"].non_field_errors())
    assert "cdc.hue2" in message
    assert second.context["form"]["surveillance"].value() == Surveillance.HOME_QUARANTINE
    # Saving again is refused: the declaration was already handled.
    third = client.post(f"/triage/{sick.pk}/", second.context["form"].data.dict())
    assert third.status_code == 200 and third.context["form"] is None
    assert [str(m) for m in third.context["messages"]] == [str(ALREADY_DONE)]
    sick.refresh_from_db()
    assert sick.surveillance == Surveillance.CONCENTRATED
    assert sick.events.count() == 1


# Rules --------------------------------------------------------------------------


def rule_data(**changes):
    data = {
        "action": "save",
        "label": "Mệt mỏi kéo dài",
        "facts": ["sym_fatigue"],
        "weight": "0",
        "min_level": "2",
        "active": "on",
    }
    data.update(changes)
    return data


def test_every_staff_user_reads_the_rules_with_fact_labels_and_bands(client, make_user, places):
    client.force_login(make_user("police.pn", places.commune, tasks=[Task.POLICE]))
    response = client.get(RULES)
    assert response.status_code == 200
    body = response.content.decode()
    fever = RiskRule.objects.get(label="Sốt + về từ vùng dịch")
    assert f'id="rule-{fever.pk}"' in body
    assert str(FACTS["epidemic_area"]) in body  # the fact's label, not its key
    assert 'id="band-3"' in body and "risk-red" in body
    assert not response.context["editor"] and 'id="rule-form"' not in body
    assert 'id="read-only"' in body


def test_an_establishment_account_cannot_read_the_rules(client, make_user, places):
    client.force_login(make_user("hotel", places.commune, tasks=[Task.ESTABLISHMENT]))
    assert client.get(RULES).status_code == 403
    assert client.get(AREAS).status_code == 403


@pytest.mark.parametrize(
    ("unit", "tasks"),
    [("commune", [Task.CDC]), ("district", [Task.CDC, Task.ADMIN]), ("province", [Task.LEADER])],
)
def test_only_province_cdc_or_admin_may_change_rules(client, make_user, places, unit, tasks):
    client.force_login(make_user("reader", getattr(places, unit), tasks=tasks))
    rule = RiskRule.objects.first()
    before = list(RiskRule.objects.values())
    assert client.post(RULES, rule_data()).status_code == 403
    assert client.post(RULES, {"action": "toggle", "rule": rule.pk}).status_code == 403
    assert client.post(RULES, rule_data(rule=rule.pk)).status_code == 403
    assert list(RiskRule.objects.values()) == before
    assert not Job.objects.exists()


def test_adding_a_rule_starts_a_reevaluation_that_changes_colours(client, province_cdc, places):
    tired = [declare(places.commune, "sym_fatigue") for _ in range(3)]
    assert {d.risk_colour for d in tired} == {"green"}
    client.force_login(province_cdc)
    assert client.get(RULES).context["editor"]
    response = client.post(RULES, rule_data())
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/?back=rules"
    rule = RiskRule.objects.get(label="Mệt mỏi kéo dài")
    assert (rule.facts, rule.weight, rule.min_level, rule.active) == (["sym_fatigue"], 0, 2, True)
    assert job.created_by == province_cdc and job.state == Job.State.DONE
    assert set(Declaration.objects.values_list("risk_colour", flat=True)) == {"orange"}
    assert AuditEvent.objects.filter(object_type="triage.riskrule", action="create").exists()
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-state="done"' in body and 'id="job-percent">100<' in body
    assert "hx-trigger" not in body.split('id="job"')[1].split(">")[0]  # polling stopped
    # The queue now shows them, orange.
    assert counts(client.get(QUEUE))["colour-orange"] == 3


def test_changing_and_deactivating_a_rule(client, province_cdc, places):
    contact = RiskRule.objects.get(label="Có triệu chứng + tiếp xúc ca bệnh")
    sick = declare(places.commune, "sym_cough", "exp_case_contact")  # 15 + 40 + 30
    assert sick.risk_colour == "red"
    client.force_login(province_cdc)
    page = client.get(RULES, {"edit": contact.pk})
    assert page.context["editing"] == contact
    assert page.context["form"]["facts"].value() == ["any_symptom", "exp_case_contact"]

    data = rule_data(
        rule=contact.pk, label=contact.label, weight="0", min_level="0", facts=contact.facts
    )
    client.post(RULES, data)
    contact.refresh_from_db()
    assert (contact.weight, contact.min_level) == (0, 0)
    sick.refresh_from_db()
    assert sick.risk_colour == "orange"  # 15 + 40 + 0: below the red band, no floor

    response = client.post(RULES, {"action": "toggle", "rule": contact.pk})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert not contact.active
    sick.refresh_from_db()
    assert "Có triệu chứng + tiếp xúc ca bệnh" not in sick.risk_reasons
    assert Job.objects.count() == 2
    # Saving a form with nothing changed starts nothing.
    client.post(
        RULES,
        rule_data(
            rule=contact.pk,
            label=contact.label,
            weight="0",
            min_level="0",
            facts=contact.facts,
            active="",
        ),
    )
    assert Job.objects.count() == 2


def test_an_admin_of_the_province_may_change_rules(client, make_user, places):
    client.force_login(make_user("ioc", places.province, tasks=[Task.ADMIN]))
    assert client.post(RULES, rule_data()).status_code == 302
    assert RiskRule.objects.filter(label="Mệt mỏi kéo dài").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weight": "-5"}, "weight"),
        ({"weight": "abc"}, "weight"),
        ({"facts": ["sym_fever", "teleported"]}, "facts"),
        ({"facts": []}, "facts"),
        ({"label": "   "}, "label"),
        ({"min_level": "7"}, "min_level"),
    ],
)
def test_bad_rules_are_refused_beside_the_field(client, province_cdc, changes, field):
    client.force_login(province_cdc)
    before = list(RiskRule.objects.values())
    response = client.post(RULES, rule_data(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert list(RiskRule.objects.values()) == before
    assert not Job.objects.exists()


def test_unknown_rule_ids_and_actions_are_404(client, province_cdc):
    client.force_login(province_cdc)
    assert client.post(RULES, {"action": "toggle", "rule": 999999}).status_code == 404
    assert client.post(RULES, rule_data(rule="x")).status_code == 404
    assert client.post(RULES, {"action": "drop"}).status_code == 404
    assert client.get(RULES, {"edit": 999999}).status_code == 404


# Epidemic areas ------------------------------------------------------------------


def hanoi():
    return AdminUnit.objects.active_tree().get(code="01")


def area_data(**changes):
    data = {
        "action": "add",
        "province": hanoi().pk,
        "district": "",
        "commune": "",
        "start": dmy(TODAY - datetime.timedelta(days=30)),
        "end": "",
        "note": "Ổ dịch cộng đồng",
    }
    data.update(changes)
    return data


def test_every_staff_user_reads_the_areas_only_province_editors_change_them(
    client, make_user, places, commune_cdc
):
    area = EpidemicArea.objects.create(unit=hanoi(), start=TODAY, note="Hà Nội")
    client.force_login(commune_cdc)
    response = client.get(AREAS)
    assert response.status_code == 200
    assert f'id="area-{area.pk}"' in response.content.decode()
    assert not response.context["editor"]
    for data in (
        area_data(),
        {"action": "end", "area": area.pk, "end": dmy(TODAY)},
        {"action": "delete", "area": area.pk},
    ):
        assert client.post(AREAS, data).status_code == 403
    assert EpidemicArea.objects.get().end is None
    assert not Job.objects.exists()


def test_a_new_epidemic_area_turns_arrivals_from_it_red(client, province_cdc, places):
    sick = declare(places.commune, *YELLOW)  # departed from Hà Nội (form_data)
    assert sick.risk_colour == "yellow"
    client.force_login(province_cdc)
    page = client.get(AREAS)
    province = page.context["form"]["province"]
    assert "/areas/options?from=province&amp;level=2" in str(province)
    response = client.post(AREAS, area_data())
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/?back=areas"
    area = EpidemicArea.objects.get()
    assert (area.unit, area.end, area.created_by) == (hanoi(), None, province_cdc)
    sick.refresh_from_db()
    assert sick.risk_colour == "red"
    assert "Sốt + về từ vùng dịch" in sick.risk_reasons
    assert client.get(response["Location"]).context["back_url"] == AREAS

    # Ending it before the arrival takes the fact away again.
    client.post(
        AREAS, {"action": "end", "area": area.pk, "end": dmy(TODAY - datetime.timedelta(days=10))}
    )
    area.refresh_from_db()
    assert area.end == TODAY - datetime.timedelta(days=10)
    sick.refresh_from_db()
    assert sick.risk_colour == "yellow"

    client.post(AREAS, {"action": "delete", "area": area.pk})
    assert not EpidemicArea.objects.exists()
    assert Job.objects.count() == 3
    assert AuditEvent.objects.filter(object_type="triage.epidemicarea").count() == 3


def test_a_district_or_commune_of_another_province(client, province_cdc):
    units = AdminUnit.objects.active_tree()
    district = units.filter(parent=hanoi(), level=2).order_by("code").first()
    commune = units.filter(parent=district, level=3).order_by("code").first()
    client.force_login(province_cdc)
    client.post(AREAS, area_data(district=district.pk, commune=commune.pk))
    assert EpidemicArea.objects.get().unit == commune
    # The district select was filled from the province chosen, on a redisplay too.
    response = client.post(AREAS, area_data(district=district.pk, start="bad"))
    assert district in response.context["form"].fields["district"].queryset


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end": dmy(TODAY - datetime.timedelta(days=31))}, "end"),
        ({"start": ""}, "start"),
        ({"province": ""}, "province"),
        ({"province": "999999999"}, "province"),
        ({"district": "district-of-other"}, "district"),
    ],
)
def test_bad_epidemic_areas_are_refused_beside_the_field(client, province_cdc, changes, field):
    if changes.get("district") == "district-of-other":
        other = AdminUnit.objects.home_province()
        changes["district"] = other.children.order_by("code").first().pk
    client.force_login(province_cdc)
    response = client.post(AREAS, area_data(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not EpidemicArea.objects.exists() and not Job.objects.exists()


def test_ending_an_area_before_its_start_is_refused_in_its_row(client, province_cdc):
    area = EpidemicArea.objects.create(unit=hanoi(), start=TODAY)
    client.force_login(province_cdc)
    early = dmy(TODAY - datetime.timedelta(days=1))
    response = client.post(AREAS, {"action": "end", "area": area.pk, "end": early})
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="end-{area.pk}-error"' in body
    assert f'value="{early}"' in body
    area.refresh_from_db()
    assert area.end is None and not Job.objects.exists()
    assert client.post(AREAS, {"action": "end", "area": 999999, "end": early}).status_code == 404
    assert client.post(AREAS, {"action": "delete", "area": "x"}).status_code == 404
