"""Staff entry at a health station, of paper forms and at checkpoints (§II.3, §II.4.2.1, R-P2)."""

import datetime
import re
import uuid

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.audit.models import AuditEvent
from vigil.declarations import services
from vigil.declarations.forms import DeclarationForm
from vigil.declarations.models import Channel, Declaration
from vigil.declarations.services import RECENT_DAYS
from vigil.declarations.views.entry import SESSION_KEY
from vigil.people.models import Person

from .helpers import form_data

NEW = "/declarations/new/"


def declare_online(area, **changes):
    form = DeclarationForm(form_data(area, **changes))
    assert form.is_valid(), form.errors
    return services.submit_declaration(
        form.identity(), form.declaration_data(), channel=Channel.WEB
    ).declaration


def age(declaration, days):
    """Move a declaration `days` into the past (arrival and creation)."""
    Declaration.objects.filter(pk=declaration.pk).update(
        arrival_date=timezone.localdate() - datetime.timedelta(days=days),
        created_at=timezone.now() - datetime.timedelta(days=days),
    )
    declaration.refresh_from_db()
    return declaration


def entry(area, channel="walk_in", **changes):
    data = form_data(area, channel=channel, idempotency_key=uuid.uuid4().hex)
    if channel == "paper":
        data.update(
            paper_form_number="GT-0001", paper_form_date=yesterday(), paper_reason="no_smartphone"
        )
    if channel == "checkpoint":
        data["checkpoint"] = "Chốt Phú Lộc"
    data.update(changes)
    return data


def yesterday():
    return (timezone.localdate() - datetime.timedelta(days=1)).strftime("%d/%m/%Y")


def autofocused(response):
    """The ids of the elements with autofocus (there must be one at most)."""
    tags = re.findall(r"<[^>]*\bautofocus\b[^>]*>", response.content.decode())
    return [re.search(r'id="([^"]+)"', tag).group(1) for tag in tags]


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def station(make_user, places):
    return make_user("hs.phunhuan", places.commune, tasks=[Task.HEALTH_STATION])


@pytest.fixture
def clerk(make_user, places):
    """A digitisation clerk of the whole district (several communes)."""
    return make_user("so.hoa.hue", places.district, tasks=[Task.DIGITISATION])


def test_it_finds_an_existing_person_by_phone_and_shows_their_declarations(client, station, places):
    earlier = declare_online(places.commune)
    client.force_login(station)
    response = client.get(NEW, {"channel": "walk_in", "q": "0905 111 222"})
    assert response.status_code == 200
    [(match, declarations)] = response.context["matches"]
    assert match.person == earlier.person
    assert declarations == [earlier]
    body = response.content.decode()
    assert f'id="use-person-{earlier.person.pk}"' in body
    assert earlier.person.phone not in body  # masked in the list of matches


def test_picking_a_person_prefills_the_form_and_saving_reuses_them(client, station, places):
    earlier = declare_online(places.commune, transport_number="75A-99999", sym_fever="1")
    age(earlier, RECENT_DAYS + 10)  # a previous journey: no duplicate warning
    people = Person.objects.count()
    client.force_login(station)
    response = client.get(NEW, {"channel": "walk_in", "person": earlier.person.pk})
    form = response.context["form"]
    assert form["full_name"].value() == "Nguyễn Văn Đức"
    assert form["id_number"].value() == "046090001234"
    assert form["address"].value() == "12 Lê Lợi"
    assert form["area"].value() == places.commune.pk
    # A new journey: its date, vehicle and symptoms are not copied from the last one.
    assert form["arrival_date"].value() in (None, "")
    assert form["transport_number"].value() in (None, "")
    assert form["sym_fever"].value() == "0"

    response = client.post(NEW, entry(places.commune))
    assert response.status_code == 302
    assert Person.objects.count() == people
    declaration = Declaration.objects.exclude(pk=earlier.pk).get()
    assert declaration.person == earlier.person
    assert declaration.channel == Channel.WALK_IN
    assert declaration.created_by == station


def test_nobody_matches_then_a_new_person_is_entered(client, station, places):
    client.force_login(station)
    response = client.get(NEW, {"channel": "walk_in", "q": "046111222333"})
    assert response.context["matches"] == []
    assert 'id="enter-new"' in response.content.decode()
    response = client.get(NEW, {"channel": "walk_in", "q": "046111222333", "new": "1"})
    form = response.context["form"]
    assert form["id_number"].value() == "046111222333"
    assert form["id_kind"].value() == "cccd"
    response = client.post(
        NEW, entry(places.commune, id_number="046111222333", full_name="Hồ Thị Mới")
    )
    assert response.status_code == 302
    person = Person.objects.get(id_number="046111222333")
    assert person.full_name == "Hồ Thị Mới"
    assert person.declarations.get().channel == Channel.WALK_IN


def test_a_person_outside_the_jurisdiction_cannot_be_picked(client, station, places, make_person):
    far = make_person(places.far, "Bùi Thị Xa")
    client.force_login(station)
    assert client.get(NEW, {"person": far.pk}).status_code == 404
    response = client.get(NEW, {"q": far.phone})
    assert response.context["matches"] == []


def test_yes_no_questions_default_to_no_and_the_first_empty_field_has_focus(
    client, station, places
):
    client.force_login(station)
    response = client.get(NEW, {"channel": "walk_in", "new": "1"})
    form = response.context["form"]
    assert form["cond_diabetes"].value() == "0"
    assert form["area"].value() == places.commune.pk  # the account's own commune
    assert autofocused(response) == ["id_full_name"]


def test_paper_forms_need_their_number_and_date(client, clerk, places):
    client.force_login(clerk)
    data = entry(places.commune, channel="paper", paper_form_number="", paper_form_date="")
    response = client.post(NEW, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"paper_form_number", "paper_form_date"}
    assert 'id="id_paper_form_number_error"' in response.content.decode()
    assert not Declaration.objects.exists()


def test_a_paper_form_keeps_its_number_and_date(client, clerk, places):
    client.force_login(clerk)
    client.post(NEW, entry(places.commune, channel="paper", paper_form_number="GT-77"))
    declaration = Declaration.objects.get()
    assert declaration.channel == Channel.PAPER
    assert declaration.paper_form_number == "GT-77"
    assert declaration.paper_form_date == timezone.localdate() - datetime.timedelta(days=1)


def test_a_checkpoint_entry_needs_the_checkpoint_name(client, make_user, places):
    user = make_user("chot.hue", places.district, tasks=[Task.CHECKPOINT])
    client.force_login(user)
    assert client.get("/declarations/new/checkpoint/").context["channel"] == "checkpoint"
    response = client.post(
        "/declarations/new/checkpoint/", entry(places.commune, channel="checkpoint", checkpoint="")
    )
    assert "checkpoint" in response.context["form"].errors
    client.post("/declarations/new/checkpoint/", entry(places.commune, channel="checkpoint"))
    declaration = Declaration.objects.get()
    assert (declaration.channel, declaration.checkpoint) == ("checkpoint", "Chốt Phú Lộc")


def test_a_commune_outside_the_jurisdiction_is_refused_next_to_the_field(client, station, places):
    client.force_login(station)
    response = client.post(NEW, entry(places.neighbour))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error("area", "out_of_scope")
    assert 'id="id_area_error"' in response.content.decode()
    assert not Declaration.objects.exists()


def test_the_next_empty_form_keeps_the_commune_and_the_paper_date(client, clerk, places):
    client.force_login(clerk)
    response = client.post(
        NEW, entry(places.neighbour, channel="paper", paper_form_date="02/01/2021")
    )
    declaration = Declaration.objects.get()
    assert response.status_code == 302
    assert response.url == f"{NEW}?channel=paper&step=search"
    assert any(declaration.code in t and "Nguyễn Văn Đức" in t for t in texts(response))
    assert client.session[SESSION_KEY]["area"] == places.neighbour.pk

    response = client.get(response.url)
    form = response.context["form"]
    assert form["area"].value() == places.neighbour.pk
    assert form["paper_form_date"].value() == datetime.date(2021, 1, 2)
    assert form["full_name"].value() in (None, "")
    assert form["paper_form_number"].value() in (None, "")
    assert response.context["channel"] == "paper"
    # The last channel is kept too when the menu link gives none.
    assert client.get(NEW).context["channel"] == "paper"


def test_a_double_post_saves_one_declaration(client, station, places):
    client.force_login(station)
    data = entry(places.commune)
    first = client.post(NEW, data)
    second = client.post(NEW, data)
    assert first.status_code == second.status_code == 302
    declaration = Declaration.objects.get()
    assert any(declaration.code in t for t in texts(second))


def test_the_already_known_panel_shows_people_under_the_typed_id_number(
    client, station, places, make_person
):
    known = make_person(places.commune, "Lê Văn Cũ", id_number="046080001111")
    far = make_person(places.far, "Lê Văn Xa", id_number="046080002222")
    client.force_login(station)
    response = client.get("/declarations/new/matches/", {"id_number": "046080001111"})
    assert f'id="use-person-{known.pk}"' in response.content.decode()
    response = client.get("/declarations/new/matches/", {"id_number": far.id_number})
    assert response.context["matches"] == []


def test_accounts_without_an_entry_task_may_not_enter(client, make_user, places):
    leader = make_user("leader.pn", places.commune, tasks=[Task.LEADER])
    client.force_login(leader)
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, entry(places.commune)).status_code == 403
    assert client.get("/declarations/import/").status_code == 403


def test_picking_a_person_keeps_the_paper_form_number_already_typed(client, clerk, places):
    earlier = declare_online(places.commune)
    client.force_login(clerk)
    response = client.get(
        NEW,
        {
            "channel": "paper",
            "person": earlier.person.pk,
            "paper_form_number": "GT-9",
            "paper_form_date": "03/01/2021",
        },
    )
    form = response.context["form"]
    assert form["paper_form_number"].value() == "GT-9"
    assert form["paper_form_date"].value() == "03/01/2021"
    assert form["full_name"].value() == "Nguyễn Văn Đức"


def test_a_person_known_elsewhere_is_still_reused_when_saved(client, station, places):
    # The search only shows people in scope, but saving matches the ID number
    # province-wide (services.match_person): no second Person either way.
    elsewhere = declare_online(places.far)
    client.force_login(station)
    assert client.get(NEW, {"q": "046090001234"}).context["matches"] == []
    client.post(NEW, entry(places.commune))
    assert Person.objects.count() == 1
    assert Declaration.objects.exclude(pk=elsewhere.pk).get().person == elsewhere.person


# Duplicates at checkpoints and desks (issue 10, finding 7) -----------------------


@pytest.fixture
def checkpoint_staff(make_user, places):
    return make_user("chot.hue", places.district, tasks=[Task.CHECKPOINT])


CHECKPOINT = "/declarations/new/checkpoint/"


def test_picking_a_person_who_declared_online_today_shows_that_declaration(
    client, checkpoint_staff, places
):
    earlier = declare_online(places.commune, sym_cough="1")
    client.force_login(checkpoint_staff)
    response = client.get(CHECKPOINT, {"channel": "checkpoint", "person": earlier.person.pk})
    assert response.context["recent"] == [earlier]
    body = response.content.decode()
    row = re.search(rf'<tr id="recent-{earlier.pk}">.*?</tr>', body, re.S).group(0)
    assert earlier.code in row
    assert earlier.get_channel_display() in row
    assert places.commune.name in row
    assert f"risk-{earlier.risk_colour}" in row
    assert f"/declarations/{earlier.pk}/" in row
    # One key reuses it: the button has the focus (Enter) and an access key.
    assert autofocused(response) == [f"use-declaration-{earlier.pk}"]
    button = re.search(rf'<a [^>]*id="use-declaration-{earlier.pk}"[^>]*>', body).group(0)
    assert 'accesskey="u"' in button
    assert f"/declarations/scan/?payload={earlier.code}" in button
    assert 'name="confirm_duplicate"' in body


def test_using_the_recent_declaration_records_the_scan_and_creates_nothing(
    client, checkpoint_staff, places
):
    earlier = declare_online(places.commune)
    client.force_login(checkpoint_staff)
    response = client.get(CHECKPOINT, {"person": earlier.person.pk})
    body = response.content.decode()
    url = re.search(rf'href="([^"]+)" id="use-declaration-{earlier.pk}"', body).group(1)
    assert url == f"/declarations/scan/?payload={earlier.code}"
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"/declarations/{earlier.pk}/"
    assert Declaration.objects.count() == 1
    scan = AuditEvent.objects.filter(action="view", object_id=str(earlier.pk)).last()
    assert scan.detail == {"scan": "ok"}


def test_it_refuses_a_duplicate_matched_by_id_number_without_confirmation(
    client, checkpoint_staff, places
):
    earlier = declare_online(places.commune)
    client.force_login(checkpoint_staff)
    # The person was not picked: the ID number typed in the form finds them.
    data = entry(places.commune, channel="checkpoint", phone="0914000999")
    response = client.post(CHECKPOINT, data)
    assert response.status_code == 200
    assert Declaration.objects.count() == 1
    assert response.context["duplicate_refused"] is True
    assert response.context["recent"] == [earlier]
    body = response.content.decode()
    assert 'id="duplicate-refused"' in body
    assert autofocused(response) == [f"use-declaration-{earlier.pk}"]
    # Nothing typed is lost.
    assert response.context["form"]["checkpoint"].value() == "Chốt Phú Lộc"
    assert response.context["form"]["phone"].value() == "0914000999"

    response = client.post(CHECKPOINT, {**data, "confirm_duplicate": "1"})
    assert response.status_code == 302
    second = Declaration.objects.exclude(pk=earlier.pk).get()
    assert second.person == earlier.person
    assert second.channel == Channel.CHECKPOINT


def test_the_same_id_number_under_another_name_also_warns(client, station, places):
    declare_online(places.commune)
    client.force_login(station)
    response = client.post(NEW, entry(places.commune, full_name="Nguyễn Văn Đứt"))
    assert response.status_code == 200
    assert response.context["duplicate_refused"] is True
    assert Declaration.objects.count() == 1


def test_a_declaration_older_than_the_recent_days_does_not_warn(client, station, places):
    earlier = age(declare_online(places.commune), RECENT_DAYS + 1)
    client.force_login(station)
    response = client.get(NEW, {"person": earlier.person.pk})
    assert response.context["recent"] == []
    assert autofocused(response) == ["id_arrival_date"]
    assert client.post(NEW, entry(places.commune)).status_code == 302
    assert Declaration.objects.count() == 2


def test_an_arrival_within_the_recent_days_warns_even_when_declared_earlier(
    client, station, places
):
    earlier = age(declare_online(places.commune), RECENT_DAYS + 5)
    Declaration.objects.filter(pk=earlier.pk).update(arrival_date=timezone.localdate())
    client.force_login(station)
    assert client.get(NEW, {"person": earlier.person.pk}).context["recent"] == [earlier]


def test_a_recent_declaration_outside_the_jurisdiction_is_not_shown(client, station, places):
    declare_online(places.far)
    client.force_login(station)
    response = client.post(NEW, entry(places.commune))
    assert response.status_code == 302
    assert Declaration.objects.count() == 2


def test_after_a_save_the_next_form_opens_at_the_search_step(client, checkpoint_staff, places):
    client.force_login(checkpoint_staff)
    response = client.post(CHECKPOINT, entry(places.neighbour, channel="checkpoint"))
    assert response.status_code == 302
    assert response.url == f"{NEW}?channel=checkpoint&step=search"
    response = client.get(response.url)
    # The search box has the focus, nobody is picked, the commune, the
    # checkpoint and the channel of the last save are kept.
    assert autofocused(response) == ["search-q"]
    assert response.context["channel"] == "checkpoint"
    assert response.context["recent"] == []
    form = response.context["form"]
    assert form["full_name"].value() in (None, "")
    assert form["id_number"].value() in (None, "")
    assert form["area"].value() == places.neighbour.pk
    assert form["checkpoint"].value() == "Chốt Phú Lộc"


def test_after_a_paper_save_the_search_has_the_focus_too(client, clerk, places):
    client.force_login(clerk)
    # Opening the page, the clerk goes straight to the paper form's number.
    assert autofocused(client.get(NEW, {"channel": "paper"})) == ["id_paper_form_number"]
    response = client.post(NEW, entry(places.commune, channel="paper"), follow=True)
    assert autofocused(response) == ["search-q"]
    assert response.context["form"]["paper_form_date"].value() == (
        timezone.localdate() - datetime.timedelta(days=1)
    )
