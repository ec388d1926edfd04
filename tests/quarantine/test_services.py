import datetime

import pytest
from django.core.exceptions import ValidationError

from vigil.quarantine import services
from vigil.quarantine.models import Bed, Facility, Outcome, Stay

TODAY = datetime.date.today()


@pytest.fixture
def facility(places):
    return Facility.objects.create(
        kind="concentrated", name="KCL Trường Quân sự", area=places.commune
    )


@pytest.fixture
def manager(make_user, facility):
    return make_user("kcl.manager", facility.area, tasks=["facility"], facility=facility)


def test_rooms_are_created_in_bulk_and_again_without_duplicates(facility, manager):
    created = services.add_rooms(
        manager, facility, building="A", floors=range(1, 3), rooms=range(1, 5), beds_per_room=4
    )
    assert created == 2 * 4 * 4
    assert set(facility.buildings.get().rooms.values_list("name", flat=True)) >= {"101", "204"}
    again = services.add_rooms(
        manager, facility, building="A", floors=range(1, 3), rooms=range(1, 5), beds_per_room=5
    )
    assert again == 8  # only the fifth bed of each room is new
    assert Bed.objects.count() == 40


def test_the_planned_end_follows_the_facility_and_its_type(facility, settings):
    assert services.default_end(facility, TODAY) == TODAY + datetime.timedelta(14)
    settings.VIGIL_QUARANTINE_DAYS_BY_KIND = {"concentrated": 21}
    assert services.default_end(facility, TODAY) == TODAY + datetime.timedelta(21)
    facility.quarantine_days = 7
    assert services.default_end(facility, TODAY) == TODAY + datetime.timedelta(7)


@pytest.fixture
def bed(facility, manager):
    services.add_rooms(manager, facility, building="A", floors=[1], rooms=[1], beds_per_room=2)
    return Bed.objects.order_by("label").first()


def test_a_bed_holds_one_person_at_a_time(manager, facility, bed, make_person, places):
    first = services.take_in(
        manager, person=make_person(places.commune), facility=facility, start_date=TODAY, bed=bed
    )
    with pytest.raises(ValidationError) as exc:
        services.take_in(
            manager, person=make_person(places.commune, "Lê B"), facility=facility,
            start_date=TODAY, bed=bed,
        )  # fmt: skip
    assert exc.value.message_dict["bed"] == [str(services.BED_TAKEN)]
    assert Stay.objects.count() == 1
    # Ending the stay frees the bed at once.
    services.end_stay(
        manager, first, version=first.version, end_date=TODAY, outcome=Outcome.COMPLETED,
        reason="Chuyển về cách ly tại nhà", confirmed=True,
    )  # fmt: skip
    assert bed in services.free_beds(facility)
    services.take_in(
        manager, person=make_person(places.commune, "Lê C"), facility=facility,
        start_date=TODAY, bed=bed,
    )  # fmt: skip


def test_a_person_is_in_one_facility_at_a_time(manager, facility, make_person, places):
    person = make_person(places.commune)
    other = Facility.objects.create(kind="paid", name="Khách sạn X", area=places.commune)
    services.take_in(manager, person=person, facility=facility, start_date=TODAY)
    with pytest.raises(ValidationError) as exc:
        services.take_in(manager, person=person, facility=other, start_date=TODAY)
    assert "person" in exc.value.message_dict


def test_dates_are_checked(manager, facility, make_person, places):
    person = make_person(places.commune)
    with pytest.raises(ValidationError):
        services.take_in(
            manager, person=person, facility=facility, start_date=TODAY + datetime.timedelta(1)
        )
    stay = services.take_in(manager, person=person, facility=facility, start_date=TODAY)
    with pytest.raises(ValidationError) as exc:
        services.end_stay(
            manager, stay, version=stay.version, end_date=TODAY - datetime.timedelta(1),
            outcome=Outcome.COMPLETED,
        )  # fmt: skip
    assert "end_date" in exc.value.message_dict


def test_extend_needs_a_reason_and_a_later_date(manager, facility, make_person, places):
    stay = services.take_in(
        manager, person=make_person(places.commune), facility=facility, start_date=TODAY
    )
    with pytest.raises(ValidationError):
        services.extend(
            manager, stay, version=stay.version, planned_end=stay.planned_end, reason="x"
        )
    with pytest.raises(ValidationError):
        services.extend(
            manager, stay, version=stay.version,
            planned_end=stay.planned_end + datetime.timedelta(7), reason="",
        )  # fmt: skip
    longer = services.extend(
        manager, stay, version=stay.version,
        planned_end=stay.planned_end + datetime.timedelta(7), reason="XN lần 2 dương tính",
    )  # fmt: skip
    assert longer.planned_end == TODAY + datetime.timedelta(21)
    with pytest.raises(services.StaleStay):
        services.extend(
            manager, stay, version=stay.version,
            planned_end=stay.planned_end + datetime.timedelta(9), reason="again",
        )  # fmt: skip


def test_a_facility_manager_sees_only_their_facility(manager, facility, make_person, places):
    from vigil.people.models import Person

    inside = make_person(places.commune, "Trong Khu")
    make_person(places.commune, "Ngoai Khu")
    other = Facility.objects.create(kind="paid", name="Khách sạn Y", area=places.commune)
    services.take_in(manager, person=inside, facility=facility, start_date=TODAY)
    services.take_in(manager, person=make_person(places.commune, "Khu Khac"), facility=other,
                     start_date=TODAY)  # fmt: skip
    assert list(Person.objects.visible_to(manager)) == [inside]
    assert list(Stay.objects.visible_to(manager).values_list("facility", flat=True)) == [
        facility.pk
    ]
    assert list(Facility.objects.visible_to(manager)) == [facility]
