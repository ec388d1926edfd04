"""`vigil.core.paging.beyond`: the rows after (or before) a row in a list's
order, as one row comparison when every field goes the same way, else as the
spelled-out OR; both give exactly the rows a sort in Python puts there."""

import itertools

import pytest

from vigil.core.paging import beyond
from vigil.people.models import Person

ORDERS = [
    ("search_key", "id"),
    ("-search_key", "-id"),
    ("search_key", "-id"),
    ("-birth_year", "search_key", "id"),
]


@pytest.fixture
def people(db, make_person, places):
    names = ["an", "binh", "binh", "cuc", "an", "dung"]
    made = []
    for n, (name, year) in enumerate(zip(names, [1990, 1985, 1990, 1985, 1970, 1990], strict=True)):
        person = make_person(places.commune, f"{name} {n}")
        Person.objects.filter(pk=person.pk).update(search_key=name, birth_year=year)
        made.append(person.pk)
    return made


def _sorted(rows, order):
    for name in reversed(order):
        index = [n.lstrip("-") for n in order].index(name.lstrip("-"))
        rows = sorted(rows, key=lambda row: row[index], reverse=name.startswith("-"))
    return rows


@pytest.mark.parametrize("order", ORDERS)
def test_the_rows_beyond_each_row_are_those_the_order_puts_there(people, order):
    fields = [name.lstrip("-") for name in order]
    rows = _sorted(list(Person.objects.filter(pk__in=people).values_list(*fields)), order)
    for position, forward in itertools.product(range(len(rows)), (True, False)):
        row = rows[position]
        found = Person.objects.filter(pk__in=people).filter(beyond(order, row, forward))
        expected = rows[position + 1 :] if forward else rows[:position]
        assert sorted(found.values_list(*fields)) == sorted(expected), (order, row, forward)
