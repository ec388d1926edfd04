"""Reads from a streaming replica (vigil.core.db_router, DATABASE_REPLICA_URL).

The first tests check the routing rules alone and run on any database. The
others need a real PostgreSQL streaming replica of the test server:

    scripts/pg_replica.sh start
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigil_test \\
    DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/vigil_test \\
    VIGIL_TESTING=true .venv/bin/pytest tests/core/test_replica.py --create-db

The replica copies the whole server, the test database included: the test
runner gives the "replica" alias the test database's name (TEST MIRROR) and
it reads there, on the replica's port. Without a replica these tests are
skipped, except under CI=true on PostgreSQL, where they fail.
"""

import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, connections, router, transaction
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit
from vigil.core import db_router
from vigil.core.db_router import REPLICA, health, reads_replica, replica_reads
from vigil.declarations.forms import DeclarationForm
from vigil.declarations.models import Channel
from vigil.declarations.services import submit_declaration
from vigil.people.models import Person

from ..declarations.helpers import form_data

ON_POSTGRESQL = connection.vendor == "postgresql"
HAS_REPLICA = REPLICA in connections.settings
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_health():
    """Every test starts with no cached check, and leaves none behind."""
    health.reset()
    yield
    health.reset()


@pytest.fixture
def pretend_replica(monkeypatch):
    """A configured replica whose health the test decides (no server needed)."""
    state = {"healthy": True, "probes": 0}

    def probe():
        state["probes"] += 1
        return state["healthy"], 0.0

    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    monkeypatch.setattr(health, "probe", probe)
    return state


# The routing rules ------------------------------------------------------------------


def test_reads_go_to_the_primary_outside_replica_reads(pretend_replica):
    assert router.db_for_read(Person) == "default"
    with replica_reads():
        assert router.db_for_read(Person) == REPLICA
    assert router.db_for_read(Person) == "default"


def test_writes_and_migrations_stay_on_the_primary(pretend_replica):
    with replica_reads():
        assert router.db_for_write(Person) == "default"
    assert router.allow_migrate("default", "people")
    assert not router.allow_migrate(REPLICA, "people")


def test_an_unhealthy_replica_leaves_the_reads_on_the_primary(pretend_replica):
    pretend_replica["healthy"] = False
    with replica_reads():
        assert router.db_for_read(Person) == "default"


def test_an_inner_block_can_turn_the_replica_off(pretend_replica):
    with replica_reads(), replica_reads(enabled=False):
        assert router.db_for_read(Person) == "default"


@pytest.mark.django_db
def test_inside_an_atomic_block_the_reads_stay_on_the_primary(pretend_replica):
    # A (non-transactional) test runs inside an atomic block, like a request
    # that has written something: it must read its own writes.
    assert connections["default"].in_atomic_block
    with replica_reads():
        assert router.db_for_read(Person) == "default"
    assert pretend_replica["probes"] == 0


def test_the_health_check_is_cached_then_repeated(pretend_replica, settings):
    settings.VIGIL_REPLICA_CHECK_SECONDS = 60
    assert health.is_healthy() and health.is_healthy()
    assert pretend_replica["probes"] == 1
    settings.VIGIL_REPLICA_CHECK_SECONDS = 0
    health.reset()
    assert health.is_healthy() and health.is_healthy()
    assert pretend_replica["probes"] == 3


def test_a_failed_check_keeps_the_replica_out_until_the_retry(pretend_replica, settings):
    settings.VIGIL_REPLICA_CHECK_SECONDS = 0
    settings.VIGIL_REPLICA_RETRY_SECONDS = 60
    pretend_replica["healthy"] = False
    assert not health.is_healthy()
    pretend_replica["healthy"] = True
    assert not health.is_healthy()  # not asked again before the retry
    assert pretend_replica["probes"] == 1
    settings.VIGIL_REPLICA_RETRY_SECONDS = 0
    health.reset()
    assert health.is_healthy()


def test_a_replica_failing_mid_call_is_retried_on_the_primary(pretend_replica):
    calls = []

    @reads_replica
    def read():
        calls.append(router.db_for_read(Person))
        if calls[-1] == REPLICA:
            raise OperationalError("server closed the connection unexpectedly")
        return "answer"

    assert read() == "answer"
    assert calls == [REPLICA, "default"]
    # Marked down: the next calls do not try the replica again.
    assert read() == "answer" and calls[-1] == "default"
    assert pretend_replica["probes"] == 1


def test_an_error_of_the_primary_is_not_hidden(pretend_replica):
    pretend_replica["healthy"] = False

    @reads_replica
    def read():
        router.db_for_read(Person)
        raise OperationalError("the primary is down")

    with pytest.raises(OperationalError, match="primary"):
        read()


SHOW_DATABASES = (
    "import json; from django.conf import settings; "
    "print(json.dumps(settings.DATABASES, default=str))"
)


def databases(**env):
    """settings.DATABASES in a fresh process with the environment `env`."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "VIGIL_PG"))}
    environ.update(DJANGO_SETTINGS_MODULE="vigil.settings", VIGIL_TESTING="true", **env)
    done = subprocess.run(
        [sys.executable, "-c", SHOW_DATABASES],
        env=environ,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return json.loads(done.stdout) if done.returncode == 0 else done.stderr


def test_the_replica_alias_is_configured_only_from_its_url():
    primary = "postgres://vigil@db1:5432/vigil"
    assert set(databases(DATABASE_URL=primary)) == {"default"}
    replica = databases(DATABASE_URL=primary, DATABASE_REPLICA_URL="postgres://vigil@db2/vigil")
    assert replica["replica"]["HOST"] == "db2"
    assert replica["replica"]["TEST"] == {"MIRROR": "default"}
    assert replica["replica"]["OPTIONS"]["connect_timeout"] == 2
    assert "jit=off" in replica["replica"]["OPTIONS"]["options"]
    assert "max_parallel_workers_per_gather=0" in replica["replica"]["OPTIONS"]["options"]
    # SQLite has no replicas: the URL is ignored (tests that start Vigil on
    # SQLite in a subprocess inherit it from a PostgreSQL run).
    assert set(databases(DATABASE_REPLICA_URL="postgres://vigil@db2/vigil")) == {"default"}
    assert "PostgreSQL" in databases(DATABASE_URL=primary, DATABASE_REPLICA_URL="sqlite:///x")


def test_behind_pgbouncer_there_are_no_server_side_cursors_nor_startup_options():
    both = databases(
        DATABASE_URL="postgres://vigil@pgbouncer:6432/vigil",
        DATABASE_REPLICA_URL="postgres://vigil@pgbouncer:6432/vigil_replica",
        VIGIL_PGBOUNCER="true",
    )
    for alias in ("default", "replica"):
        assert both[alias]["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert "options" not in both[alias]["OPTIONS"]


# Against a real streaming replica --------------------------------------------------


@pytest.fixture
def replica(settings, areas_loaded):
    """The real replica, caught up with the primary; skipped without one (failed
    under CI=true)."""
    if not HAS_REPLICA:
        message = "DATABASE_REPLICA_URL is not set: start one with scripts/pg_replica.sh start"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    settings.VIGIL_REPLICA_CHECK_SECONDS = 5
    settings.VIGIL_REPLICA_RETRY_SECONDS = 30
    settings.VIGIL_REPLICA_MAX_LAG_SECONDS = 30
    wait_for_replay()
    return connections[REPLICA]


@pytest.fixture
def areas_loaded(areas_back_after_flush, transactional_db):
    if not AdminUnit.objects.exists():
        call_command("load_areas", verbosity=0)


def real_replica(test):
    """Marks of the tests that need the real replica (transactional: the rows
    must be committed to reach it)."""
    test = pytest.mark.django_db(transaction=True, databases="__all__")(test)
    return pytest.mark.skipif(not ON_POSTGRESQL, reason="a streaming replica needs PostgreSQL")(
        test
    )


def replica_sql(sql, params=()):
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def wait_for_replay(timeout=30):
    """Until the replica has replayed everything the primary has written."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    while not replica_sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])[0]:
        if time.monotonic() > deadline:
            pytest.fail(f"the replica did not replay up to {target} in {timeout} s")
        time.sleep(0.05)


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def break_replica(replica):
    """Point the replica alias at a port where nothing listens."""
    replica.close()
    port = replica.settings_dict["PORT"]
    replica.settings_dict["PORT"] = closed_port()
    return port


def declare(area, **changes):
    form = DeclarationForm(form_data(area, **changes))
    assert form.is_valid(), form.errors
    return submit_declaration(form.identity(), form.declaration_data(), channel=Channel.WEB)


def identity(name, n):
    return {"full_name": name, "id_number": f"0010900000{n:02d}", "phone": f"09050000{n:02d}"}


def three_declarations(places):
    declare(places.commune, **identity("Nguyễn Văn Một", 1))
    declare(places.commune, **identity("Trần Thị Hai", 2))
    declare(places.far, **identity("Bùi Văn Xa", 3))


def stats_total(client):
    """The total of the statistics page of the people behind the numbers."""
    response = client.get("/reports/stats/people/")
    assert response.status_code == 200
    return int(response.content.decode().split('id="total" data-n="', 1)[1].split('"', 1)[0])


def exported_rows(client):
    response = client.get("/reports/export/", {"list": "declarations"})
    assert response["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [row[1] for row in sheet.iter_rows(min_row=4, values_only=True)]


@pytest.fixture
def staff(client, make_user, places):
    """A leader of Thành phố Huế who may also export."""
    user = make_user("leader.hue", places.district, tasks=[Task.LEADER, Task.CDC])
    client.force_login(user)
    return user


@real_replica
def test_a_row_written_on_the_primary_is_read_from_the_replica(replica, places, make_person):
    pk = make_person(places.commune, full_name="Lê Văn Bản Sao").pk
    wait_for_replay()
    with replica_reads(), CaptureQueriesContext(replica) as on_replica:
        person = Person.objects.annotate(
            standby=RawSQL("pg_is_in_recovery()", []), port=RawSQL("inet_server_port()", [])
        ).get(pk=pk)
    assert person.full_name == "Lê Văn Bản Sao"
    assert person._state.db == REPLICA
    assert person.standby is True and person.port == int(replica.settings_dict["PORT"])
    assert any(str(pk) in q["sql"] for q in on_replica.captured_queries)


@real_replica
def test_a_lagging_replica_leaves_the_reads_on_the_primary(replica, places, make_person, settings):
    settings.VIGIL_REPLICA_MAX_LAG_SECONDS = 1
    settings.VIGIL_REPLICA_CHECK_SECONDS = 0
    replica_sql("SELECT pg_wal_replay_pause()")
    try:
        pk = make_person(places.commune, full_name="Phạm Thị Trễ").pk
        deadline = time.monotonic() + 20
        while health.is_healthy():  # the write arrives, is not replayed, ages
            assert time.monotonic() < deadline, f"lag still {health.lag} s"
            time.sleep(0.2)
        assert health.lag > 1
        assert not Person.objects.using(REPLICA).filter(pk=pk).exists()
        with replica_reads(), CaptureQueriesContext(replica) as on_replica:
            assert router.db_for_read(Person) == "default"
            assert Person.objects.get(pk=pk).full_name == "Phạm Thị Trễ"
        assert on_replica.captured_queries == []
    finally:
        replica_sql("SELECT pg_wal_replay_resume()")
    wait_for_replay()
    health.reset()
    settings.VIGIL_REPLICA_MAX_LAG_SECONDS = 30
    with replica_reads():
        assert Person.objects.get(pk=pk)._state.db == REPLICA


@real_replica
def test_statistics_and_exports_read_from_a_healthy_replica(replica, places, staff, client):
    three_declarations(places)
    wait_for_replay()
    with CaptureQueriesContext(replica) as on_replica:
        assert stats_total(client) == 2
    assert len(on_replica.captured_queries) > 0
    with CaptureQueriesContext(replica) as on_replica:
        assert sorted(exported_rows(client)) == ["Nguyễn Văn Một", "Trần Thị Hai"]
    assert any('"declarations_declaration"' in q["sql"] for q in on_replica.captured_queries)


@real_replica
def test_with_the_replica_down_statistics_and_exports_answer_from_the_primary(
    replica, places, staff, client
):
    three_declarations(places)
    port = break_replica(replica)
    try:
        assert stats_total(client) == 2
        assert client.get("/reports/dashboard/").status_code == 200
        assert sorted(exported_rows(client)) == ["Nguyễn Văn Một", "Trần Thị Hai"]
        assert health.healthy is False
    finally:
        replica.close()
        replica.settings_dict["PORT"] = port


@real_replica
def test_a_replica_lost_after_its_check_is_retried_on_the_primary(replica, places, staff, client):
    three_declarations(places)
    assert health.is_healthy()  # checked now, believed for the next 5 s
    port = break_replica(replica)
    try:
        # Not yet replayed there, but it is the primary that answers.
        declare(places.commune, **identity("Võ Văn Bốn", 4))
        assert stats_total(client) == 3
        assert health.healthy is False
        assert health.is_healthy() is False  # and stays out until the retry
    finally:
        replica.close()
        replica.settings_dict["PORT"] = port


@real_replica
def test_writes_go_to_the_primary_and_a_transaction_reads_its_own(replica, places, make_person):
    with replica_reads(), CaptureQueriesContext(replica) as on_replica:
        assert router.db_for_read(Person) == REPLICA  # the replica is healthy
        person = make_person(places.commune, full_name="Đỗ Văn Ghi")
        assert person._state.db == "default"
        with transaction.atomic():
            Person.objects.filter(pk=person.pk).update(full_name="Đỗ Văn Sửa")
            assert Person.objects.get(pk=person.pk).full_name == "Đỗ Văn Sửa"
    touched = ("INSERT", "UPDATE", '"people_person"')
    assert not any(t in q["sql"] for q in on_replica.captured_queries for t in touched)
    assert Person.objects.using("default").get(pk=person.pk).full_name == "Đỗ Văn Sửa"


def test_parallel_workers_and_jit_are_off_unless_asked_for():
    primary = "postgres://vigil@db1:5432/vigil"
    options = databases(DATABASE_URL=primary)["default"]["OPTIONS"]["options"]
    assert options == "-c jit=off -c max_parallel_workers_per_gather=0"
    on = databases(DATABASE_URL=primary, VIGIL_PG_PARALLEL="true", VIGIL_PG_JIT="true")
    assert "options" not in on["default"]["OPTIONS"] or not on["default"]["OPTIONS"]["options"]
    bouncer = databases(DATABASE_URL=primary, VIGIL_PGBOUNCER="true")["default"]["OPTIONS"]
    assert "options" not in bouncer


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL's own settings")
def test_a_connection_runs_without_parallel_workers(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL's own settings")
@pytest.mark.django_db(transaction=True)
def test_a_statistics_page_may_use_parallel_workers_for_its_transaction_only(settings):
    from vigil.core.db_router import parallel_aggregates

    def workers():
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            return cursor.fetchone()[0]

    assert parallel_aggregates(workers)() == "2"
    assert workers() == "0"
    settings.VIGIL_PG_AGGREGATE_WORKERS = 0
    assert parallel_aggregates(workers)() == "0"
