"""The rollups behind the statistics by departure place and by flight: kept
exact by database triggers on every write path, read by the two tables when
they can answer the filters (without touching the declarations), and giving
the same numbers and links as counting the declarations."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from vigil.accounts.models import Task
from vigil.declarations.models import Declaration
from vigil.reports import rollups, stats
from vigil.reports.models import DepartureTally, DepartureTotal, VehicleTally, VehicleTotal
from vigil.verification import services as verification

from .test_stats import build_world, list_total, page, unit

DAY = datetime.date(2021, 8, 1)


@pytest.fixture
def world(places, make_person):
    return build_world(places, make_person)


def assert_exact():
    assert rollups.differences() == []


def total(model, **where):
    return model.objects.filter(**where).aggregate(n=Sum("n"))["n"] or 0


def new_declaration(person, area, **extra):
    fields = {
        "person": person,
        "departure_country_id": "VN",
        "area": area,
        "area_path": area.path,
        "address": "1 Lê Lợi",
        "transport": "plane",
        "transport_number": "qh212",
        "arrival_date": DAY,
        "channel": "paper",
        "verification_state": "not_required",
        **extra,
    }
    return Declaration(**fields)


def test_every_kind_of_write_keeps_the_rollups_exact(places, world, make_user, make_person):
    declarations = world["declarations"]
    assert total(DepartureTally) == len(declarations)
    assert total(VehicleTally) == 4  # the flights: #1, #3, #6, #8
    assert total(VehicleTally, vehicle="VN1541") == 3  # upper case: vn1541 too
    assert total(VehicleTotal, vehicle="VN1541") == 3
    assert total(DepartureTotal) == len(declarations)
    hanoi, danang = unit("01"), unit("48")
    assert total(DepartureTally, departure_province=hanoi.pk) == 6
    assert total(DepartureTally, departure_country="VN", departure_province=0) == 1
    assert_exact()

    # A save that changes nothing counted writes no delta; one that does, both.
    first = Declaration.objects.get(pk=declarations[0].pk)
    first.address = "not counted"
    first.save()
    deltas = DepartureTally.objects.filter(merged=0).count()
    vehicle_deltas = VehicleTally.objects.filter(merged=0).count()
    first.save()
    assert DepartureTally.objects.filter(merged=0).count() == deltas
    first.departure_unit = danang
    first.transport, first.transport_number = "car", "75A-00001"
    first.save()
    assert total(VehicleTally, vehicle="VN1541") == 2
    assert VehicleTally.objects.filter(merged=0).count() == vehicle_deltas + 1  # the -1 only
    assert_exact()

    # A transfer through the verification service moves the place.
    cdc = make_user("cdc.rollup", places.province, tasks=[Task.CDC, Task.COMMUNITY])
    fifth = Declaration.objects.get(pk=declarations[4].pk)
    verification.transfer(
        fifth, actor=cdc, version=fifth.version, target=places.commune, note="Sai địa bàn"
    )
    assert_exact()

    # Bulk writes bypass save(): updates of counted columns, an import.
    Declaration.objects.filter(area=places.far).update(arrival_date=DAY, departure_unit=danang)
    Declaration.objects.filter(transport="car").update(transport="train", transport_number="se3")
    Declaration.objects.update(address="not counted either")
    Declaration.objects.bulk_create(
        [
            new_declaration(make_person(places.commune, f"Nhập {n}"), places.commune)
            for n in range(3)
        ]
    )
    assert total(VehicleTally, transport="train", vehicle="SE3") == 6  # #1 is a car now
    assert total(VehicleTally, vehicle="QH212") == 3
    assert_exact()

    # Deletes, one and many; compaction folds the deltas and changes no sum.
    Declaration.objects.filter(pk=declarations[1].pk).delete()
    Declaration.objects.filter(area=places.far).delete()
    assert_exact()
    before = sorted(DepartureTally.objects.values_list("departure_province").annotate(Sum("n")))
    assert rollups.compact() > 0
    assert not DepartureTally.objects.filter(merged=0).exists()
    assert not VehicleTally.objects.filter(merged=0).exists()
    assert not VehicleTotal.objects.filter(merged=0).exists()
    after = sorted(DepartureTally.objects.values_list("departure_province").annotate(Sum("n")))
    assert after == before
    assert_exact()
    assert total(DepartureTally) == total(DepartureTotal) == Declaration.objects.count()


def test_a_wrong_rollup_is_found_and_rebuilt(places, world):
    DepartureTally.objects.filter(departure_country="KR").delete()
    VehicleTotal.objects.filter(vehicle="VJ212").update(n=5)
    wrong = rollups.differences()
    assert {
        (table, key["departure_country"] if "departure_country" in key else key["vehicle"])
        for table, key, _rolled, _counted in wrong
    } == {  # fmt: skip
        (DepartureTally._meta.db_table, "KR"),
        (VehicleTotal._meta.db_table, "VJ212"),
    }
    with pytest.raises(CommandError):
        call_command("tallies", "--check")
    call_command("tallies", "--rebuild")
    assert_exact()
    call_command("tallies", "--check", "--compact")


def test_the_triggers_come_back_after_being_dropped(places, world, make_person):
    rollups.drop_triggers()
    assert not rollups.triggers_installed()
    call_command("tallies", "--check")  # reinstalls them (and the check passes)
    assert rollups.triggers_installed()
    new_declaration(make_person(places.commune, "Sau"), places.commune).save()
    assert_exact()


def table_numbers(table):
    rows = [(row.key, str(row.label), row.total.value, row.total.url) for row in table.rows]
    return rows, table.total.value, table.total.url, table.truncated


def without_rollup(monkeypatch, user, query, rows):
    with monkeypatch.context() as patched:
        for cls in (stats.DepartureDimension, stats.VehicleDimension):
            patched.setattr(cls, "use_rollup", lambda self, user, form: None)
        return stats.build_table(user, query, rows=rows)


def read_from_rollup(user, query, rows):
    with CaptureQueriesContext(connection) as queries:
        table = stats.build_table(user, query, rows=rows)
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert Declaration._meta.db_table not in sql, sql
    dated = query.get("date_from") or query.get("date_to")
    rollup = {
        ("departure", False): DepartureTotal,
        ("departure", True): DepartureTally,
        ("vehicle", False): VehicleTotal,
        ("vehicle", True): VehicleTally,
    }[rows, bool(dated)]
    assert rollup._meta.db_table in sql
    return table


@pytest.mark.parametrize(
    ("rows", "query"),
    [
        ("departure", {}),
        ("departure", {"date_on": "arrival", "date_from": "01/08/2021", "date_to": "02/08/2021"}),
        ("vehicle", {"transport": "plane"}),
        ("vehicle", {"transport": "plane", "date_on": "arrival", "date_from": "02/08/2021"}),
        ("vehicle", {"transport": "train"}),
    ],
)
def test_the_tables_read_their_rollup_and_count_as_the_declarations_do(
    leader, places, world, monkeypatch, rows, query
):
    for where in (places.province, places.district):
        user = leader(where, username=f"l{rows}{len(query)}")
        fast = read_from_rollup(user, query, rows)
        slow = without_rollup(monkeypatch, user, query, rows)
        assert table_numbers(fast) == table_numbers(slow)


def test_the_hand_counted_tables_from_the_rollups(client, leader, places, world):
    user = leader(places.province)
    departures = read_from_rollup(user, {}, "departure")
    numbers = {row.key: row.total.value for row in departures.rows}
    assert numbers == {unit("01").pk: 6, "KR": 1, unit("48").pk: 1, stats.NONE: 1}
    flights = read_from_rollup(user, {"transport": "plane"}, "vehicle")
    assert [(row.key, row.total.value) for row in flights.rows] == [
        (("plane", "VN1541"), 3),
        (("plane", "VJ212"), 1),
    ]
    # Each number opens a list of exactly that many declarations.
    for row in [*departures.rows, *flights.rows]:
        assert list_total(page(client, row.total.url)) == row.total.value, row.label


def test_other_filters_and_columns_count_the_declarations(leader, places, world):
    user = leader(places.province)
    for rows, query, cols in (
        ("departure", {"channel": "web"}, ""),
        ("departure", {"date_from": "01/08/2021"}, ""),  # by date of declaration
        ("departure", {}, "colour"),
        ("vehicle", {"transport": "car"}, ""),
        ("vehicle", {"transport": "plane", "vehicle": "VN1541"}, ""),
    ):
        with CaptureQueriesContext(connection) as queries:
            table = stats.build_table(user, query, rows=rows, cols=cols)
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        assert Declaration._meta.db_table in sql, (rows, query, cols)
        for rollup in (DepartureTally, DepartureTotal, VehicleTally, VehicleTotal):
            assert rollup._meta.db_table not in sql, (rows, query, cols)
        assert table.total.value == stats.build_table(user, query, rows=rows).total.value
