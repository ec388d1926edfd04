"""Two tracers link two records to each other at the same moment (PostgreSQL
only: SQLite has one writer at a time). Each link alone is fine; together
they would close a cycle. The chain lock makes the second wait, see the
first link, and be refused."""

import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, connections, transaction

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit
from vigil.investigation import services
from vigil.investigation.models import Case, CaseLink

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time"),
    pytest.mark.django_db(transaction=True),
]
DAY = datetime.date(2021, 7, 1)


@pytest.fixture
def areas_loaded(areas_back_after_flush, transactional_db):
    if not AdminUnit.objects.exists():
        call_command("load_areas", verbosity=0)


def _contact(actor, person, places):
    fields = {"residence": places.commune, "detection": places.commune, "contact_type": "other"}
    return services.create_case(actor, person=person, kind="contact", fields=fields)


def test_two_links_that_together_close_a_cycle_cannot_both_succeed(
    areas_loaded, places, make_user, make_person
):
    one = make_user("cdc.race1", places.province, tasks=[Task.CDC])
    two = make_user("cdc.race2", places.province, tasks=[Task.CDC])
    a = _contact(one, make_person(places.commune, "Người A"), places)
    b = _contact(one, make_person(places.commune, "Người B"), places)
    linked = threading.Event()
    results = {}

    def first():
        try:
            with transaction.atomic():
                services.update_case(b, actor=one, version=b.version, fields={}, sources=[(a, DAY)])
                linked.set()
                time.sleep(0.5)  # the second is blocked on the chain lock meanwhile
            results["first"] = "linked"
        except Exception as exc:  # noqa: BLE001  (reported below)
            results["first"] = exc
            linked.set()
        finally:
            connections.close_all()

    def second():
        try:
            linked.wait(timeout=10)
            services.update_case(a, actor=two, version=a.version, fields={}, sources=[(b, DAY)])
            results["second"] = "linked"
        except ValidationError as exc:
            results["second"] = "refused" if "sources" in exc.message_dict else exc
        except Exception as exc:  # noqa: BLE001
            results["second"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == {"first": "linked", "second": "refused"}, results
    assert list(CaseLink.objects.values_list("contact_id", "source_id")) == [(b.pk, a.pk)]
    assert Case.objects.get(pk=a.pk).version == a.version
