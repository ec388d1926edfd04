"""The test lists' totals of an area with no unit below it (issue #15): read
on its one path, merged in person order, they count exactly the people the
scope's prefix query counts, up to the cap."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit, Level
from vigil.areas.refdata import has_units_below
from vigil.core.db_router import merge_joins
from vigil.core.paging import capped_count
from vigil.quarantine.models import Facility, Stay
from vigil.testing import queries
from vigil.testing.forms import PeopleFilterForm

from .test_views import DAY, TODAY, declare, result


def _counts(user, tab, cap, settings):
    """(the one-path count, the prefix query's count) at `cap`."""
    settings.VIGIL_LIST_COUNT_CAP = cap
    form = PeopleFilterForm(QueryDict(""), user=user)
    people = queries.filter_people(user, form, tab)
    return queries.count_people(user, form, tab, people), capped_count(people, cap)


@pytest.fixture
def mixed(make_person, places):
    """People of the commune in every case the tabs tell apart."""
    facility = Facility.objects.create(kind="concentrated", name="Khu A", area=places.far)
    for n in range(3):  # declared, not tested
        declare(make_person(places.commune, f"Khai {n}"))
    for n in range(2):  # declared and tested here
        person = make_person(places.commune, f"Xét nghiệm {n}")
        declare(person)
        result(person)
    stayed = make_person(places.commune, "Ở khu cách ly")  # a stay, no declaration
    Stay.objects.create(
        person=stayed, facility=facility, start_date=TODAY - DAY, planned_end=TODAY + DAY
    )
    # Declared only in the neighbour commune: not on this commune's list.
    declare(make_person(places.commune, "Khai nơi khác"), area=places.neighbour)
    # Tested in the neighbour commune, then moved here and declared here:
    # that result is not this commune's, so "not tested" here.
    moved = make_person(places.neighbour, "Chuyển đến")
    result(moved)
    moved.area = places.commune
    moved.save()
    declare(moved)
    make_person(places.commune, "Không khai")  # neither: not on either tab
    # The neighbour's people never count.
    declare(make_person(places.neighbour, "Hàng xóm"))


def test_a_commune_without_villages_counts_its_tabs_on_one_path(mixed, make_user, places, settings):
    user = make_user("cdc.pn", places.commune, tasks=[Task.CDC])
    assert queries._one_path(user) == places.commune.path
    # Not tested: three declared, the stay only, the person who moved in.
    for tab, n in ((queries.UNTESTED, 5), (queries.TESTED, 2)):
        for cap in range(1, n + 2):
            expected = (min(n, cap), cap < n)
            assert _counts(user, tab, cap, settings) == (expected, expected), (tab, cap)


def test_a_district_or_a_facility_account_is_not_counted_on_one_path(make_user, places):
    district = make_user("cdc.hue", places.district, tasks=[Task.CDC])
    assert queries._one_path(district) is None
    facility = Facility.objects.create(kind="concentrated", name="Khu B", area=places.commune)
    manager = make_user("ql.khub", places.commune, tasks=[Task.FACILITY], facility=facility)
    assert queries._one_path(manager) is None


def test_a_village_below_the_commune_counts_on_the_prefix_again(
    mixed, make_user, make_person, places, settings
):
    user = make_user("cdc.pn", places.commune, tasks=[Task.CDC])
    assert not has_units_below(places.commune.path)
    village = AdminUnit.objects.create(
        tree=places.commune.tree,
        level=Level.VILLAGE,
        code="TDP1",
        name="Tổ dân phố 1",
        parent=places.commune,
        path=f"{places.commune.path}TDP1/",
    )
    # The cached paths follow the new unit (the reference stamp changed).
    assert has_units_below(places.commune.path)
    assert queries._one_path(user) is None
    declare(make_person(village, "Ở thôn"))
    assert _counts(user, queries.UNTESTED, 100, settings) == ((6, False), (6, False))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_the_not_tested_count_is_planned_as_merge_joins(mixed, make_user, places, settings):
    user = make_user("cdc.pn", places.commune, tasks=[Task.CDC])
    settings.VIGIL_LIST_COUNT_CAP = 100
    form = PeopleFilterForm(QueryDict(""), user=user)
    people = queries.filter_people(user, form, queries.UNTESTED)
    with CaptureQueriesContext(connection) as ctx:
        queries.count_people(user, form, queries.UNTESTED, people)
    count = next(q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT COUNT"))
    # The test runs in a transaction: the settings end with the count.
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_hashjoin")
        assert cursor.fetchone()[0] == "on"
    with merge_joins("default"), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {count}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Merge Anti Join" in plan and "Merge Semi Join" in plan, plan
    assert "Hash" not in plan and "Nested Loop" not in plan, plan
    sql = [q["sql"] for q in ctx.captured_queries]
    assert "SET LOCAL enable_hashjoin = off" in sql and "SET LOCAL enable_nestloop = off" in sql
