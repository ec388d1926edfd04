"""Intake records true data (finding 6) and closes the pending verification
(finding 5): no pre-answered question, the full declaration for a new person,
a recorded correction of a found person, "verified by intake"."""

import pytest
from django.contrib.staticfiles import finders

from vigil.audit.models import AuditEvent
from vigil.declarations.models import DeclarationEvent, VerificationState
from vigil.people.models import Person
from vigil.quarantine import services
from vigil.quarantine.models import Stay, StayEvent
from vigil.quarantine.worklists import to_take_in

from ..scope.samples import make_declaration
from .conftest import ANSWER_KEYS, TODAY, d
from .test_views import departure_commune, kept, new_person_data, pick_token

pytestmark = pytest.mark.usefixtures("english")


def answered(**yes):
    return {key: "1" if key in yes else "0" for key in ANSWER_KEYS}


def stay_data(bed, **extra):
    return {
        "facility": bed.room.building.facility_id,
        "start_date": d(TODAY),
        "bed": bed.pk,
        **extra,
    }


@pytest.fixture
def coughing(make_person, places):
    person = make_person(places.neighbour, "Phan Văn Ho", phone="0977000222")
    return person, make_declaration(person, places.neighbour)


def test_no_question_is_pre_answered(client, cdc_hue, coughing, kcl_beds):
    person, _declaration = coughing
    client.force_login(cdc_hue)
    token = pick_token(client, person, person.phone)
    page = client.get("/quarantine/intake/", {"pick": token})
    form = page.context["form"]
    assert all(form[key].value() in (None, "") for key in ANSWER_KEYS)
    body = page.content.decode()
    assert "checked" not in body.split('id="intake-form"')[1]
    # The one "none of the others" control is a script file's, not inline.
    assert 'id="answer-rest-no"' in body
    assert "quarantine/intake.js" in body and "<script>" not in body
    assert finders.find("quarantine/intake.js")


def test_intake_of_a_coughing_arrival_without_answers_is_refused(
    client, cdc_hue, coughing, kcl_beds
):
    person, _declaration = coughing
    client.force_login(cdc_hue)
    token = pick_token(client, person, person.phone)
    response = client.post(
        "/quarantine/intake/", {"pick": token, **stay_data(kcl_beds[0]), **kept(person)}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(ANSWER_KEYS) <= set(errors)
    assert errors["sym_cough"] == ["Answer yes or no."]
    assert not Stay.objects.exists()


def test_the_service_refuses_missing_answers(cdc_hue, coughing, kcl, kcl_beds):
    person, _declaration = coughing
    with pytest.raises(services.ValidationError) as exc:
        services.admit(cdc_hue, person=person, facility=kcl, start_date=TODAY, bed=kcl_beds[0],
                       answers={"sym_cough": True})  # fmt: skip
    assert "sym_fever" in exc.value.message_dict and "sym_cough" not in exc.value.message_dict
    assert not Stay.objects.exists()


def test_the_saved_answers_are_exactly_those_entered(client, cdc_hue, coughing, kcl_beds):
    person, declaration = coughing
    client.force_login(cdc_hue)
    token = pick_token(client, person, person.phone)
    response = client.post(
        "/quarantine/intake/",
        {"pick": token, **stay_data(kcl_beds[0]), **answered(sym_cough=True, sym_fever=True),
         **kept(person)},
    )  # fmt: skip
    assert response.status_code == 302
    stay = Stay.objects.get()
    assert stay.intake_answers == {key: key in ("sym_cough", "sym_fever") for key in ANSWER_KEYS}
    assert stay.declaration == declaration
    page = client.get(f"/quarantine/stays/{stay.pk}/").content.decode()
    assert "Cough" in page and "Fever" in page


def test_a_new_person_gets_the_full_declaration(client, cdc_hue, kcl_beds, places):
    client.force_login(cdc_hue)
    page = client.get("/quarantine/intake/", {"new": "1", "q": "Trần Thị Cách Ly"})
    fields = page.context["declaration_form"].fields
    assert {"departure_country", "departure_province", "departure_place", "transport",
            "transport_number", "arrival_date", "registration_kind", "cond_pregnancy"} <= set(
        fields
    )  # fmt: skip
    response = client.post("/quarantine/intake/", new_person_data(places, kcl_beds[0]))
    assert response.status_code == 302
    declaration = Stay.objects.get().declaration
    assert declaration.departure_unit == departure_commune()
    assert (declaration.transport, declaration.transport_number) == ("plane", "VN1546")
    assert declaration.registration_kind == "return_home"
    assert declaration.arrival_date == TODAY
    assert declaration.channel == "quarantine"


def test_a_new_person_without_departure_or_flight_number_is_refused(client, cdc_hue, kcl_beds,
                                                                    places):  # fmt: skip
    client.force_login(cdc_hue)
    data = new_person_data(places, kcl_beds[0], departure_province="", transport_number="")
    response = client.post("/quarantine/intake/", data)
    errors = response.context["declaration_form"].errors
    assert {"departure_province", "transport_number"} <= set(errors)
    assert not Person.objects.exists() and not Stay.objects.exists()


def test_a_found_person_is_corrected_and_the_correction_recorded(
    client, cdc_hue, coughing, kcl_beds
):
    person, _declaration = coughing
    client.force_login(cdc_hue)
    token = pick_token(client, person, person.phone)
    data = {"pick": token, **stay_data(kcl_beds[0]), **answered(), **kept(person),
            "person-full_name": "Phan Văn Hồ", "person-id_number": "046090001234",
            "person-birth_year": "1989"}  # fmt: skip
    response = client.post("/quarantine/intake/", data)
    assert response.status_code == 302
    before_id = person.id_number
    person.refresh_from_db()
    assert (person.full_name, person.id_number, person.birth_year, person.version) == (
        "Phan Văn Hồ", "046090001234", 1989, 2,
    )  # fmt: skip
    assert person.phone == "0977000222"  # left empty: kept
    event = AuditEvent.objects.get(object_type="people.person", action="change")
    # Before → after, whole (as amend logs them): the audit log is for administrators.
    assert event.detail["corrected"] == {
        "full_name": ["Phan Văn Ho", "Phan Văn Hồ"],
        "id_number": [before_id, "046090001234"],
        "birth_year": ["1990", "1989"],
    }
    assert event.actor == cdc_hue


def test_a_stale_correction_is_refused_and_the_typing_kept(client, cdc_hue, coughing, kcl_beds):
    person, _declaration = coughing
    client.force_login(cdc_hue)
    token = pick_token(client, person, person.phone)
    data = {"pick": token, **stay_data(kcl_beds[0]), **answered(), **kept(person),
            "person-full_name": "Phan Văn Hồ"}  # fmt: skip
    Person.objects.filter(pk=person.pk).update(version=5)
    response = client.post("/quarantine/intake/", data)
    assert response.status_code == 200
    assert response.context["person_form"].non_field_errors()
    assert response.context["person_form"].data["person-full_name"] == "Phan Văn Hồ"
    assert not Stay.objects.exists()
    assert Person.objects.get(pk=person.pk).full_name == "Phan Văn Ho"


def test_intake_from_the_list_closes_the_pending_verification(client, sent, kcl_manager,
                                                              kcl_beds):  # fmt: skip
    assert sent.verification_state == VerificationState.PENDING
    client.force_login(kcl_manager)
    response = client.post(
        "/quarantine/intake/",
        {"declaration": sent.pk, **stay_data(kcl_beds[0]), **answered(sym_fever=True),
         **kept(sent.person)},
    )  # fmt: skip
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.verification_state == VerificationState.INTAKE
    assert sent.surveillance == "concentrated"
    actions = list(sent.events.values_list("action", flat=True))
    assert actions[-2:] == ["verified_by_intake", "quarantine_intake"]
    closing = sent.events.get(action="verified_by_intake")
    assert (closing.from_state, closing.to_state, closing.actor) == ("pending", "intake",
                                                                     kcl_manager)  # fmt: skip
    stay = Stay.objects.get()
    assert stay.declaration == sent
    assert StayEvent.objects.get(stay=stay).action == "intake"
    assert not to_take_in(kcl_manager).exists()


def test_a_refused_intake_leaves_the_verification_pending(
    client, sent, kcl_manager, kcl_beds, make_person, places
):
    services.take_in(kcl_manager, person=make_person(places.commune, "Giường Đã Có"),
                     facility=kcl_beds[0].room.building.facility, start_date=TODAY,
                     bed=kcl_beds[0])  # fmt: skip
    client.force_login(kcl_manager)
    response = client.post(
        "/quarantine/intake/",
        {"declaration": sent.pk, **stay_data(kcl_beds[0]), **answered(), **kept(sent.person)},
    )
    assert response.context["form"].errors["bed"] == [services.BED_TAKEN]
    sent.refresh_from_db()
    assert sent.verification_state == VerificationState.PENDING
    assert not DeclarationEvent.objects.filter(action="verified_by_intake").exists()


def test_a_verified_declaration_keeps_its_verification(cdc_hue, kcl, make_person, places):
    person = make_person(places.commune)
    declaration = make_declaration(person, places.commune)
    declaration.__class__.objects.filter(pk=declaration.pk).update(verification_state="returned")
    services.take_in(cdc_hue, person=person, facility=kcl, start_date=TODAY,
                     declaration=declaration)  # fmt: skip
    declaration.refresh_from_db()
    assert declaration.verification_state == "returned"


def test_a_person_already_inside_is_refused_with_the_facility_named(
    cdc_hue, coughing, kcl, kcl_beds, places
):
    """Finding 4 of issue #12: the second intake gets a clear refusal naming
    where the person is (two facilities at once race on PostgreSQL in
    tests/people/test_identity_race.py)."""
    from vigil.quarantine.models import Facility

    person, _declaration = coughing
    other = Facility.objects.create(
        kind="concentrated", name="KCL Vĩnh Ninh", area=places.neighbour
    )
    services.admit(cdc_hue, person=person, facility=kcl, start_date=TODAY, answers=all_no())
    with pytest.raises(services.ValidationError) as refused:
        services.admit(cdc_hue, person=person, facility=other, start_date=TODAY, answers=all_no())
    messages = refused.value.message_dict["person"]
    assert str(services.ALREADY_IN) in messages
    assert any(kcl.name in message for message in messages)
    assert Stay.objects.filter(person=person).count() == 1


def all_no():
    return dict.fromkeys(ANSWER_KEYS, False)
