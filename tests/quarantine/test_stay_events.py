"""Every move, extension and end of a stay is a StayEvent and hands off to the
person's surveillance through the declaration's transitions (finding 5); an
unusual end needs a reason and a confirmation (finding 6)."""

import pytest

from vigil.quarantine import services
from vigil.quarantine.models import Facility, Outcome, Stay
from vigil.testing.models import TestResult

from ..scope.samples import make_declaration
from .conftest import DAY, TODAY, d

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def inside(sent, kcl_manager, kcl, kcl_beds):
    """CDC's concentrated case, taken in ten days ago."""
    return services.take_in(
        kcl_manager, person=sent.person, facility=kcl, start_date=TODAY - 10 * DAY,
        bed=kcl_beds[0], declaration=sent,
    )  # fmt: skip


def actions(stay):
    return list(stay.events.values_list("action", flat=True))


def test_a_move_is_an_event_of_the_stay_and_of_the_declaration(inside, kcl_manager, kcl_beds):
    services.move(kcl_manager, inside, version=inside.version, facility=inside.facility,
                  bed=kcl_beds[1])  # fmt: skip
    assert actions(inside) == ["intake", "move"]
    event = inside.events.get(action="move")
    assert (event.from_data["bed_id"], event.to_data["bed_id"]) == (kcl_beds[0].pk, kcl_beds[1].pk)
    assert event.actor == kcl_manager
    declaration = inside.declaration
    declaration.refresh_from_db()
    moved = declaration.events.get(action="stay_moved")
    assert moved.data["to"]["bed_id"] == kcl_beds[1].pk
    assert declaration.surveillance == "concentrated"


def test_an_extension_moves_the_surveillance_end(inside, kcl_manager):
    later = inside.planned_end + 7 * DAY
    services.extend(kcl_manager, inside, version=inside.version, planned_end=later,
                    reason="XN lần 2 dương tính")  # fmt: skip
    assert actions(inside) == ["intake", "extend"]
    assert inside.events.get(action="extend").note == "XN lần 2 dương tính"
    declaration = inside.declaration
    declaration.refresh_from_db()
    assert (declaration.surveillance_start, declaration.surveillance_end) == (
        TODAY - 10 * DAY, later,
    )  # fmt: skip
    event = declaration.events.get(action="stay_extended")
    assert (event.from_state, event.to_state, event.note) == (
        "concentrated", "concentrated", "XN lần 2 dương tính",
    )  # fmt: skip


def test_a_completed_end_closes_the_surveillance_on_the_end_date(inside, kcl_manager):
    TestResult.objects.create(person=inside.person, sample_date=TODAY - DAY, test_type="pcr",
                              result="negative")  # fmt: skip
    stay = Stay.objects.get(pk=inside.pk)
    Stay.objects.filter(pk=stay.pk).update(planned_end=TODAY)
    stay.refresh_from_db()
    services.end_stay(kcl_manager, stay, version=stay.version, end_date=TODAY,
                      outcome=Outcome.COMPLETED)  # fmt: skip
    assert actions(stay) == ["intake", "end"]
    declaration = stay.declaration
    declaration.refresh_from_db()
    # "Completed" keeps the type: concentrated quarantine, now with its end.
    assert (declaration.surveillance, declaration.surveillance_end) == ("concentrated", TODAY)
    assert declaration.events.filter(action="stay_ended").count() == 1


def test_a_transfer_to_hospital_makes_the_surveillance_hospital(inside, kcl_manager):
    services.end_stay(kcl_manager, inside, version=inside.version, end_date=TODAY,
                      outcome=Outcome.HOSPITAL, note="BV Trung ương Huế")  # fmt: skip
    declaration = inside.declaration
    declaration.refresh_from_db()
    assert (declaration.surveillance, declaration.surveillance_end) == ("hospital", TODAY)
    event = declaration.events.get(action="stay_ended")
    assert (event.from_state, event.to_state) == ("concentrated", "hospital")


def test_a_day_0_completed_end_needs_a_reason_and_a_confirmation(
    kcl_manager, kcl, make_person, places
):
    stay = services.take_in(kcl_manager, person=make_person(places.commune), facility=kcl,
                            start_date=TODAY)  # fmt: skip
    with pytest.raises(services.ValidationError) as exc:
        services.end_stay(kcl_manager, stay, version=stay.version, end_date=TODAY,
                          outcome=Outcome.COMPLETED)  # fmt: skip
    errors = exc.value.message_dict
    assert set(errors) == {"reason", "confirm"}
    assert "planned end" in errors["reason"][0] and "negative test" in errors["reason"][0]
    with pytest.raises(services.ValidationError) as exc:
        services.end_stay(kcl_manager, stay, version=stay.version, end_date=TODAY,
                          outcome=Outcome.COMPLETED, reason="Về cách ly tại nhà")  # fmt: skip
    assert set(exc.value.message_dict) == {"confirm"}
    assert Stay.objects.get(pk=stay.pk).end_date is None
    ended = services.end_stay(kcl_manager, stay, version=stay.version, end_date=TODAY,
                              outcome=Outcome.COMPLETED, reason="Về cách ly tại nhà",
                              confirmed=True)  # fmt: skip
    assert ended.end_date == TODAY
    event = ended.events.get(action="end")
    assert event.note == "Về cách ly tại nhà" and len(event.to_data["warnings"]) == 2


def test_the_page_refuses_a_day_0_end_and_keeps_the_form(client, kcl_manager, kcl, make_person,
                                                         places):  # fmt: skip
    stay = services.take_in(kcl_manager, person=make_person(places.commune), facility=kcl,
                            start_date=TODAY)  # fmt: skip
    client.force_login(kcl_manager)
    page = client.get(f"/quarantine/stays/{stay.pk}/").content.decode()
    assert 'id="end-warnings"' in page
    url = f"/quarantine/stays/{stay.pk}/end/"
    data = {"end-version": stay.version, "end-end_date": d(TODAY), "end-outcome": "completed",
            "end-note": "Gia đình đón"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200
    form = response.context["end_form"]
    assert {"reason", "confirm"} <= set(form.errors)
    assert 'value="Gia đình đón"' in response.content.decode()
    response = client.post(url, {**data, "end-reason": "Có quyết định của CDC",
                                 "end-confirm": "on"})  # fmt: skip
    assert response.status_code == 302
    page = client.get(f"/quarantine/stays/{stay.pk}/").content.decode()
    assert 'data-action="end"' in page and "Có quyết định của CDC" in page


def test_positive_and_hospital_ends_need_no_negative_test(kcl_manager, kcl, make_person, places):
    stay = services.take_in(kcl_manager, person=make_person(places.commune), facility=kcl,
                            start_date=TODAY)  # fmt: skip
    ended = services.end_stay(kcl_manager, stay, version=stay.version, end_date=TODAY,
                              outcome=Outcome.POSITIVE)  # fmt: skip
    assert ended.outcome == "positive"


def test_a_facility_without_the_negative_test_rule(kcl_manager, kcl, make_person, places):
    Facility.objects.filter(pk=kcl.pk).update(negative_test_to_end=False)
    stay = services.take_in(kcl_manager, person=make_person(places.commune), facility=kcl,
                            start_date=TODAY - 14 * DAY)  # fmt: skip
    assert stay.planned_end == TODAY
    ended = services.end_stay(kcl_manager, stay, version=stay.version, end_date=TODAY,
                              outcome=Outcome.COMPLETED)  # fmt: skip
    assert ended.end_date == TODAY


def test_a_stay_without_a_declaration_uses_the_persons_latest(kcl_manager, kcl, make_person,
                                                             places):  # fmt: skip
    person = make_person(places.commune)
    older = make_declaration(person, places.commune)
    latest = make_declaration(person, places.commune)
    stay = services.take_in(kcl_manager, person=person, facility=kcl, start_date=TODAY)
    services.extend(kcl_manager, stay, version=stay.version, planned_end=stay.planned_end + DAY,
                    reason="Chờ kết quả")  # fmt: skip
    assert latest.events.filter(action="stay_extended").exists()
    assert not older.events.exists()
    # Nobody's declaration: the stay still changes, nothing to hand off.
    alone = services.take_in(kcl_manager, person=make_person(places.commune, "Không Khai"),
                             facility=kcl, start_date=TODAY)  # fmt: skip
    services.extend(kcl_manager, alone, version=alone.version,
                    planned_end=alone.planned_end + DAY, reason="x")  # fmt: skip
    assert actions(alone) == ["intake", "extend"]
