"""One Person per ID number under concurrency (issue #12, finding 4), on
PostgreSQL (SQLite has one writer at a time): twenty declarations of one new
ID number at once, and two facilities taking in the same new person at once,
each from its own connection. A slow insert trigger holds every writer
between "nobody has this ID number" and its insert, so that all of them race.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit
from vigil.declarations import services
from vigil.declarations.forms import DeclarationForm
from vigil.declarations.models import Channel, Declaration
from vigil.people.models import Person
from vigil.quarantine import services as quarantine
from vigil.quarantine.models import Facility, Stay

from ..declarations.helpers import form_data

ID_NUMBER = "046199007777"

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def areas_loaded(areas_back_after_flush, transactional_db):
    if not AdminUnit.objects.exists():
        call_command("load_areas", verbosity=0)


@pytest.fixture
def slow_person_inserts():
    """Every new person waits a moment before its row is written: the racers
    have all looked for the ID number (and found nobody) before any inserts."""
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            """CREATE FUNCTION vigil_test_slow_person() RETURNS trigger AS $$
            BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END
            $$ LANGUAGE plpgsql"""
        )
        cursor.execute(
            f"CREATE TRIGGER vigil_test_slow_person BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION vigil_test_slow_person()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER vigil_test_slow_person ON {table}")
        cursor.execute("DROP FUNCTION vigil_test_slow_person()")


def race(workers):
    """Run `workers` (callables) at once, each on its own connection; their
    results (or exceptions) in order."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait(timeout=30)
            results[index] = work()
        except Exception as exc:  # noqa: BLE001  (reported by the test)
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def cleaned(area, **changes):
    form = DeclarationForm(form_data(area, id_number=ID_NUMBER, full_name="Võ Văn Mới", **changes))
    assert form.is_valid(), form.errors
    return form.identity(), form.declaration_data()


def test_twenty_declarations_of_one_new_id_number_make_one_person(
    areas_loaded, places, slow_person_inserts
):
    identity, data = cleaned(places.commune)

    def declare(n):
        return lambda: (
            services.submit_declaration(
                identity,
                data,
                channel=Channel.WEB,
                submitter_phone=f"0987{n:06d}",
                idempotency_key=f"race-{n}",
            ).declaration.person_id
        )

    results = race([declare(n) for n in range(20)])
    assert not [r for r in results if isinstance(r, Exception)], results
    person = Person.objects.get(id_number=ID_NUMBER)
    assert set(results) == {person.pk}
    assert Declaration.objects.filter(person=person).count() == 20
    assert person.area == places.commune


def test_two_facilities_taking_in_the_same_new_person_make_one_person_and_one_stay(
    areas_loaded, places, make_user, slow_person_inserts
):
    cdc = make_user("cdc.race", places.province, tasks=[Task.CDC])
    first = Facility.objects.create(kind="concentrated", name="KCL Một", area=places.commune)
    second = Facility.objects.create(kind="concentrated", name="KCL Hai", area=places.neighbour)
    new = cleaned(places.commune, sym_fever="1")
    today = timezone.localdate()

    def admit(facility):
        return lambda: quarantine.admit(
            cdc, facility=facility, start_date=today, new_declaration=new
        )

    results = race([admit(first), admit(second)])
    stays = [r for r in results if isinstance(r, Stay)]
    refusals = [r for r in results if isinstance(r, ValidationError)]
    assert len(stays) == 1 and len(refusals) == 1, results
    assert Person.objects.filter(id_number=ID_NUMBER).count() == 1
    assert Stay.objects.filter(end_date__isnull=True).count() == 1
    message = " ".join(refusals[0].message_dict["person"])
    assert stays[0].facility.name in message
    assert Declaration.objects.count() == 1  # the refused intake left nothing behind
