"""The quarantine screens (R-Q1..R-Q4): catalogue, intake, lists, stay actions, board."""

import contextlib
import datetime
import threading

import pytest
from django.core import signing
from django.db import connection, connections
from django.test import Client
from django.utils import timezone, translation

from vigil.accounts.models import Task, User
from vigil.audit.models import AuditEvent
from vigil.declarations import questions
from vigil.declarations.models import Channel, Declaration, Surveillance
from vigil.people.models import Person
from vigil.quarantine import services
from vigil.quarantine.models import Bed, Facility, Outcome, Stay
from vigil.testing.models import TestResult

from ..scope.samples import make_declaration


@pytest.fixture(autouse=True)
def english(client):
    """These tests read the messages in English (the source text): the
    Vietnamese of each message is checked by the translation catalogue."""
    client.cookies["vigil_language"] = "en"
    with translation.override("en"):
        yield


TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def d(day):
    return day.strftime("%d/%m/%Y")


@pytest.fixture
def facility(places):
    return Facility.objects.create(
        kind="concentrated", name="KCL Trường Quân sự", area=places.commune
    )


@pytest.fixture
def other_facility(places):
    """Another facility of the same district: the manager's neighbour."""
    return Facility.objects.create(kind="paid", name="Khách sạn Sông Hương", area=places.neighbour)


@pytest.fixture
def cdc(make_user, places):
    return make_user("cdc.hue", places.district, tasks=[Task.CDC])


@pytest.fixture
def manager(make_user, facility):
    return make_user("kcl.manager", facility.area, tasks=[Task.FACILITY], facility=facility)


@pytest.fixture
def beds(facility, cdc):
    services.add_rooms(cdc, facility, building="A", floors=[1], rooms=[1, 2], beds_per_room=2)
    return list(
        Bed.objects.filter(room__building__facility=facility).order_by("room__name", "label")
    )


@pytest.fixture
def other_beds(other_facility, cdc):
    services.add_rooms(cdc, other_facility, building="K", floors=[2], rooms=[1], beds_per_room=2)
    return list(Bed.objects.filter(room__building__facility=other_facility).order_by("label"))


def answers(**yes):
    data = {key: "0" for key, _label in questions.EXPOSURES + questions.SYMPTOMS}
    data.update(dict.fromkeys(yes, "1"))
    return data


def all_answers(**yes):
    """Every question of the declaration form (exposures, symptoms, conditions)."""
    data = dict.fromkeys(questions.KEYS, "0")
    data.update(dict.fromkeys(yes, "1"))
    return data


def new_person_data(places, free_bed, **changes):
    """The intake of a new person: the full declaration form and the stay."""
    data = {
        "full_name": "Trần Thị Cách Ly",
        "id_kind": "cccd",
        "id_number": "046195001122",
        "phone": "0935 111 333",
        "birth_year": "1995",
        "gender": "female",
        "registration_kind": "return_home",
        "departure_country": "VN",
        "departure_province": str(departure_province().pk),
        "departure_district": str(departure_commune().parent_id),
        "departure_commune": str(departure_commune().pk),
        "area": str(places.neighbour.pk),
        "address": "3 Lê Lợi",
        "transport": "plane",
        "transport_number": "VN1546",
        "arrival_date": d(TODAY),
        "facility": str(free_bed.room.building.facility_id),
        "start_date": d(TODAY),
        "bed": str(free_bed.pk),
        **all_answers(sym_fever=True),
    }
    data.update(changes)
    return data


def departure_province():
    from vigil.areas.models import AdminUnit

    return AdminUnit.objects.active_tree().get(code="79")  # Hồ Chí Minh City


def departure_commune():
    from vigil.areas.models import AdminUnit

    return AdminUnit.objects.active_tree().get(code="26734")  # Phường Tân Định, Quận 1


def kept(person):
    """The correction part of the intake of a found person, as the page fills it:
    nothing corrected."""
    return {
        "person-version": person.version,
        "person-full_name": person.full_name,
        "person-birth_year": person.birth_year,
        "person-gender": person.gender,
        "person-id_kind": person.id_kind,
        "person-id_number": "",
        "person-phone": "",
        "person-occupation": person.occupation,
    }


def pick_token(client, person, query):
    """The 'Take in' link of `person` in the search results for `query`."""
    response = client.get("/quarantine/intake/", {"q": query})
    for match, _declaration, _inside, token in response.context["matches"]:
        if match.person.pk == person.pk:
            return token
    raise AssertionError(f"{person} not found by {query!r}")


def take_in(person, bed, actor, start=TODAY):
    return services.take_in(
        actor, person=person, facility=bed.room.building.facility, start_date=start, bed=bed
    )


def posted(initial):
    """A form's initial values as a browser would send them back."""
    values = {True: "on", False: "", None: ""}
    return {
        k: values.get(v, v) if isinstance(v, bool) or v is None else v for k, v in initial.items()
    }


# The catalogue ---------------------------------------------------------------------


def test_cdc_adds_a_facility_in_a_commune_of_its_jurisdiction(client, cdc, places):
    client.force_login(cdc)
    response = client.get("/quarantine/facilities/new/")
    choices = str(response.context["form"].fields["area"].choices)
    assert f"({places.commune.pk}, " in choices
    assert f"({places.far.pk}, " not in choices
    response = client.post(
        "/quarantine/facilities/new/",
        {"kind": "medical", "name": "Trung tâm Y tế  Huế", "area": places.commune.pk,
         "address": "1 Lê Lợi", "quarantine_days": "21", "active": "on"},
    )  # fmt: skip
    facility = Facility.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/quarantine/facilities/{facility.pk}/"
    assert facility.name == "Trung tâm Y tế Huế"
    assert facility.default_days() == 21
    assert AuditEvent.objects.filter(object_type="quarantine.facility", action="create").exists()


def test_a_facility_outside_the_jurisdiction_is_refused(client, cdc, places):
    client.force_login(cdc)
    response = client.post(
        "/quarantine/facilities/new/", {"kind": "medical", "name": "X", "area": places.far.pk}
    )
    assert "area" in response.context["form"].errors
    assert not Facility.objects.exists()


def test_cdc_edits_and_retires_a_facility(client, cdc, facility):
    client.force_login(cdc)
    response = client.get(f"/quarantine/facilities/{facility.pk}/edit/")
    data = {**posted(response.context["form"].initial), "name": "KCL Mới", "active": ""}
    response = client.post(f"/quarantine/facilities/{facility.pk}/edit/", data)
    assert response.status_code == 302
    facility.refresh_from_db()
    assert (facility.name, facility.active, facility.version) == ("KCL Mới", False, 2)
    listing = client.get("/quarantine/facilities/")
    assert "KCL Mới" not in listing.content.decode()
    assert "KCL Mới" in client.get("/quarantine/facilities/?retired=on").content.decode()
    # Retired: not offered for intake any more.
    assert (
        facility
        not in client.get("/quarantine/intake/?new=1").context["form"].fields["facility"].queryset
    )


def test_a_stale_facility_form_keeps_what_was_typed(client, cdc, facility):
    client.force_login(cdc)
    data = posted(client.get(f"/quarantine/facilities/{facility.pk}/edit/").context["form"].initial)
    client.post(f"/quarantine/facilities/{facility.pk}/edit/", {**data, "name": "First"})
    response = client.post(f"/quarantine/facilities/{facility.pk}/edit/", {**data, "name": "Late"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "cdc.hue" in str(form.non_field_errors())
    assert form.data["name"] == "Late"
    assert str(form.data["version"]) == "2"
    assert Facility.objects.get().name == "First"


def test_a_facility_manager_reads_but_does_not_edit_the_catalogue(client, manager, facility):
    client.force_login(manager)
    assert client.get("/quarantine/facilities/").status_code == 200
    assert client.get("/quarantine/facilities/new/").status_code == 403
    assert client.get(f"/quarantine/facilities/{facility.pk}/edit/").status_code == 403


def test_quick_rooms_create_beds_and_the_page_shows_occupancy(
    client, manager, facility, make_person, places
):
    client.force_login(manager)
    response = client.post(
        f"/quarantine/facilities/{facility.pk}/rooms/",
        {"building": "A", "floor_from": 1, "floor_to": 6, "room_from": 1, "room_to": 40,
         "beds_per_room": 4},
    )  # fmt: skip
    assert response.status_code == 302
    assert Bed.objects.filter(room__building__facility=facility).count() == 6 * 40 * 4
    bed = Bed.objects.get(room__name="101", label="2")
    take_in(make_person(places.commune, "Lê Văn Ở"), bed, manager)
    page = client.get(response["Location"])
    body = page.content.decode()
    assert 'id="fig-beds">960<' in body
    assert 'id="fig-occupied">1<' in body
    assert "Lê Văn Ở" in body
    assert f'id="bed-{bed.pk}"' in body


def test_quick_rooms_refuse_a_reversed_range_and_keep_the_form(client, cdc, facility):
    client.force_login(cdc)
    response = client.post(
        f"/quarantine/facilities/{facility.pk}/rooms/",
        {"building": "A", "floor_from": 6, "floor_to": 1, "room_from": 1, "room_to": 4,
         "beds_per_room": 4},
    )  # fmt: skip
    assert response.status_code == 200
    assert "floor_to" in response.context["rooms_form"].errors
    assert response.context["rooms_form"].data["building"] == "A"
    assert not Bed.objects.exists()


# Intake --------------------------------------------------------------------------


def test_a_manager_finds_a_person_of_another_district_by_exact_phone_only(
    client, manager, make_person, places
):
    far = make_person(places.far, "Hồ Văn Xa", phone="0977123456")
    client.force_login(manager)
    response = client.get("/quarantine/intake/", {"q": "0977 123 456"})
    found = [m.person.pk for m, *_rest in response.context["matches"]]
    assert found == [far.pk]
    body = response.content.decode()
    assert "Hồ Văn Xa" in body
    assert "0977123456" not in body  # masked
    # By name, only the facility's district is searched.
    near = make_person(places.neighbour, "Hồ Văn Gần")
    response = client.get("/quarantine/intake/", {"q": "ho van"})
    assert [m.person for m, *_rest in response.context["matches"]] == [near]


def test_a_manager_takes_in_a_person_found_by_phone_into_a_free_bed(
    client, manager, facility, beds, make_person, places
):
    person = make_person(places.far, "Phan Văn Về", phone="0977000111")
    declaration = make_declaration(person, places.far)
    client.force_login(manager)
    token = pick_token(client, person, "0977000111")
    page = client.get("/quarantine/intake/", {"pick": token})
    assert page.context["person"] == person
    assert page.context["latest"] == declaration
    bed_choices = str(page.context["form"].fields["bed"].choices)
    assert str(beds[0]) in bed_choices
    response = client.post(
        "/quarantine/intake/",
        {"pick": token, "facility": facility.pk, "start_date": d(TODAY), "bed": beds[0].pk,
         **answers(exp_case_contact=True), **kept(person)},
    )  # fmt: skip
    stay = Stay.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/quarantine/stays/{stay.pk}/"
    assert (stay.person, stay.bed, stay.declaration) == (person, beds[0], declaration)
    assert stay.intake_answers["exp_case_contact"] is True
    assert stay.planned_end == TODAY + datetime.timedelta(days=14)
    declaration.refresh_from_db()
    assert declaration.surveillance == Surveillance.CONCENTRATED
    assert Person.objects.count() == 1
    # Now inside the manager's facility: they see the person.
    assert client.get(f"/quarantine/stays/{stay.pk}/").status_code == 200


def test_a_new_person_is_recorded_through_the_intake_channel(client, cdc, beds, places):
    client.force_login(cdc)
    page = client.get("/quarantine/intake/", {"new": "1", "q": "0935111333"})
    assert page.context["declaration_form"].initial["phone"] == "0935111333"
    response = client.post("/quarantine/intake/", new_person_data(places, beds[1]))
    assert response.status_code == 302
    stay = Stay.objects.get()
    person = stay.person
    assert (person.full_name, person.phone, person.area) == (
        "Trần Thị Cách Ly", "0935111333", places.neighbour,
    )  # fmt: skip
    declaration = stay.declaration
    assert declaration.channel == Channel.QUARANTINE
    assert declaration.sym_fever is True
    assert declaration.surveillance == Surveillance.CONCENTRATED
    assert stay.intake_answers["sym_fever"] is True


def test_a_new_person_needs_the_required_fields(client, cdc, beds, places):
    client.force_login(cdc)
    data = new_person_data(places, beds[0], full_name="", id_number="123", birth_year="")
    response = client.post("/quarantine/intake/", data)
    errors = response.context["declaration_form"].errors
    assert {"full_name", "id_number", "birth_year"} <= set(errors)
    assert not Person.objects.exists()


def test_a_taken_bed_is_refused_next_to_the_bed_and_the_form_kept(
    client, cdc, beds, make_person, places
):
    take_in(make_person(places.commune, "Người Trước"), beds[0], cdc)
    client.force_login(cdc)
    data = new_person_data(places, beds[0])
    response = client.post("/quarantine/intake/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["bed"] == [services.BED_TAKEN]
    body = response.content.decode()
    assert 'id="id_bed_error"' in body
    assert 'value="Trần Thị Cách Ly"' in body
    assert form.data["phone"] == data["phone"]
    # Nothing of the refused intake remains.
    assert not Person.objects.filter(full_name="Trần Thị Cách Ly").exists()
    assert not Declaration.objects.exists()
    assert Stay.objects.count() == 1


def test_a_person_already_inside_is_refused(client, cdc, beds, make_person, places):
    person = make_person(places.commune, "Đã Vào")
    take_in(person, beds[0], cdc)
    client.force_login(cdc)
    response = client.get("/quarantine/intake/", {"q": person.phone})
    assert f'id="inside-{person.pk}"' in response.content.decode()
    token = [t for m, _d, _i, t in response.context["matches"] if m.person == person][0]
    response = client.post(
        "/quarantine/intake/",
        {"pick": token, "facility": beds[1].room.building.facility_id, "start_date": d(TODAY),
         "bed": beds[1].pk, **answers(), **kept(person)},
    )  # fmt: skip
    assert response.status_code == 200
    assert services.ALREADY_IN in response.context["form"].non_field_errors()
    assert Stay.objects.count() == 1


def test_a_start_date_in_the_future_is_refused(client, cdc, beds, places):
    client.force_login(cdc)
    response = client.post(
        "/quarantine/intake/", new_person_data(places, beds[0], start_date=d(TODAY + DAY))
    )
    assert "start_date" in response.context["form"].errors
    assert not Stay.objects.exists()
    assert not Person.objects.exists()


def test_a_facility_with_beds_needs_a_bed(client, cdc, beds, places):
    client.force_login(cdc)
    response = client.post("/quarantine/intake/", new_person_data(places, beds[0], bed=""))
    assert "bed" in response.context["form"].errors


def test_a_manager_cannot_take_in_into_another_facility(
    client, manager, other_facility, other_beds, places
):
    client.force_login(manager)
    response = client.post("/quarantine/intake/", new_person_data(places, other_beds[0]))
    assert "facility" in response.context["form"].errors
    assert not Stay.objects.exists()


def test_a_pick_token_of_another_user_is_refused(client, cdc, manager, make_person, places):
    person = make_person(places.commune)
    client.force_login(cdc)
    token = pick_token(client, person, person.phone)
    client.force_login(manager)
    response = client.get("/quarantine/intake/", {"pick": token})
    assert response.status_code == 302
    forged = signing.dumps([manager.pk, person.pk], salt="other")
    assert client.get("/quarantine/intake/", {"pick": forged}).status_code == 302


def test_the_bed_options_and_room_fragments_stay_in_scope(
    client, manager, beds, other_beds, make_person, places
):
    take_in(make_person(places.commune, "Ngủ Giường Một"), beds[0], manager)
    client.force_login(manager)
    options = client.get(f"/quarantine/intake/beds/?facility={beds[0].room.building.facility_id}")
    body = options.content.decode()
    assert f'value="{beds[1].pk}"' in body
    assert f'value="{beds[0].pk}"' not in body  # taken
    other = client.get(
        f"/quarantine/intake/beds/?facility={other_beds[0].room.building.facility_id}"
    )
    assert f'value="{other_beds[0].pk}"' not in other.content.decode()
    room = client.get(f"/quarantine/intake/room/?bed={beds[1].pk}").content.decode()
    assert "Ngủ Giường Một" in room
    assert client.get(f"/quarantine/intake/room/?bed={other_beds[0].pk}").context["bed"] is None


# The lists ------------------------------------------------------------------------


@pytest.fixture
def stays(cdc, beds, other_beds, make_person, places):
    a = take_in(make_person(places.commune, "Nguyễn Văn Một"), beds[0], cdc, TODAY - 3 * DAY)
    b = take_in(make_person(places.commune, "Lê Thị Hai"), beds[1], cdc, TODAY - DAY)
    c = take_in(make_person(places.neighbour, "Trần Ba"), other_beds[0], cdc, TODAY)
    ended = take_in(make_person(places.commune, "Võ Đã Về"), beds[2], cdc, TODAY - 20 * DAY)
    services.end_stay(cdc, ended, version=1, end_date=TODAY - 6 * DAY, outcome=Outcome.COMPLETED,
                      reason="Không lấy được mẫu", confirmed=True)  # fmt: skip
    TestResult.objects.create(person=a.person, sample_date=TODAY - 2 * DAY, test_type="pcr",
                              result="negative")  # fmt: skip
    TestResult.objects.create(person=a.person, sample_date=TODAY - DAY, test_type="rapid",
                              result="positive")  # fmt: skip
    return a, b, c, Stay.objects.get(pk=ended.pk)


def ids(response):
    return [s.pk for s in response.context["page"]]


def test_the_lists_split_in_quarantine_and_ended(client, cdc, stays):
    a, b, c, ended = stays
    client.force_login(cdc)
    response = client.get("/quarantine/")
    assert ids(response) == [c.pk, b.pk, a.pk]
    assert response.context["total"] == 3
    row = response.context["page"][2]
    assert (row.n_tests, row.latest_result_label) == (2, "Positive")
    body = response.content.decode()
    assert a.person.phone not in body and a.person.id_number not in body
    assert a.person.masked_phone in body
    assert ids(client.get("/quarantine/ended/")) == [ended.pk]


def test_the_list_filters_by_dates_facility_and_keyword(client, cdc, stays, other_facility):
    a, b, c, _ended = stays
    client.force_login(cdc)
    span = {"date_from": d(TODAY - 2 * DAY), "date_to": d(TODAY - DAY)}
    assert ids(client.get("/quarantine/", span)) == [b.pk]
    assert ids(client.get("/quarantine/", {"facility": other_facility.pk})) == [c.pk]
    assert ids(client.get("/quarantine/", {"q": "nguyen van mot"})) == [a.pk]
    assert ids(client.get("/quarantine/", {"q": b.person.phone})) == [b.pk]
    assert ids(client.get("/quarantine/", {"date_from": "31/02/2021"})) == []


def test_a_facility_manager_sees_only_their_facility(client, manager, stays, other_facility):
    a, b, c, _ended = stays
    client.force_login(manager)
    assert ids(client.get("/quarantine/")) == [b.pk, a.pk]
    assert ids(client.get("/quarantine/", {"facility": other_facility.pk})) == []
    assert client.get(f"/quarantine/stays/{c.pk}/").status_code == 404
    assert client.post(f"/quarantine/stays/{c.pk}/end/").status_code == 404
    assert client.get(f"/quarantine/facilities/{other_facility.pk}/").status_code == 404
    board = client.get("/quarantine/board/")
    assert [r["facility"] for r in board.context["rows"]] == [manager.facility]
    assert other_facility.name not in board.content.decode()


def test_the_list_does_not_query_per_row(client, cdc, beds, make_person, places,
                                         django_assert_max_num_queries):  # fmt: skip
    client.force_login(cdc)
    for n, bed in enumerate(beds[:2]):
        take_in(make_person(places.commune, f"Người {n}"), bed, cdc)
    with django_assert_max_num_queries(8) as few:
        client.get("/quarantine/")
    services.add_rooms(cdc, beds[0].room.building.facility, building="B", floors=[1, 2],
                       rooms=range(1, 11), beds_per_room=2)  # fmt: skip
    for n, bed in enumerate(Bed.objects.filter(room__building__name="B")[:30]):
        person = make_person(places.commune, f"Khác {n}")
        take_in(person, bed, cdc)
        TestResult.objects.create(person=person, sample_date=TODAY, test_type="pcr")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/quarantine/")
    assert response.context["total"] == 32


# Actions on a stay -------------------------------------------------------------------


def test_end_of_quarantine_frees_the_bed(client, manager, stays):
    a, *_rest = stays
    client.force_login(manager)
    response = client.post(
        f"/quarantine/stays/{a.pk}/end/",
        {"end-version": a.version, "end-end_date": d(TODAY), "end-outcome": "completed",
         "end-reason": "Chuyển cách ly tại nhà", "end-confirm": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.end_date, a.outcome) == (TODAY, "completed")
    assert a.bed in services.free_beds(a.facility)


def test_an_end_before_the_start_or_in_the_future_is_refused(client, cdc, stays):
    a, *_rest = stays
    client.force_login(cdc)
    for day in (a.start_date - DAY, TODAY + DAY):
        response = client.post(
            f"/quarantine/stays/{a.pk}/end/",
            {"end-version": a.version, "end-end_date": d(day), "end-outcome": "completed"},
        )
        assert response.status_code == 200
        assert "end_date" in response.context["end_form"].errors
    assert Stay.objects.get(pk=a.pk).end_date is None


def test_an_extension_needs_a_reason(client, cdc, stays):
    a, *_rest = stays
    client.force_login(cdc)
    later = d(a.planned_end + 7 * DAY)
    response = client.post(
        f"/quarantine/stays/{a.pk}/extend/",
        {"extend-version": a.version, "extend-planned_end": later, "extend-reason": ""},
    )
    assert "reason" in response.context["extend_form"].errors
    response = client.post(
        f"/quarantine/stays/{a.pk}/extend/",
        {"extend-version": a.version, "extend-planned_end": later, "extend-reason": "XN dương"},
    )
    assert response.status_code == 302
    assert Stay.objects.get(pk=a.pk).planned_end == a.planned_end + 7 * DAY


def test_a_move_to_a_taken_bed_is_refused_and_a_free_one_accepted(client, cdc, stays, beds):
    a, b, *_rest = stays
    client.force_login(cdc)
    url = f"/quarantine/stays/{a.pk}/move/"
    data = {"move-version": a.version, "move-facility": a.facility_id, "move-bed": b.bed_id}
    response = client.post(url, data)
    assert response.context["move_form"].errors["bed"] == [services.BED_TAKEN]
    response = client.post(url, {**data, "move-bed": beds[3].pk})
    assert response.status_code == 302
    assert Stay.objects.get(pk=a.pk).bed == beds[3]


def test_a_stale_form_keeps_the_typed_values_and_moves_the_version(client, cdc, stays):
    a, *_rest = stays
    services.extend(cdc, a, version=a.version, planned_end=a.planned_end + DAY, reason="first")
    client.force_login(cdc)
    data = {"end-version": a.version, "end-end_date": d(TODAY), "end-outcome": "hospital",
            "end-note": "BV Trung ương"}  # fmt: skip
    response = client.post(f"/quarantine/stays/{a.pk}/end/", data)
    assert response.status_code == 200
    form = response.context["end_form"]
    assert "cdc.hue" in str(form.non_field_errors())
    assert form.data["end-note"] == "BV Trung ương"
    assert str(form.data["end-version"]) == str(a.version + 1)
    assert 'value="BV Trung ương"' in response.content.decode()
    # Saving again after reviewing goes through.
    response = client.post(f"/quarantine/stays/{a.pk}/end/", dict(form.data.items()))
    assert response.status_code == 302
    assert Stay.objects.get(pk=a.pk).outcome == "hospital"


def test_delete_needs_a_reason_and_a_confirmation(client, cdc, stays):
    a, *_rest = stays
    client.force_login(cdc)
    page = client.get(f"/quarantine/stays/{a.pk}/").content.decode()
    assert 'id="delete-form"' in page and "data-confirm=" in page
    response = client.post(f"/quarantine/stays/{a.pk}/delete/", {"delete-reason": " "})
    assert "reason" in response.context["delete_form"].errors
    response = client.post(f"/quarantine/stays/{a.pk}/delete/", {"delete-reason": "Nhập nhầm"})
    assert response.status_code == 302
    assert not Stay.objects.filter(pk=a.pk).exists()
    assert AuditEvent.objects.filter(object_type="quarantine.stay", action="delete").exists()


def test_only_facility_managers_and_cdc_change_stays(client, make_user, stays, places):
    a, *_rest = stays
    leader = make_user("leader.hue", places.district, tasks=[Task.LEADER])
    client.force_login(leader)
    assert client.get(f"/quarantine/stays/{a.pk}/").status_code == 200
    assert client.post(f"/quarantine/stays/{a.pk}/end/").status_code == 403
    assert client.get("/quarantine/intake/").status_code == 403


# The board -----------------------------------------------------------------------


def test_the_board_counts_beds_occupancy_arrivals_discharges_and_who_is_due(
    client, cdc, stays, facility, other_facility
):
    a, b, c, ended = stays
    client.force_login(cdc)
    response = client.get("/quarantine/board/")
    rows = {r["facility"]: r for r in response.context["rows"]}
    mine = rows[facility]
    assert (mine["beds"], mine["occupied"], mine["free"], mine["inside"]) == (4, 2, 2, 2)
    daily = {day: (arr, dis) for day, arr, dis in mine["daily"]}
    assert daily[TODAY - 3 * DAY] == (1, 0)
    assert daily[TODAY - 6 * DAY] == (0, 1)
    assert rows[other_facility]["arrivals_today"] == 1
    total = response.context["total"]
    assert (total["beds"], total["occupied"], total["count"]) == (6, 3, 2)


def test_the_board_shows_who_is_due_today_and_tomorrow(client, cdc, beds, make_person, places):
    facility = beds[0].room.building.facility
    due_today = take_in(make_person(places.commune, "Hôm Nay"), beds[0], cdc, TODAY - 14 * DAY)
    due_tomorrow = take_in(make_person(places.commune, "Ngày Mai"), beds[1], cdc, TODAY - 13 * DAY)
    assert (due_today.planned_end, due_tomorrow.planned_end) == (TODAY, TODAY + DAY)
    client.force_login(cdc)
    row = client.get("/quarantine/board/").context["rows"][0]
    assert row["facility"] == facility
    assert (row["due_today"], row["due_tomorrow"]) == (1, 1)


def test_the_board_sums_districts_and_filters_one(client, make_user, places, facility, cdc):
    far = Facility.objects.create(kind="medical", name="TTYT Xa", area=places.far)
    services.add_rooms(cdc, far, building="A", floors=[1], rooms=[1], beds_per_room=3)
    province = make_user("cdc.tinh", places.province, tasks=[Task.CDC])
    client.force_login(province)
    response = client.get("/quarantine/board/")
    assert {g["label"] for g in response.context["by_district"]} == {
        places.district.name, places.other_district.name,
    }  # fmt: skip
    response = client.get("/quarantine/board/", {"district": places.other_district.pk})
    assert [r["facility"] for r in response.context["rows"]] == [far]


def test_the_board_query_count_does_not_grow_with_facilities(
    client, make_user, places, cdc, make_person, django_assert_max_num_queries
):
    province = make_user("cdc.tinh", places.province, tasks=[Task.CDC])
    client.force_login(province)

    def add(n):
        for i in range(n):
            f = Facility.objects.create(kind="concentrated", name=f"KCL {i}", area=places.commune)
            services.add_rooms(cdc, f, building="A", floors=[1], rooms=[i], beds_per_room=1)
            bed = Bed.objects.get(room__building__facility=f)
            take_in(make_person(places.commune, f"Người {i}"), bed, cdc, TODAY - i % 5 * DAY)

    add(2)
    with django_assert_max_num_queries(12) as few:
        client.get("/quarantine/board/")
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/quarantine/board/")
    assert response.context["total"]["occupied"] == 22


# The account form: a facility manager's jurisdiction ------------------------------------


def test_the_administrator_makes_an_account_a_facility_manager(
    client, admin_user, facility, places
):
    Facility.objects.create(kind="paid", name="KS Ngoài Tỉnh", area=places.far, active=False)
    client.force_login(admin_user)
    page = client.get("/accounts/new/")
    assert list(page.context["form"].fields["facility"].queryset) == [facility]
    response = client.post(
        "/accounts/new/",
        {"username": "kcl.new", "full_name": "Quản Lý Khu", "tasks": [Task.FACILITY],
         "facility": facility.pk},
    )  # fmt: skip
    assert response.status_code == 200
    user = User.objects.get(username="kcl.new")
    assert (user.facility, user.jurisdiction) == (facility, places.commune)
    # Cleared again on edit: the chosen jurisdiction applies.
    response = client.post(
        f"/accounts/{user.pk}/",
        {"full_name": "Quản Lý Khu", "tasks": [Task.FACILITY], "facility": "",
         "jurisdiction": places.district.pk, "version": user.version},
    )  # fmt: skip
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.facility, user.jurisdiction) == (None, places.district)


def test_a_facility_needs_the_facility_manager_task_and_the_administrators_scope(
    client, make_user, facility, places
):
    admin = make_user("admin.far", places.other_district, tasks=[Task.ADMIN])
    client.force_login(admin)
    response = client.post(
        "/accounts/new/",
        {"username": "x.y", "full_name": "X", "tasks": [Task.CDC], "facility": facility.pk},
    )
    assert "facility" in response.context["form"].errors  # not theirs to give
    local = make_user("admin.local", places.district, tasks=[Task.ADMIN])
    client.force_login(local)
    response = client.post(
        "/accounts/new/",
        {"username": "x.y", "full_name": "X", "tasks": [Task.CDC], "facility": facility.pk},
    )
    assert "facility manager" in str(response.context["form"].errors["facility"])
    assert not User.objects.filter(username="x.y").exists()


# Two managers, one bed -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_intakes_racing_for_one_bed_give_it_to_exactly_one(
    areas_back_after_flush, places, make_user, make_person
):
    """Each thread posts the intake form through its own database connection at
    the same moment. PostgreSQL makes the second INSERT wait for the first
    and then fail on the partial unique index; SQLite serialises the writes.
    Either way one wins and the other is told the bed was just taken."""
    facility = Facility.objects.create(kind="concentrated", name="KCL Đua", area=places.commune)
    cdc = make_user("cdc.race", places.district, tasks=[Task.CDC])
    services.add_rooms(cdc, facility, building="A", floors=[1], rooms=[1], beds_per_room=1)
    bed = Bed.objects.get()
    tokens = []
    for n in range(2):
        person = make_person(places.commune, f"Người Đua {n}")
        client = Client()
        client.force_login(cdc)
        tokens.append((client, pick_token(client, person, person.phone), kept(person)))
    barrier = threading.Barrier(2)
    results = [None, None]
    # SQLite's in-memory test database (shared cache) answers "table is locked"
    # at once where the file database of a deployment waits for the writer
    # (timeout 20 s): there the two requests take turns, as SQLite's writes do.
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    data = {"facility": facility.pk, "start_date": d(TODAY), "bed": bed.pk, **answers()}

    def run(n):
        client, token, person_data = tokens[n]
        try:
            barrier.wait(timeout=10)
            with turns:
                response = client.post(
                    "/quarantine/intake/", {"pick": token, **data, **person_data}
                )
            if response.status_code == 302:
                results[n] = "won"
            else:
                results[n] = list(response.context["form"].errors.get("bed", []))
        except Exception as exc:  # reported below, not lost in the thread
            results[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(map(str, results)) == sorted(["won", str([services.BED_TAKEN])]), results
    assert Stay.objects.filter(bed=bed).count() == 1
    assert connection.vendor in ("sqlite", "postgresql")
