"""Reads that may go to a streaming replica (DATABASE_REPLICA_URL).

Writes always go to "default", the primary. Reads go to "default" too, except
inside `replica_reads()` (or a function decorated with `@reads_replica`):
there they go to the "replica" alias while it is healthy, that is reachable,
still in recovery (a standby) and no more than VIGIL_REPLICA_MAX_LAG_SECONDS
behind. The check runs at most every VIGIL_REPLICA_CHECK_SECONDS per process;
a failed one keeps the replica out for VIGIL_REPLICA_RETRY_SECONDS. Inside an
atomic block on "default" the reads stay there, so that a transaction reads
its own writes.

Use it for pages and jobs that only read and can show figures a few seconds
old: statistics, the dashboard, exports, list counts. `@reads_replica` also
survives a replica that fails after the check: the call is run again with
every read on the primary, so the user sees an answer, never the error.
"""

import contextlib
import functools
import logging
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections, transaction

logger = logging.getLogger("vigil.db")

REPLICA = "replica"
ALIASES = frozenset({DEFAULT_DB_ALIAS, REPLICA})

# None outside replica_reads(); inside, a small mutable record of the context.
_context = ContextVar("vigil_replica_reads", default=None)

LAG_SQL = """
    SELECT pg_is_in_recovery(),
           CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
           END
"""


def replica_configured():
    return REPLICA in connections.settings


class _Reads:
    """What one replica_reads() context did: did any read go to the replica?"""

    __slots__ = ("enabled", "used")

    def __init__(self, enabled):
        self.enabled = enabled
        self.used = False


@contextmanager
def replica_reads(enabled=True):
    """Reads inside may go to the replica (when healthy). `enabled=False`
    turns that off again for an inner block."""
    token = _context.set(_Reads(enabled))
    try:
        yield
    finally:
        _context.reset(token)


def reads_replica(func):
    """Run `func` inside `replica_reads()`. When the replica fails in the
    middle (a connection error after it was used), mark it down and run `func`
    once more with every read on the primary. Use it only on functions that
    may run twice: views that read, exports written to a temporary file."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with replica_reads():
            try:
                return func(*args, **kwargs)
            except (OperationalError, InterfaceError) as exc:
                if not _context.get().used:
                    raise
                name = f"{func.__module__}.{func.__qualname__}"
                logger.warning("Replica failed in %s, reading from the primary: %s", name, exc)
                health.mark_down()
        with replica_reads(enabled=False):
            return func(*args, **kwargs)

    return wrapper


def parallel_aggregates(func):
    """Run `func` (a statistics page: a few large sums) in one transaction on
    the database its reads go to, with PostgreSQL's parallel workers allowed
    there (`SET LOCAL`, so nothing outlives the transaction, PgBouncer
    included). Vigil's connections run without them (settings.py,
    VIGIL_PG_PARALLEL): under load they take the cores other requests wait
    for, but a sum over a million tally rows, alone, takes a third less with
    them. Put it inside `@reads_replica`, so that the replica is chosen first.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        alias = ReplicaRouter().db_for_read(None)
        connection = connections[alias]
        workers = settings.VIGIL_PG_AGGREGATE_WORKERS
        if connection.vendor != "postgresql" or not workers:
            return func(*args, **kwargs)
        with transaction.atomic(using=alias):
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL max_parallel_workers_per_gather = {int(workers)}")
            return func(*args, **kwargs)

    return wrapper


@contextmanager
def merge_joins(alias):
    """Plan the statements run inside on PostgreSQL with merge joins only
    (nested loops and hash joins off, `SET LOCAL` in one transaction on the
    database `alias`, so nothing outlives it); elsewhere, nothing changes.

    For a capped count over tables read in one order: a commune's people,
    declarations and results each from an index range in person order
    (`visible_to(..., one_path=True)`), merged until the cap is reached.
    PostgreSQL misjudges how many people such a join keeps (a thousand where
    there are sixty thousand), so it probes the results once per person or
    hashes every one of them, 2 to 7 times slower at 10M declarations.
    """
    connection = connections[alias]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=alias):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute("SET LOCAL enable_hashjoin = off")
        yield
        # Inside a caller's transaction the block above is a savepoint, whose
        # release would keep the settings for the rest of that transaction.
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_nestloop")
            cursor.execute("RESET enable_hashjoin")


class ReplicaHealth:
    """Whether the replica may serve reads now, checked at most every few
    seconds per process and cached in between."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        """Forget the last check (the next read checks again)."""
        self.healthy = False
        self.lag = None
        self.next_check = 0.0

    def is_healthy(self):
        now = time.monotonic()
        if now < self.next_check:
            return self.healthy
        with self._lock:
            if now < self.next_check:
                return self.healthy
            healthy, self.lag = self.probe()
            if healthy != self.healthy:
                level = logging.INFO if healthy else logging.WARNING
                logger.log(level, "Replica %s (lag %s s)", "up" if healthy else "down", self.lag)
            self.healthy = healthy
            wait = settings.VIGIL_REPLICA_CHECK_SECONDS if healthy else self._retry_seconds()
            self.next_check = time.monotonic() + wait
            return healthy

    def mark_down(self):
        """The replica just failed: keep reads off it until the next retry."""
        with self._lock:
            self.healthy = False
            self.next_check = time.monotonic() + self._retry_seconds()
        _close_quietly()

    @staticmethod
    def _retry_seconds():
        return settings.VIGIL_REPLICA_RETRY_SECONDS

    def probe(self):
        """(healthy, lag in seconds or None): ask the replica itself."""
        connection = connections[REPLICA]
        try:
            with connection.cursor() as cursor:
                cursor.execute(LAG_SQL)
                in_recovery, lag = cursor.fetchone()
        except Exception as exc:  # noqa: BLE001  (any failure: unhealthy, reads go to the primary)
            logger.debug("Replica check failed: %s", exc)
            _close_quietly()
            return False, None
        lag = None if lag is None else float(lag)
        if not in_recovery:
            # Promoted, or not a standby at all: it no longer follows the primary.
            return False, lag
        return lag is not None and lag <= settings.VIGIL_REPLICA_MAX_LAG_SECONDS, lag


def _close_quietly():
    """Close this thread's replica connection, if any. A broken connection may
    fail to close; it is gone either way."""
    with contextlib.suppress(Exception):
        connections[REPLICA].close()


health = ReplicaHealth()


class ReplicaRouter:
    """DATABASE_ROUTERS entry: see the module's docstring."""

    def db_for_read(self, model, **hints):
        reads = _context.get()
        if reads is None or not reads.enabled or not replica_configured():
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS  # read your own writes
        if not health.is_healthy():
            return DEFAULT_DB_ALIAS
        reads.used = True
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        if obj1._state.db in ALIASES and obj2._state.db in ALIASES:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
