"""The verification pages (R-V1..R-V5): queues and the verify page (approvals of
registrations to return: tests/verification/test_registration_approvals.py)."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit, Level
from vigil.declarations.forms import DeclarationForm
from vigil.declarations.models import (
    Channel,
    Declaration,
    DeclarationEvent,
    RiskColour,
    Surveillance,
    VerificationState,
)
from vigil.declarations.services import submit_declaration, update_declaration
from vigil.verification import services

from ..declarations.helpers import form_data

QUEUE = "/verification/"
TODAY = timezone.localdate()


def verify_url(declaration):
    return f"/verification/{declaration.pk}/"


@pytest.fixture
def declare(make_person):
    """A bare online declaration (fast; for the lists)."""

    def make(area, full_name="Nguyễn Văn An", days_ago=0, **extra):
        person = extra.pop("person", None) or make_person(area, full_name)
        fields = {
            "registration_kind": "return_home",
            "departure_country_id": "VN",
            "address": "1 Lê Lợi",
            "transport": "car",
            "arrival_date": TODAY - datetime.timedelta(days=min(days_ago, 300)),
            "created_at": timezone.now() - datetime.timedelta(days=days_ago),
            "channel": Channel.WEB,
        }
        fields.update(extra)
        return Declaration.objects.create(person=person, area=area, **fields)

    return make


@pytest.fixture
def submit(places):
    """A full online declaration through the shared form and service (for the verify page)."""
    counter = iter(range(1000))

    def make(area=None, **changes):
        n = next(counter)
        changes.setdefault("id_number", f"04609{n:07d}")
        changes.setdefault("phone", f"0905{n:06d}")
        data = form_data(area or places.commune, **changes)
        form = DeclarationForm(data)
        assert form.is_valid(), form.errors
        return submit_declaration(
            form.identity(), form.declaration_data(), channel=Channel.WEB
        ).declaration

    return make


@pytest.fixture
def clerk(make_user, places):
    return make_user("community.pn", places.commune, tasks=[Task.COMMUNITY])


@pytest.fixture
def district_user(make_user, places):
    return make_user("digit.hue", places.district, tasks=[Task.DIGITISATION])


def shown(response):
    return [d.pk for d in response.context["page"]]


def page_data(declaration, **outcome):
    """What the verify page posts when nothing in the declaration is touched."""
    person = declaration.person
    data = form_data(
        declaration.area,
        full_name=person.full_name,
        id_number=person.id_number,
        phone=person.phone,
        address=declaration.address,
    )
    data["version"] = str(declaration.version)
    data["action"] = "verify"
    data.update({k: str(v) for k, v in outcome.items()})
    return data


def fresh(declaration):
    return Declaration.objects.get(pk=declaration.pk)


def field_errors(response, form="outcome_form"):
    return response.context[form].errors


# The queue ------------------------------------------------------------------------


def test_a_district_user_sees_its_communes_oldest_first(client, district_user, places, declare):
    new = declare(places.commune)
    old = declare(places.neighbour, days_ago=3)
    far = declare(places.far, "Bùi Thị Xa")
    client.force_login(district_user)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert shown(response) == [old.pk, new.pk]
    assert response.context["total"] == 2
    assert far.code not in response.content.decode()
    assert f'href="/verification/{old.pk}/"' in response.content.decode()
    communes = response.context["form"].fields["commune"].queryset
    assert places.commune in communes and places.far not in communes


def test_a_commune_user_sees_only_its_commune_and_a_commune_outside_in_the_url_gives_nothing(
    client, clerk, places, declare
):
    mine = declare(places.commune)
    declare(places.neighbour)
    client.force_login(clerk)
    assert shown(client.get(QUEUE)) == [mine.pk]
    response = client.get(QUEUE, {"commune": places.neighbour.pk})
    assert shown(response) == [] and response.context["total"] == 0
    assert shown(client.get(QUEUE, {"district": places.other_district.pk})) == []


def test_only_online_declarations_not_yet_verified_wait(client, clerk, places, declare):
    waiting = declare(places.commune)
    declare(places.commune, channel=Channel.WALK_IN, verification_state="not_required")
    declare(places.commune, verification_state=VerificationState.RETURNED)
    declare(places.commune, verification_state=VerificationState.FAILED)
    client.force_login(clerk)
    assert shown(client.get(QUEUE)) == [waiting.pk]


def test_the_filters(client, district_user, places, declare, make_person):
    duc = declare(
        places.commune,
        person=make_person(places.commune, "Nguyễn Văn Đức", id_number="046090009999"),
        days_ago=5,
    )
    mai = declare(
        places.neighbour,
        "Trần Thị Mai",
        registration_kind="medical",
        channel=Channel.APP,
        risk_colour=RiskColour.RED,
    )
    client.force_login(district_user)

    def pks(**params):
        return set(shown(client.get(QUEUE, params)))

    old = (TODAY - datetime.timedelta(days=5)).strftime("%d/%m/%Y")
    assert pks(date_from=old, date_to=old) == {duc.pk}
    assert pks(date_from=TODAY.strftime("%d/%m/%Y")) == {mai.pk}
    assert pks(commune=places.neighbour.pk) == {mai.pk}
    assert pks(district=places.district.pk) == {duc.pk, mai.pk}
    assert pks(kind="medical") == {mai.pk}
    assert pks(channel="app") == {mai.pk}
    assert pks(colour="red") == {mai.pk}
    assert pks(colour="green") == {duc.pk}
    assert pks(q="nguyen van duc") == {duc.pk}
    assert pks(q="046090009999") == {duc.pk}
    assert pks(q=mai.person.phone) == {mai.pk}
    assert pks(q=mai.code) == {mai.pk}
    assert pks(date_from="31/02/2021") == set()  # a malformed date shows nothing
    # The channel filter offers the online channels only.
    form = client.get(QUEUE).context["form"]
    assert {v for v, _l in form.fields["channel"].choices if v} == {"app", "web"}


def test_identity_is_masked_and_risk_and_transfer_are_shown(client, clerk, places, declare):
    d = declare(places.commune, risk_colour=RiskColour.ORANGE, transferred_from=places.neighbour)
    client.force_login(clerk)
    body = client.get(QUEUE).content.decode()
    assert d.person.id_number not in body and d.person.phone not in body
    assert d.person.masked_id_number in body
    assert "risk-orange" in body
    assert "transferred-from" in body and places.neighbour.name in body


def test_fifty_a_page_in_a_bounded_number_of_queries(
    client, clerk, places, declare, django_assert_max_num_queries
):
    for n in range(55):
        declare(places.commune, days_ago=n % 7, transferred_from=places.neighbour)
    client.force_login(clerk)
    # A capped count per queue tab (five), the page's ids, then its rows.
    with django_assert_max_num_queries(14):
        response = client.get(QUEUE)
    assert len(shown(response)) == 50 and response.context["total"] == 55
    assert len(shown(client.get(QUEUE, {"page": 2}))) == 5


def test_only_the_verifying_task_groups_open_the_queue(client, make_user, places):
    for task in (Task.CDC, Task.CHECKPOINT, Task.FACILITY, Task.LEADER):
        client.force_login(make_user(f"u.{task}", places.commune, tasks=[task]))
        assert client.get(QUEUE).status_code == 403
    for task in (Task.COMMUNITY, Task.POLICE, Task.MILITARY, Task.HEALTH_STATION, Task.ADMIN):
        client.force_login(make_user(f"ok.{task}", places.commune, tasks=[task]))
        assert client.get(QUEUE).status_code == 200


def test_the_special_queues(client, clerk, places, declare):
    student = declare(
        places.commune, registration_kind="student", student_code="SV-2021-77", school="ĐH Huế"
    )
    medical = declare(places.commune, registration_kind="medical")
    failed = declare(places.commune, verification_state=VerificationState.FAILED)
    DeclarationEvent.objects.create(
        declaration=failed, action="verify_failed", note="Không có ở nhà", to_state="failed"
    )
    declare(places.commune)
    client.force_login(clerk)

    response = client.get("/verification/students/")
    assert shown(response) == [student.pk]
    assert "SV-2021-77" in response.content.decode() and "ĐH Huế" in response.content.decode()
    assert shown(client.get("/verification/medical/")) == [medical.pk]
    response = client.get("/verification/failed/")
    assert shown(response) == [failed.pk]
    assert "Không có ở nhà" in response.content.decode()
    assert f'id="verify-{failed.pk}"' not in response.content.decode()

    tabs = {key: count for key, _l, _u, count, _c, _a in response.context["tabs"]}
    assert tabs == {"pending": 3, "students": 1, "medical": 1, "failed": 1, "amended": 0}
    assert 'href="/verification/approvals/"' in response.content.decode()


# The verify page ----------------------------------------------------------------------


def test_the_verify_page_shows_the_declaration_in_the_shared_form(client, clerk, submit):
    d = submit()
    client.force_login(clerk)
    response = client.get(verify_url(d))
    assert response.status_code == 200
    form = response.context["form"]
    assert isinstance(form, DeclarationForm)
    assert form.initial["address"] == d.address
    assert form.fields["area"].disabled
    assert response.context["outcome_form"]["version"].value() == d.version
    body = response.content.decode()
    assert 'id="history"' in body and 'id="id_full_name"' in body


def test_a_declaration_outside_the_jurisdiction_is_404(client, clerk, places, submit):
    far = submit(places.far)
    client.force_login(clerk)
    assert client.get(verify_url(far)).status_code == 404
    response = client.post(verify_url(far), page_data(far, outcome="failed", reason="x"))
    assert response.status_code == 404
    assert fresh(far).verification_state == VerificationState.PENDING


def test_returned_with_home_quarantine(client, clerk, submit):
    d = submit()
    client.force_login(clerk)
    start, end = TODAY, TODAY + datetime.timedelta(days=14)
    response = client.post(
        verify_url(d),
        page_data(
            d,
            outcome="returned",
            surveillance=Surveillance.HOME_QUARANTINE,
            surveillance_start=start.strftime("%d/%m/%Y"),
            surveillance_end=end.strftime("%d/%m/%Y"),
        ),
    )
    assert response.status_code == 302 and response.url == QUEUE
    d2 = fresh(d)
    assert d2.verification_state == VerificationState.RETURNED
    assert (d2.surveillance, d2.surveillance_start, d2.surveillance_end) == (
        Surveillance.HOME_QUARANTINE,
        start,
        end,
    )
    assert d2.version == d.version + 1  # nothing corrected: the outcome only
    event = d2.events.get()
    assert (event.actor, event.from_state, event.to_state) == (clerk, "pending", "returned")
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]
    assert d.pk not in shown(client.get(QUEUE))


def test_could_not_verify_goes_to_the_failed_list(client, clerk, submit):
    d = submit()
    client.force_login(clerk)
    response = client.post(verify_url(d), page_data(d, outcome="failed", reason="Không có ở nhà"))
    assert response.status_code == 302
    assert fresh(d).verification_state == VerificationState.FAILED
    assert fresh(d).events.get().note == "Không có ở nhà"
    assert shown(client.get("/verification/failed/")) == [d.pk]


def test_a_transfer_moves_the_record_to_the_other_communes_queue(
    client, clerk, district_user, make_user, places, submit
):
    d = submit()
    client.force_login(clerk)
    response = client.post(
        verify_url(d),
        page_data(d, outcome="transfer", target=places.neighbour.pk, transfer_reason="Ở nhà con"),
    )
    assert response.status_code == 302
    moved = fresh(d)
    assert (moved.area, moved.transferred_from) == (places.neighbour, places.commune)
    assert moved.verification_state == VerificationState.PENDING
    # Gone from the sender, which can no longer open it...
    assert d.pk not in shown(client.get(QUEUE))
    assert client.get(verify_url(d)).status_code == 404
    # ...and waiting in the target commune's queue.
    client.force_login(make_user("community.vn", places.neighbour, tasks=[Task.COMMUNITY]))
    response = client.get(QUEUE)
    assert shown(response) == [d.pk]
    assert "transferred-from" in response.content.decode()
    assert client.get(verify_url(d)).status_code == 200
    # A district user whose scope holds both communes still reaches it.
    client.force_login(district_user)
    assert client.get(verify_url(d)).status_code == 200


def unchanged(d):
    now = fresh(d)
    assert (now.version, now.verification_state, now.area_id, now.surveillance) == (
        d.version,
        VerificationState.PENDING,
        d.area_id,
        "",
    )
    assert not now.events.exists()


@pytest.mark.parametrize(
    "outcome, field",
    [
        ({"outcome": "returned"}, "surveillance"),
        ({"outcome": "failed", "reason": "  "}, "reason"),
        ({"outcome": "transfer", "transfer_reason": "x"}, "target"),
        ({"outcome": "transfer", "target": "SAME", "transfer_reason": "x"}, "target"),
        ({"outcome": "transfer", "target": "DISTRICT", "transfer_reason": "x"}, "target"),
        ({"outcome": "transfer", "target": "OUTSIDE", "transfer_reason": "x"}, "target"),
        (
            {
                "outcome": "returned",
                "surveillance": "self_monitoring",
                "surveillance_start": TODAY.strftime("%d/%m/%Y"),
                "surveillance_end": (TODAY - datetime.timedelta(days=1)).strftime("%d/%m/%Y"),
            },
            "surveillance_end",
        ),
        ({}, "outcome"),
    ],
)
def test_a_refused_outcome_changes_nothing_and_says_why_next_to_the_field(
    client, clerk, places, submit, outcome, field
):
    d = submit()
    targets = {
        "SAME": places.commune.pk,
        "DISTRICT": places.district.pk,
        "OUTSIDE": AdminUnit.objects.active_tree()
        .filter(level=Level.COMMUNE)
        .exclude(path__startswith=places.province.path)
        .first()
        .pk,
    }
    if "target" in outcome:
        outcome = {**outcome, "target": targets[outcome["target"]]}
    client.force_login(clerk)
    response = client.post(verify_url(d), page_data(d, **outcome))
    assert response.status_code == 200
    assert field in field_errors(response)
    assert f'id="id_{field}_error"' in response.content.decode()
    unchanged(d)


def test_a_correction_is_saved_with_the_outcome(client, clerk, submit):
    d = submit()
    client.force_login(clerk)
    data = page_data(d, outcome="failed", reason="Sai địa chỉ")
    data["address"] = "99 Trần Hưng Đạo"
    assert client.post(verify_url(d), data).status_code == 302
    now = fresh(d)
    assert now.address == "99 Trần Hưng Đạo"
    assert now.verification_state == VerificationState.FAILED
    assert now.version == d.version + 2


def test_a_refused_outcome_also_undoes_the_correction(client, clerk, submit):
    d = submit()
    client.force_login(clerk)
    data = page_data(d, outcome="returned")  # no surveillance type
    data["address"] = "99 Trần Hưng Đạo"
    response = client.post(verify_url(d), data)
    assert "surveillance" in field_errors(response)
    assert response.context["form"]["address"].value() == "99 Trần Hưng Đạo"  # kept on the page
    assert fresh(d).address == d.address
    unchanged(d)


def test_an_invalid_correction_is_shown_next_to_its_field(client, clerk, submit):
    d = submit()
    client.force_login(clerk)
    data = page_data(d, outcome="failed", reason="x")
    data["birth_year"] = "1800"
    response = client.post(verify_url(d), data)
    assert "birth_year" in field_errors(response, "form")
    unchanged(d)


def test_corrections_alone_keep_the_record_in_the_queue(client, clerk, submit):
    d = submit()
    client.force_login(clerk)
    data = page_data(d)
    data["action"] = "save"
    data["address"] = "5 Hùng Vương"
    response = client.post(verify_url(d), data)
    assert response.status_code == 302 and response.url == verify_url(d)
    now = fresh(d)
    assert (now.address, now.verification_state) == ("5 Hùng Vương", VerificationState.PENDING)
    assert d.pk in shown(client.get(QUEUE))


def test_a_record_already_verified_is_not_verified_again(client, clerk, submit):
    d = submit()
    done = services.verify_returned(
        d, actor=clerk, version=d.version, surveillance=Surveillance.NONE
    )
    client.force_login(clerk)
    response = client.get(verify_url(d))
    assert response.status_code == 200 and response.context["outcome_form"] is None
    response = client.post(verify_url(d), page_data(done, outcome="failed", reason="x"))
    assert response.status_code == 302
    assert fresh(d).verification_state == VerificationState.RETURNED
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]


def test_an_account_that_may_not_see_identities_records_the_outcome_without_the_form(
    client, make_user, places, submit
):
    d = submit()
    client.force_login(make_user("ops.pn", places.commune, tasks=[Task.ADMIN]))
    response = client.get(verify_url(d))
    assert response.context["form"] is None
    assert d.person.id_number not in response.content.decode()
    response = client.post(
        verify_url(d), {"version": d.version, "outcome": "failed", "reason": "Không liên lạc được"}
    )
    assert response.status_code == 302
    assert fresh(d).verification_state == VerificationState.FAILED


def test_two_staff_on_one_record_do_not_overwrite_each_other(clerk, make_user, places, submit):
    d = submit()
    first, second = Client(), Client()
    first.force_login(clerk)
    second.force_login(make_user("police.pn", places.commune, tasks=[Task.POLICE]))
    assert first.get(verify_url(d)).status_code == 200
    assert second.get(verify_url(d)).status_code == 200

    # The first corrects the address and saves.
    data = page_data(d)
    data.update(action="save", address="7 Đống Đa")
    assert first.post(verify_url(d), data).status_code == 302

    # The second, from the page opened before, records "could not verify".
    typed = page_data(d, outcome="failed", reason="Không gặp ở nhà")
    response = second.post(verify_url(d), typed)
    assert response.status_code == 200
    stale = response.context["stale"]
    assert "community.pn" in stale["message"]
    assert [label for label, _saved in stale["differences"]] == [
        DeclarationForm.base_fields["address"].label
    ]
    assert 'id="stale-message"' in response.content.decode()
    outcome = response.context["outcome_form"]
    assert outcome["reason"].value() == "Không gặp ở nhà"  # what was typed is kept
    assert outcome["outcome"].value() == "failed"
    current = fresh(d)
    assert str(outcome["version"].value()) == str(current.version)
    assert current.verification_state == VerificationState.PENDING  # nothing overwritten

    # After review (the second keeps the first's address), saving again goes through.
    again = dict(typed)
    again.update(version=str(current.version), address="7 Đống Đa")
    assert second.post(verify_url(d), again).status_code == 302
    now = fresh(d)
    assert (now.verification_state, now.address) == (VerificationState.FAILED, "7 Đống Đa")


def test_a_stale_outcome_without_corrections_is_refused_too(clerk, make_user, places, submit):
    d = submit()
    other = make_user("police.pn", places.commune, tasks=[Task.POLICE])
    # Someone else corrects the record behind the page's back.
    form = DeclarationForm(form_data(places.commune, address="8 Lý Thường Kiệt"))
    assert form.is_valid()
    update_declaration(d, form.identity(), form.declaration_data(), version=d.version, actor=other)
    client = Client()
    client.force_login(clerk)
    response = client.post(
        verify_url(d), page_data(d, outcome="returned", surveillance="self_monitoring")
    )
    assert response.status_code == 200 and response.context["stale"]
    assert fresh(d).verification_state == VerificationState.PENDING


def test_a_record_transferred_away_before_the_save_answers_404_unchanged(
    clerk, make_user, places, submit
):
    d = submit()
    other = make_user("police.pn", places.commune, tasks=[Task.POLICE])
    services.transfer(d, actor=other, version=d.version, target=places.neighbour, note="x")
    client = Client()
    client.force_login(clerk)
    response = client.post(verify_url(d), page_data(d, outcome="failed", reason="x"))
    assert response.status_code == 404  # no longer in this commune's scope at all
    assert fresh(d).verification_state == VerificationState.PENDING


def test_a_school_account_verifies_only_its_own_students(client, make_user, places):
    from vigil.declarations.forms import DeclarationForm
    from vigil.declarations.services import submit_declaration

    from ..declarations.helpers import form_data

    def declare(**changes):
        form = DeclarationForm(form_data(places.commune, **changes))
        assert form.is_valid(), form.errors
        return submit_declaration(
            form.identity(), form.declaration_data(), channel="web"
        ).declaration

    ours = declare(registration_kind="student", student_code="SV1", school="Đại học Huế")
    other = declare(
        registration_kind="student", student_code="SV2", school="Đại học Đà Nẵng",
        id_number="046090009999", full_name="Người Khác",
    )  # fmt: skip
    home = declare(id_number="046090008888", full_name="Về Quê")
    school = make_user("dhhue", places.province, tasks=["school"], unit_name="Đại học Huế")
    client.force_login(school)
    page = client.get("/verification/students/")
    assert [d.pk for d in page.context["page"]] == [ours.pk]
    assert client.get("/verification/").status_code == 403
    assert client.get(f"/verification/{other.pk}/").status_code == 404
    assert client.get(f"/verification/{home.pk}/").status_code == 404
    response = client.post(
        f"/verification/{ours.pk}/",
        {"outcome": "returned", "surveillance": "self_monitoring", "version": ours.version},
    )
    ours.refresh_from_db()
    assert ours.verification_state == "returned", response.content.decode()[:500]
