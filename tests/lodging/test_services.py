"""Registering guests through the one service: an existing declaration is
linked (nobody declares twice), a declaration made at the reception is
recorded with the stay, retried check-ins create nothing twice, bad times are
refused, stale edits are refused, and an establishment's account sees its own
guests only."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.areas.models import Country
from vigil.declarations.models import Declaration
from vigil.lodging import services
from vigil.lodging.models import Establishment, GuestStay, GuestStayEvent
from vigil.people.models import Person

from ..scope.samples import make_declaration


@pytest.fixture
def hotel(places):
    return Establishment.objects.create(
        name="Khách sạn Sông Hương", kind="hotel", area=places.commune
    )


@pytest.fixture
def desk(make_user, places, hotel):
    return make_user(
        "reception.songhuong", places.commune, tasks=[Task.ESTABLISHMENT], establishment=hotel
    )


def declaration_data(places):
    return {
        "registration_kind": "return_home",
        "departure_country": Country.objects.get(pk="VN"),
        "area": places.commune,
        "address": "12 Lê Lợi",
        "transport": "car",
        "arrival_date": timezone.localdate(),
    }


def test_a_guest_who_declared_online_is_linked_not_asked_again(desk, hotel, make_person, places):
    person = make_person(places.commune)
    online = make_declaration(person, places.commune)
    result = services.check_in(desk, hotel, person=person, room="101")
    assert result.created and result.declared
    assert result.stay.declaration == online
    assert Declaration.objects.filter(person=person).count() == 1
    event = GuestStayEvent.objects.get(stay=result.stay)
    assert event.action == "check_in" and event.to_data["room"] == "101"


def test_a_guest_with_no_declaration_declares_at_the_reception(desk, hotel, places):
    identity = {
        "full_name": "John Smith",
        "id_kind": "passport",
        "id_number": "C1234567",
        "birth_year": 1980,
        "gender": "male",
        "phone": "",
    }
    data = declaration_data(places)
    data["departure_country"] = Country.objects.get(pk="GB")
    result = services.check_in(desk, hotel, identity=identity, data=data, room="202")
    declaration = result.stay.declaration
    assert result.declared and declaration.channel == "establishment"
    assert declaration.created_by == desk
    assert Person.objects.filter(id_number="C1234567").count() == 1


def test_a_retried_check_in_creates_nothing_twice(desk, hotel, make_person, places):
    person = make_person(places.commune)
    first = services.check_in(desk, hotel, person=person, room="1", idempotency_key="k-1")
    again = services.check_in(desk, hotel, person=person, room="1", idempotency_key="k-1")
    assert first.created and not again.created
    assert again.stay.pk == first.stay.pk
    assert GuestStay.objects.count() == 1


def test_bad_times_are_refused_and_nothing_is_saved(desk, hotel, make_person, places):
    person = make_person(places.commune)
    with pytest.raises(ValidationError) as future:
        services.check_in(
            desk, hotel, person=person, at=timezone.now() + datetime.timedelta(days=1)
        )
    assert "check_in" in future.value.message_dict
    stay = services.check_in(desk, hotel, person=person).stay
    with pytest.raises(ValidationError) as early:
        services.check_out(
            stay, actor=desk, version=stay.version, at=stay.check_in - datetime.timedelta(hours=1)
        )
    assert "check_out" in early.value.message_dict
    assert GuestStay.objects.get(pk=stay.pk).check_out is None


def test_a_stale_edit_is_refused(desk, hotel, make_person, places):
    stay = services.check_in(desk, hotel, person=make_person(places.commune), room="1").stay
    services.update_stay(stay, actor=desk, version=stay.version, room="2")
    with pytest.raises(services.StaleGuestStay):
        services.update_stay(stay, actor=desk, version=stay.version, room="3")
    assert GuestStay.objects.get(pk=stay.pk).room == "2"
    change = GuestStayEvent.objects.filter(stay=stay, action="change").get()
    assert (change.from_data, change.to_data) == ({"room": "1"}, {"room": "2"})


def test_a_closed_establishment_takes_no_guest(desk, hotel, make_person, places):
    Establishment.objects.filter(pk=hotel.pk).update(status="closed")
    hotel.refresh_from_db()
    with pytest.raises(ValidationError) as closed:
        services.check_in(desk, hotel, person=make_person(places.commune))
    assert "establishment" in closed.value.message_dict


def test_an_establishment_account_sees_its_guests_and_nothing_else_of_the_commune(
    desk, hotel, make_person, places
):
    guest = make_person(places.commune, "Khách Của Mình")
    neighbour = make_person(places.commune, "Người Trong Phường")
    make_declaration(neighbour, places.commune)
    own = make_declaration(guest, places.commune)
    stay = services.check_in(desk, hotel, person=guest).stay
    other_hotel = Establishment.objects.create(
        name="Nhà nghỉ Khác", kind="guest_house", area=places.commune
    )
    services.check_in(desk, other_hotel, person=neighbour)
    assert list(GuestStay.objects.visible_to(desk)) == [stay]
    assert list(Declaration.objects.visible_to(desk)) == [own]
    assert list(Person.objects.visible_to(desk)) == [guest]
    assert list(Establishment.objects.visible_to(desk)) == [hotel]
