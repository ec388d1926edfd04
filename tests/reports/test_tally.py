"""The declaration tally behind the dashboard: kept by database triggers on
every write path, exact before and after compaction, used by the dashboard
only when it can answer the filters, and equal to counting the declarations."""

import datetime
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.db.models import Case, Sum, Value, When

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit
from vigil.declarations.models import Declaration
from vigil.reports import stats, tally
from vigil.reports.models import DeclarationTally, TestedPerson
from vigil.testing.models import TestResult
from vigil.verification import services as verification

from .test_stats import PERIOD, build_world

DAY = datetime.date(2021, 8, 1)


@pytest.fixture
def world(places, make_person):
    return build_world(places, make_person)


def add_test(person, **extra):
    return TestResult.objects.create(
        person=person, sample_date=DAY, test_type="pcr", result="negative", **extra
    )


def assert_exact():
    assert tally.differences() == []


def sums(**where):
    return sum(DeclarationTally.objects.filter(**where).values_list("n", flat=True))


def test_every_kind_of_write_keeps_the_tally_exact(places, world, make_user, make_person):
    declarations = world["declarations"]
    assert sums() == len(declarations)
    assert_exact()

    # A state change through the verification service, a transfer, a save.
    cdc = make_user("cdc.tally", places.province, tasks=[Task.CDC, Task.COMMUNITY])
    first = Declaration.objects.get(pk=declarations[0].pk)
    verification.verify_returned(
        first, actor=cdc, version=first.version, surveillance="home_monitoring", start=DAY
    )
    fifth = Declaration.objects.get(pk=declarations[4].pk)
    verification.transfer(
        fifth, actor=cdc, version=fifth.version, target=places.commune, note="Sai địa bàn"
    )
    second = Declaration.objects.get(pk=declarations[1].pk)
    second.address = "not counted: no delta"
    second.save()
    deltas = DeclarationTally.objects.filter(merged=0).count()
    second.risk_colour = "yellow"
    second.save()
    assert DeclarationTally.objects.filter(merged=0).count() == deltas + 2
    assert_exact()

    # Bulk writes bypass the models' save(): a re-evaluation, an import.
    Declaration.objects.filter(area=places.far).update(risk_colour="red", arrival_date=DAY)
    Declaration.objects.bulk_create(
        [
            Declaration(
                person=make_person(places.commune, f"Nhập {n}"),
                departure_country_id="VN",
                area=places.commune,
                area_path=places.commune.path,
                address="Giấy",
                transport="car",
                arrival_date=DAY,
                channel="paper",
                verification_state="not_required",
            )
            for n in range(3)
        ]
    )
    assert_exact()

    # A person's first test moves their declarations to "tested"; a second
    # changes nothing; moving and deleting tests moves them back.
    person = declarations[2].person
    test = add_test(person)
    assert TestedPerson.objects.filter(person=person).exists()
    assert_exact()
    second_test = add_test(person)
    assert_exact()
    other = declarations[3].person
    second_test.person = other
    second_test.save()
    assert_exact()
    test.delete()
    assert not TestedPerson.objects.filter(person=person).exists()
    assert_exact()
    # Two first tests of one person in one statement count the person once.
    TestResult.objects.bulk_create(
        [
            TestResult(
                person=declarations[5].person,
                area_path="x",
                sample_date=DAY,
                test_type="pcr",
                result="pending",
            )
            for _ in range(2)
        ]
    )
    assert_exact()
    assert sums(tested=True) == 2  # declarations 4 and 6: one each

    # Compaction folds the deltas and changes no sum; deletes after it too.
    before = dict(stats_by_colour())
    assert tally.compact() > 0
    assert not DeclarationTally.objects.filter(merged=0).exists()
    assert dict(stats_by_colour()) == before
    assert_exact()
    TestResult.objects.filter(person=declarations[5].person).delete()
    Declaration.objects.filter(pk=declarations[6].pk).delete()
    assert_exact()
    tally.compact()
    assert_exact()
    assert sums() == Declaration.objects.count()


def test_one_statement_over_many_rows_and_people_counts_each_change_once(
    places, world, make_person
):
    """The PostgreSQL triggers work per statement: many rows, several people,
    changed and unchanged rows, and rows swapped between people, at once."""
    declarations = world["declarations"]
    a, b = declarations[0].person, declarations[1].person
    add_test(a)
    # Counted columns of some rows, an uncounted one of others, in one statement.
    Declaration.objects.filter(pk__in=[d.pk for d in declarations[:4]]).update(risk_colour="red")
    Declaration.objects.update(address="not counted")
    assert_exact()
    # Two declarations swap their people in one statement: a's tested flag
    # moves with its declaration.
    Declaration.objects.filter(pk=declarations[0].pk).update(person=b)
    assert_exact()
    Declaration.objects.filter(pk__in=[declarations[0].pk, declarations[1].pk]).update(
        person=Case(When(person=b, then=Value(a.pk)), default=Value(b.pk))
    )
    assert_exact()
    # Test results swapped between two people, then moved so that one has none.
    first, second = add_test(a), add_test(b)
    TestResult.objects.filter(pk__in=[first.pk, second.pk]).update(
        person=Case(When(pk=first.pk, then=Value(b.pk)), default=Value(a.pk))
    )
    assert_exact()
    TestResult.objects.filter(person=a).update(person=b)
    assert not TestedPerson.objects.filter(person=a).exists()
    assert_exact()
    # Many tests of many people deleted in one statement.
    for d in declarations[2:6]:
        add_test(d.person)
    TestResult.objects.all().delete()
    assert not TestedPerson.objects.exists()
    assert_exact()


def stats_by_colour():
    rows = DeclarationTally.objects.values_list("risk_colour").order_by()
    return rows.annotate(total=Sum("n"))


def test_the_dashboard_counts_the_same_from_the_tally_and_from_the_declarations(
    leader, places, world, monkeypatch
):
    user = leader(places.province)
    add_test(world["declarations"][0].person)
    for query in (PERIOD, {**PERIOD, "channel": "web"}, {**PERIOD, "colour": "green"}):
        query = {**query, "date_on": "arrival"}
        fast = stats.build_dashboard(user, query)
        assert stats.counting_base(user, fast.form).model is DeclarationTally
        with monkeypatch.context() as patched:
            patched.setattr(
                stats, "counting_base", lambda user, form: Declaration.objects.visible_to(user)
            )
            slow = stats.build_dashboard(user, query)
        assert numbers(fast) == numbers(slow), query
    assert numbers(fast)["untested"] == 3  # four green arrivals in the period, one tested


def numbers(board):
    return {
        "total": board.total.value,
        "days": [(day, cell.value) for day, cell in board.days],
        "colours": [(key, cell.value) for key, _l, _c, cell in board.colours],
        "verification": [(key, cell.value) for key, _l, cell in board.verification],
        **{key: cell.value for key, cell in board.queues.items()},
        "paper": [(row.unit.pk, row.paper.value, row.total.value) for row in board.paper],
    }


def test_filters_the_tally_cannot_answer_count_the_declarations(leader, places, world):
    user = leader(places.province)

    def base(query):
        form = stats.StatsFilterForm(query, user=user)
        assert form.is_valid(), form.errors
        return stats.counting_base(user, form).model

    assert base({**PERIOD, "date_on": "arrival", "district": places.district.pk}) is (
        DeclarationTally
    )
    assert base({**PERIOD, "date_on": "created"}) is Declaration  # the tally has no day declared
    assert base({"transport": "plane"}) is Declaration
    assert base({"q": "Người"}) is Declaration


def test_the_tested_filter_opens_the_list_the_dashboard_counted(client, leader, places, world):
    leader(places.province)
    add_test(world["declarations"][0].person)
    body = client.get("/reports/dashboard/", {**PERIOD, "date_on": "arrival"}).content.decode()
    link = body.split('id="tile-untested"', 1)[1].split('href="', 1)[1].split('"', 1)[0]
    assert "tested=no" in link
    listed = client.get(link.replace("&amp;", "&"))
    assert listed.context["total"] == 7


def test_triggers_come_back_after_a_migration_drops_them(db):
    assert tally.triggers_installed()
    tally.drop_triggers()
    assert not tally.triggers_installed()
    tally.reinstall_after_migrate()
    assert tally.triggers_installed()


def test_the_command_checks_compacts_and_rebuilds(places, world, capsys):
    call_command("tallies", "--check", "--compact")
    assert "matches" in capsys.readouterr().out
    DeclarationTally.objects.filter(pk=DeclarationTally.objects.first().pk).update(n=99)
    with pytest.raises(CommandError, match="differ"):
        call_command("tallies", "--check")
    call_command("tallies", "--rebuild", "--check")
    assert_exact()
    with pytest.raises(CommandError, match="Say what to do"):
        call_command("tallies")


# Concurrency (PostgreSQL): a person's first test and a change of one of their
# declarations, each in its own transaction, in both orders ------------------------


@pytest.fixture
def areas_loaded(areas_back_after_flush, transactional_db):
    """...and for the second of these tests, after the first emptied them."""
    if not AdminUnit.objects.exists():
        call_command("load_areas", verbosity=0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["declaration", "test"])
def test_a_first_test_racing_a_declaration_change_is_counted_once(
    areas_loaded, places, world, first
):
    declaration = world["declarations"][0]
    person = declaration.person
    started, release = threading.Event(), threading.Event()
    errors = []

    def change_declaration():
        with transaction.atomic():
            Declaration.objects.filter(pk=declaration.pk).update(risk_colour="red")
            started.set()
            release.wait(timeout=10)

    def first_test():
        with transaction.atomic():
            add_test(person)
            started.set()
            release.wait(timeout=10)

    holder, waiter = (
        (change_declaration, first_test)
        if first == "declaration"
        else (first_test, change_declaration)
    )

    def run(func):
        try:
            func()
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    one = threading.Thread(target=run, args=(holder,))
    one.start()
    assert started.wait(timeout=10)
    started.clear()
    two = threading.Thread(target=run, args=(waiter,))
    two.start()
    # The second waits for the first's lock on the person: it cannot finish.
    assert not started.wait(timeout=1)
    release.set()
    for thread in (one, two):
        thread.join(timeout=30)
    assert errors == []
    assert_exact()
    # The person's one declaration, red now, is counted as tested, once.
    assert sums(tested=True) == sums(tested=True, risk_colour="red") == 1


def test_the_dashboard_compacts_once_enough_deltas_pile_up(
    client, leader, places, world, monkeypatch
):
    leader(places.province)
    Declaration.objects.update(risk_colour="orange")  # two deltas per declaration
    deltas = DeclarationTally.objects.filter(merged=0).count()
    monkeypatch.setattr(tally, "COMPACT_AFTER", deltas + 1)
    assert client.get("/reports/dashboard/").status_code == 200
    assert DeclarationTally.objects.filter(merged=0).count() == deltas  # not yet
    monkeypatch.setattr(tally, "COMPACT_AFTER", deltas)
    assert client.get("/reports/dashboard/").status_code == 200
    assert not DeclarationTally.objects.filter(merged=0).exists()
    assert_exact()


@pytest.mark.parametrize(
    "rows,cols",
    [("area", ""), ("area", "colour"), ("channel", "verification"), ("colour", "medical"),
     ("date", "channel"), ("vehicle", "colour"), ("kind", "")],
)  # fmt: skip
def test_statistics_tables_count_the_same_from_the_tally(
    leader, places, world, monkeypatch, rows, cols
):
    user = leader(places.province)
    query = {**PERIOD, "date_on": "arrival"}
    fast = stats.build_table(user, query, rows, cols)
    with monkeypatch.context() as patched:
        patched.setattr(
            stats, "counting_base", lambda user, form: Declaration.objects.visible_to(user)
        )
        slow = stats.build_table(user, query, rows, cols)

    def cells(table):
        return [(row.key, row.total.value, [c.value for c in row.cells]) for row in table.rows]

    assert cells(fast) == cells(slow) and fast.total.value == slow.total.value == 8


def test_tables_read_the_tally_where_it_can_answer_and_the_declarations_elsewhere(
    leader, places, world
):
    user = leader(places.province)
    DeclarationTally.objects.update(n=0)  # a tally that counts nothing shows where it is read
    assert stats.build_table(user, {}, "area", "colour").total.value == 0
    assert stats.build_table(user, {}, "vehicle", "").total.value == 9
    assert stats.build_table(user, {"date_on": "created", **PERIOD}, "area").total.value == 8
    tally.rebuild()
    assert stats.build_table(user, {}, "area", "colour").total.value == 9
