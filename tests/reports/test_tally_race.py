"""The tally under concurrent writers (PostgreSQL): batches of test results,
bulk changes of the same people's declarations, transfers and deletes, each
from its own connection, interleaved. No deadlock, and the tally still equals
a fresh count of the declarations afterwards."""

import contextlib
import datetime
import random
import threading

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, connections, transaction

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit
from vigil.declarations.models import Declaration
from vigil.declarations.transitions import TransitionRefused
from vigil.people.locks import lock_people
from vigil.reports import rollups, tally
from vigil.testing import services as testing
from vigil.testing.models import TestResult
from vigil.verification import services as verification

DAY = datetime.date(2021, 8, 1)
PEOPLE = 12
ROUNDS = 25

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def areas_loaded(areas_back_after_flush, transactional_db):
    if not AdminUnit.objects.exists():
        call_command("load_areas", verbosity=0)


@pytest.fixture
def slow_rows():
    """Every row written takes a moment, after the tally's own row triggers
    (fired in name order): the writers' statements overlap for longer, so
    that locks taken row by row in different orders would meet."""
    tables = (Declaration._meta.db_table, TestResult._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            """CREATE FUNCTION vigil_test_slow() RETURNS trigger AS $$
            BEGIN PERFORM pg_sleep(0.003); RETURN COALESCE(NEW, OLD); END
            $$ LANGUAGE plpgsql"""
        )
        for table in tables:
            cursor.execute(
                f"CREATE TRIGGER vigil_test_slow AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION vigil_test_slow()"
            )
    yield
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DROP TRIGGER vigil_test_slow ON {table}")
        cursor.execute("DROP FUNCTION vigil_test_slow()")


def declare(person, area, colour="green", state="pending"):
    return Declaration.objects.create(
        person=person,
        registration_kind="return_home",
        departure_country_id="VN",
        area=area,
        address="1 Lê Lợi",
        transport="car",
        arrival_date=DAY,
        channel="web",
        risk_colour=colour,
        verification_state=state,
        medical_state="not_flagged",
    )


def row(code):
    return {"batch_code": code, "sample_date": DAY, "test_type": "pcr", "result": "negative"}


def test_concurrent_tests_declarations_transfers_and_deletes_keep_the_tally_exact(
    areas_loaded, slow_rows, places, make_person, make_user
):
    cdc = make_user("cdc.race", places.province, tasks=[Task.CDC, Task.COMMUNITY])
    communes = [places.commune, places.neighbour]
    people = [make_person(communes[n % 2], full_name=f"Người {n}") for n in range(PEOPLE)]
    # Rows stored in another order than their people's ids: a statement
    # meets the people in an order of its own.
    for person in random.Random(1).sample(people * 2, PEOPLE * 2):
        declare(person, person.area, colour=random.Random(person.pk).choice(["green", "yellow"]))
    ids = [p.pk for p in people]
    errors = []
    start = threading.Barrier(5, timeout=30)

    def run(name, work):
        rng = random.Random(name)  # the same interleaving of choices on every run
        try:
            start.wait()
            for n in range(ROUNDS):
                try:
                    work(rng, n)
                except OperationalError as exc:  # a deadlock, a serialization failure...
                    errors.append((name, n, exc))
        except Exception as exc:  # reported below, not lost in the thread
            errors.append((name, "crashed", exc))
        finally:
            connections.close_all()

    def some(rng, k):
        chosen = rng.sample(people, k)
        rng.shuffle(chosen)  # a batch lists its people in any order
        return chosen

    def batches(rng, n):
        # Several rows per transaction, one statement each, people in any order.
        testing.add_batch(cdc, some(rng, 6), row(f"B{n}"))
        # Several rows in one statement, in any order.
        with transaction.atomic():
            TestResult.objects.bulk_create(
                [
                    TestResult(person=p, area_path=p.area_path, sample_date=DAY, test_type="rapid")
                    for p in some(rng, 5)
                ]
            )
        testing.add_results(cdc, rng.choice(people), [row(""), row("")])

    def declarations(rng, n):
        colour = rng.choice(["green", "yellow", "orange", "red"])
        state = rng.choice(["pending", "failed"])
        # Many rows in one statement...
        Declaration.objects.filter(person__in=some(rng, 8)).update(risk_colour=colour)
        # ...and several statements over several people in one transaction,
        # after locking them all at once, as every such writer must.
        with transaction.atomic():
            groups = [some(rng, 4) for _ in range(3)]
            lock_people([p.pk for group in groups for p in group], declarations=True)
            for group in groups:
                Declaration.objects.filter(person__in=group).update(
                    verification_state=state, medical_state=rng.choice(["pending", "not_flagged"])
                )

    def transfers(rng, n):
        moved = Declaration.objects.filter(person__in=some(rng, 2)).select_related("area")
        for declaration in moved:
            here = declaration.area_id == places.commune.pk
            # Failed meanwhile (refused) or deleted: not this test's business.
            with contextlib.suppress(TransitionRefused, Declaration.DoesNotExist):
                verification.transfer(
                    declaration,
                    actor=cdc,
                    version=declaration.version,
                    target=places.neighbour if here else places.commune,
                    note="Sai địa bàn",
                )

    def deletes(rng, n):
        TestResult.objects.filter(person__in=some(rng, 4)).delete()
        with transaction.atomic():
            person = rng.choice(people)
            # Locked first, like a transition, so that no event is added meanwhile.
            mine = Declaration.objects.select_for_update().filter(person=person)
            gone = mine.order_by("id").first()
            if gone is not None:
                gone.delete()
            declare(person, person.area, colour=rng.choice(["green", "red"]))

    threads = [
        threading.Thread(target=run, args=(name, work))
        for name, work in [
            ("batches-1", batches),
            ("batches-2", batches),
            ("declarations", declarations),
            ("transfers", transfers),
            ("deletes", deletes),
        ]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert tally.differences() == []
    assert rollups.differences() == []  # the statistics' rollups, same writes
    assert set(Declaration.objects.values_list("person_id", flat=True)) == set(ids)
