"""The stays' copy of their declaration's risk colour (vigil/lodging/colour.py),
which the police view counts: database triggers keep it whatever writes the
declaration or the stay, a transition, the bulk re-evaluation's raw UPDATE,
a link, a delete, so the police view's numbers follow a colour change
without any stay being touched."""

import pytest
from django.db import connection

from vigil.declarations.models import Declaration
from vigil.declarations.transitions import apply_reassessments
from vigil.lodging import colour, services
from vigil.lodging import police as police_view
from vigil.lodging.models import GuestStay

from ..scope.samples import make_declaration


def copy_of(stay):
    return GuestStay.objects.values_list("declaration_colour", flat=True).get(pk=stay.pk)


@pytest.fixture
def guest(places, make_person, establishment, reception):
    """A guest checked in with a green declaration."""
    person = make_person(places.commune, full_name="Khách Màu")
    declaration = make_declaration(person, establishment.area)
    result = services.check_in(
        reception, establishment, person=person, declaration=declaration, room="3"
    )
    return result.stay, declaration


def test_a_new_stay_takes_its_declarations_colour(guest):
    stay, declaration = guest
    assert copy_of(stay) == declaration.risk_colour == "green"


def test_a_colour_change_reaches_the_stay(guest, police):
    stay, declaration = guest
    before = _figures(police)
    Declaration.objects.filter(pk=declaration.pk).update(risk_colour="red")
    assert copy_of(stay) == "red"
    after = _figures(police)
    assert (before["red"], after["red"]) == (0, 1)


def test_the_bulk_re_evaluation_reaches_the_stay(guest):
    stay, declaration = guest
    declaration.refresh_from_db()
    row = (declaration.pk, declaration.version, 3, "orange", 40, ["test"], "", "green")
    assert apply_reassessments([row]) == {declaration.pk}
    assert copy_of(stay) == "orange"


def test_linking_and_unlinking_a_declaration(places, make_person, establishment, reception):
    person = make_person(places.commune, full_name="Khách Chưa Khai")
    stay = services.check_in(reception, establishment, person=person, room="4").stay
    assert copy_of(stay) is None
    declaration = make_declaration(person, establishment.area)
    Declaration.objects.filter(pk=declaration.pk).update(risk_colour="yellow")
    stay.refresh_from_db()
    services.link_declaration(stay, actor=reception, version=stay.version, declaration=declaration)
    assert copy_of(stay) == "yellow"
    declaration.delete()  # on_delete=SET_NULL: the stay loses its colour too
    assert copy_of(stay) is None


def test_a_full_save_cannot_write_a_stale_copy(guest):
    stay, declaration = guest
    Declaration.objects.filter(pk=declaration.pk).update(risk_colour="red")
    stale = GuestStay.objects.get(pk=stay.pk)
    stale.declaration_colour = "green"
    stale.room = "5"
    stale.save()
    assert copy_of(stay) == "red"
    assert colour.differences() == 0


def test_installing_again_repairs_copies_written_without_triggers(guest):
    stay, declaration = guest
    with connection.cursor() as cursor:
        for name, table in colour.TRIGGERS.items():
            suffix = f" ON {table}" if connection.vendor == "postgresql" else ""
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}{suffix}")
    Declaration.objects.filter(pk=declaration.pk).update(risk_colour="red")
    if connection.vendor == "sqlite":
        assert colour.differences() == 1
    GuestStay.objects.filter(pk=stay.pk).update(declaration_colour=None)
    colour.install_triggers()
    assert copy_of(stay) == "red"
    assert colour.differences() == 0


def _figures(user):
    total = police_view.by_area(user, user.jurisdiction).total
    return {"red": total.red.value, "guests": total.guests.value}
