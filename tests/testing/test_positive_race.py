"""Two CDC users record the same positive results as handled at once
(PostgreSQL only: SQLite has one writer at a time)."""

import datetime
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit
from vigil.testing import services, worklist
from vigil.testing.models import TestResult

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def areas_loaded(areas_back_after_flush, transactional_db):
    if not AdminUnit.objects.exists():
        call_command("load_areas", verbosity=0)


def test_a_second_handling_waits_for_the_first_and_finds_nothing_waiting(
    areas_loaded, places, make_user, make_person
):
    """The first holds its transaction open after marking the results; the
    second, with the same version as read, must wait for the row locks and
    then be told nothing is waiting, not mark the results a second time."""
    first_user = make_user("cdc.race1", places.commune, tasks=[Task.CDC])
    second_user = make_user("cdc.race2", places.commune, tasks=[Task.CDC])
    person = make_person(places.commune, "Người Đua")
    sample = datetime.date(2021, 8, 1)
    services.add_results(
        None, person, [{"sample_date": sample, "test_type": "pcr", "result": "positive"}]
    )
    version = services.item_version(worklist.waiting_results(first_user, person))
    marked = threading.Event()
    results = {}

    def first():
        try:
            with transaction.atomic():
                services.record_positive_handled(first_user, person, version=version, note="A")
                marked.set()
                time.sleep(0.5)  # the second is blocked meanwhile
            results["first"] = "handled"
        except Exception as exc:  # reported below, not lost in the thread
            results["first"] = exc
            marked.set()
        finally:
            connections.close_all()

    def second():
        try:
            marked.wait(timeout=10)
            services.record_positive_handled(second_user, person, version=version, note="B")
            results["second"] = "handled"
        except services.AlreadyHandled:
            results["second"] = "already handled"
        except Exception as exc:  # noqa: BLE001
            results["second"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == {"first": "handled", "second": "already handled"}, results
    result = TestResult.objects.get(person=person)
    assert (result.handled_by, result.handled_note, result.version) == (first_user, "A", 2)
