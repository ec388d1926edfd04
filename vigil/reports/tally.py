# ruff: noqa: S608  (SQL below is built from table and column names only, never input)
"""Declarations counted ahead of time for the leaders' dashboard.

`DeclarationTally` holds one row per (place, arrival day, channel, risk
colour, verification state, medical state) and count. Database triggers on the
declarations table keep it, so no write path (a form, the API, an Excel
import, a bulk re-evaluation of the risk rules, a transfer, a delete, a
migration) can forget it:

- an insert adds a +1 row with the new values, a delete a -1 row with the old
  ones, an update that changes a counted column both;
- rows are only ever inserted by the triggers, so two clerks saving at once
  never wait on the same counter row;
- `compact()` folds the delta rows into one merged row per key; it runs in the
  background when the dashboard sees many deltas, and from
  `manage.py tallies --compact` (a timer in a province deployment).

A sum over every row of a key is exact at any moment, before or after
compaction. `rebuild()` recounts from the declarations (the migration that
creates the table uses it), and `differences()` compares the two, for
`manage.py tallies --check`.

The triggers are installed by the migration and again after every `migrate`
(SQLite drops a table's triggers when a migration rebuilds the table).

Concurrency on PostgreSQL. It relies on READ COMMITTED, the server's default
isolation level: each statement of a trigger function sees the rows committed
before the statement started, so a statement that runs after a lock was
granted sees what the lock's previous holder committed. A person's tested flag
and the declarations counted with it change together only under a lock on the
person's row (a row lock lives in the row: a bulk update of a million
declarations does not fill the lock table as advisory locks would):

- the declarations' triggers take the people of the statement FOR SHARE
  (writers of declarations do not wait for each other), then read the flag;
- the test results' triggers take them FOR NO KEY UPDATE, then move the
  person's declarations between tested and untested.

They are statement triggers with transition tables: a statement takes all
its people at once, in ascending id order, then writes its deltas set-based
(one row per key). Two transactions that each take their people in one
ascending sweep cannot wait for each other in a cycle; the deadlock of the
row triggers came from people taken in the order rows were written (a batch
of tests for people 7 then 3, racing an update of the declarations of 3 and
7). What the database cannot order by itself is left to the writers, one
rule: people last. Rows of declarations and test results are locked before
their people, never after (new rows lock nothing anyone else waits for).

- An UPDATE or DELETE of declarations or test results takes their rows,
  then (the trigger) their people: so does a transition (row lock, then save).
- A transaction that writes rows of several people in several statements
  calls `vigil.people.locks.lock_people` first: with `declarations=True` it takes the
  declarations of those people, then the people, in one go each; with
  `tests=True` the people FOR NO KEY UPDATE. Otherwise its second statement
  could take a person below one its first statement holds. Batch entry of
  test results does (vigil/testing/services.py); it only adds rows after
  that. Taking the people before the declarations instead would meet a
  transition (declaration, then person) the other way round, and deadlock as
  soon as a writer of tests queued for one of those people in between.
- Setting results from a lab sheet updates test rows without moving them to
  another person: their trigger takes no person lock, so it locks only the
  test rows (one ordered SELECT ... FOR UPDATE).

SQLite keeps row triggers: it has one writer at a time, nothing to order.
"""

import logging

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Sum

from vigil.declarations.models import Declaration
from vigil.people.models import Person
from vigil.testing.models import TestResult

from .models import DeclarationTally, TestedPerson

log = logging.getLogger(__name__)

SOURCE = Declaration._meta.db_table
TABLE = DeclarationTally._meta.db_table
TESTS = TestResult._meta.db_table
TESTED = TestedPerson._meta.db_table
# Counted columns of a declaration, the same names on both tables.
KEY = (
    "area_id",
    "area_path",
    "arrival_date",
    "channel",
    "risk_colour",
    "verification_state",
    "medical_state",
)
COLUMNS = ", ".join(KEY)
ALL = (*KEY, "tested")  # the tally's whole key
ALL_COLUMNS = ", ".join(ALL)
# The dashboard compacts in the background past this many delta rows.
COMPACT_AFTER = 20_000
TRIGGER_NAMES = (
    "vigil_tally_insert",
    "vigil_tally_delete",
    "vigil_tally_update",
    "vigil_tally_test_insert",
    "vigil_tally_test_delete",
    "vigil_tally_test_update",
)
PEOPLE = Person._meta.db_table
# Who writes several people's rows first takes their locks at once (the
# triggers below take them row by row): see vigil.people.locks.
# The PostgreSQL trigger functions of earlier versions (row triggers), dropped.
OLD_FUNCTIONS = ("vigil_tally_declaration", "vigil_tally_test")


def _row(prefix, n):
    """The VALUES of one delta row for the OLD or NEW declaration."""
    columns = ", ".join(f"{prefix}.{column}" for column in KEY)
    tested = f"EXISTS (SELECT 1 FROM {TESTED} WHERE person_id = {prefix}.person_id)"
    return f"{columns}, {tested}, {n}, 0"


def _flip(person, tested_before, when="TRUE"):
    """Delta rows moving every declaration of `person` from tested_before to
    its opposite: run when a person gets a first test or loses the last one."""
    before, after = ("TRUE", "FALSE") if tested_before else ("FALSE", "TRUE")
    where = f"WHERE person_id = {person} AND {when}"
    return f"""INSERT INTO {TABLE} ({ALL_COLUMNS}, n, merged)
        SELECT {COLUMNS}, {before}, -1, 0 FROM {SOURCE} {where}
        UNION ALL
        SELECT {COLUMNS}, {after}, 1, 0 FROM {SOURCE} {where}"""


def _changed(distinct):
    return " OR ".join(f"OLD.{column} {distinct} NEW.{column}" for column in (*KEY, "person_id"))


def _lock(rows, mode):
    """Lock the people of `rows` (a query of person ids), ascending (see the
    module's docstring); FOUND is false when there is none."""
    return f"PERFORM 1 FROM {PEOPLE} WHERE id IN ({rows}) ORDER BY id FOR {mode}"


def _counted(rows, n="r.n"):
    """The delta rows of `rows` (declarations, or a transition table of them),
    one per key: the sum of `n` (1 or -1 each). A person's tested flag is read
    by this statement, after the person's lock was granted."""
    columns = ", ".join(f"r.{column}" for column in KEY)
    return f"""INSERT INTO {TABLE} ({ALL_COLUMNS}, n, merged)
        SELECT {columns}, t.person_id IS NOT NULL, sum({n}), 0
        FROM {rows} r LEFT JOIN {TESTED} t ON t.person_id = r.person_id
        GROUP BY {columns}, t.person_id IS NOT NULL
        HAVING sum({n}) <> 0"""


def _flip_people(people, tested_before):
    """Delta rows moving every declaration of the people in the CTE `people`
    from tested_before to its opposite."""
    before, after = ("TRUE", "FALSE") if tested_before else ("FALSE", "TRUE")
    where = f"WHERE person_id IN (SELECT person_id FROM {people})"
    return f"""INSERT INTO {TABLE} ({ALL_COLUMNS}, n, merged)
        SELECT {COLUMNS}, {before}, -count(*), 0 FROM {SOURCE} {where} GROUP BY {COLUMNS}
        UNION ALL
        SELECT {COLUMNS}, {after}, count(*), 0 FROM {SOURCE} {where} GROUP BY {COLUMNS}"""


def _first_tests(people):
    """People of `people` (a query of ids) with no test before: now tested."""
    return f"""WITH first AS (
            INSERT INTO {TESTED} (person_id) SELECT DISTINCT * FROM ({people}) x
            ON CONFLICT DO NOTHING RETURNING person_id
        )
        {_flip_people("first", tested_before=False)}"""


def _last_tests(people):
    """People of `people` (a query of ids) with no test left: no longer tested."""
    return f"""WITH last AS (
            DELETE FROM {TESTED} p WHERE person_id IN ({people})
            AND NOT EXISTS (SELECT 1 FROM {TESTS} WHERE person_id = p.person_id)
            RETURNING person_id
        )
        {_flip_people("last", tested_before=True)}"""


# Statement triggers with transition tables: each statement locks its people
# once, in ascending id order, and writes its deltas in one INSERT (one row per
# key, not per declaration).
TRANSITION_TABLES = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def _update_delta():
    """An update of declarations as (person_id, counted columns, n) rows.

    The old and new rows are compared by adding them up (-1 for each old row,
    +1 for each new one, grouped by person and counted columns): the rows
    whose counted columns and person did not change cancel out. Not by
    joining the two transition tables on id: PL/pgSQL plans a statement once
    per session, with the row count of the first call, so after a few
    single-row updates a join planned for one row (a nested loop) took 4 s
    for an update of 1,000 rows.
    """
    columns = ", ".join(("person_id", *KEY))
    delta = f"SELECT {columns}, -1 AS n FROM old_rows UNION ALL SELECT {columns}, 1 FROM new_rows"
    changed_people = f"SELECT person_id FROM ({delta}) d GROUP BY {columns} HAVING sum(n) <> 0"
    return delta, changed_people


# An update of test results, as the people who lost (n < 0) or gained (n > 0) a test.
TEST_MOVES = (
    "SELECT person_id, sum(n) AS n FROM (SELECT id, person_id, -1 AS n FROM old_rows "
    "UNION ALL SELECT id, person_id, 1 FROM new_rows) m "
    "GROUP BY id, person_id HAVING sum(n) <> 0"
)


def _declaration_bodies():
    """The PL/pgSQL bodies of the triggers on declarations, by function name."""
    delta, changed_people = _update_delta()
    return {
        "vigil_tally_insert": f"""
            {_lock("SELECT person_id FROM new_rows", "SHARE")};
            {_counted("new_rows", 1)};""",
        "vigil_tally_delete": f"""
            {_lock("SELECT person_id FROM old_rows", "SHARE")};
            {_counted("old_rows", -1)};""",
        "vigil_tally_update": f"""
            {_lock(changed_people, "SHARE")};
            IF NOT FOUND THEN
                RETURN NULL;  -- no counted column changed
            END IF;
            {_counted(f"({delta})")};""",
    }


def _test_bodies():
    """The PL/pgSQL bodies of the triggers on test results, by function name."""
    moves = TEST_MOVES
    return {
        "vigil_tally_test_insert": f"""
            {_lock("SELECT person_id FROM new_rows", "NO KEY UPDATE")};
            {_first_tests("SELECT person_id FROM new_rows")};""",
        "vigil_tally_test_delete": f"""
            {_lock("SELECT person_id FROM old_rows", "NO KEY UPDATE")};
            {_last_tests("SELECT person_id FROM old_rows")};""",
        "vigil_tally_test_update": f"""
            {_lock(f"SELECT person_id FROM ({moves}) x", "NO KEY UPDATE")};
            IF NOT FOUND THEN
                RETURN NULL;  -- no result moved to another person
            END IF;
            {_last_tests(f"SELECT person_id FROM ({moves}) x WHERE n < 0")};
            {_first_tests(f"SELECT person_id FROM ({moves}) x WHERE n > 0")};""",
    }


def _statement_trigger(name, body):
    """The function `name` running `body` and its statement trigger, on the
    table and event its name says (vigil_tally[_test]_<event>)."""
    event = name.rsplit("_", 1)[1].upper()
    table = TESTS if "_test_" in name else SOURCE
    return [
        f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
            BEGIN
                {body}
                RETURN NULL;
            END
            $$ LANGUAGE plpgsql""",
        f"""CREATE TRIGGER {name} AFTER {event} ON {table}
            {TRANSITION_TABLES[event]} FOR EACH STATEMENT EXECUTE FUNCTION {name}()""",
    ]


def _postgresql_sql():
    sql = [
        *(f"DROP TRIGGER IF EXISTS {name} ON {SOURCE}" for name in TRIGGER_NAMES[:3]),
        *(f"DROP TRIGGER IF EXISTS {name} ON {TESTS}" for name in TRIGGER_NAMES[3:]),
        *(f"DROP FUNCTION IF EXISTS {name}()" for name in OLD_FUNCTIONS),
    ]
    for name, body in {**_declaration_bodies(), **_test_bodies()}.items():
        sql += _statement_trigger(name, body)
    return sql


def _sqlite_sql():
    # One writer at a time: no locks needed. Row triggers run as each row is
    # written, so the first of several new tests of a person flips the tally.
    insert = f"INSERT INTO {TABLE} ({ALL_COLUMNS}, n, merged) VALUES"
    lost_last = f"""NOT EXISTS (SELECT 1 FROM {TESTS} WHERE person_id = OLD.person_id)"""
    first = f"""NOT EXISTS (SELECT 1 FROM {TESTED} WHERE person_id = NEW.person_id)"""
    return [
        *(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGER_NAMES),
        f"""CREATE TRIGGER vigil_tally_insert AFTER INSERT ON {SOURCE}
            BEGIN {insert} ({_row("NEW", 1)}); END""",
        f"""CREATE TRIGGER vigil_tally_delete AFTER DELETE ON {SOURCE}
            BEGIN {insert} ({_row("OLD", -1)}); END""",
        f"""CREATE TRIGGER vigil_tally_update AFTER UPDATE ON {SOURCE}
            WHEN {_changed("IS NOT")}
            BEGIN {insert} ({_row("OLD", -1)}); {insert} ({_row("NEW", 1)}); END""",
        f"""CREATE TRIGGER vigil_tally_test_insert AFTER INSERT ON {TESTS}
            WHEN {first}
            BEGIN
                {_flip("NEW.person_id", tested_before=False)};
                INSERT INTO {TESTED} (person_id) VALUES (NEW.person_id);
            END""",
        f"""CREATE TRIGGER vigil_tally_test_delete AFTER DELETE ON {TESTS}
            WHEN {lost_last}
            BEGIN
                DELETE FROM {TESTED} WHERE person_id = OLD.person_id;
                {_flip("OLD.person_id", tested_before=True)};
            END""",
        f"""CREATE TRIGGER vigil_tally_test_update AFTER UPDATE OF person_id ON {TESTS}
            WHEN OLD.person_id IS NOT NEW.person_id
            BEGIN
                {_flip("OLD.person_id", tested_before=True, when=lost_last)};
                DELETE FROM {TESTED} WHERE person_id = OLD.person_id AND {lost_last};
                {_flip("NEW.person_id", tested_before=False, when=first)};
                INSERT OR IGNORE INTO {TESTED} (person_id) VALUES (NEW.person_id);
            END""",
    ]


def trigger_sql(vendor):
    if vendor == "postgresql":
        return _postgresql_sql()
    if vendor == "sqlite":
        return _sqlite_sql()
    raise NotImplementedError(f"No tally triggers for the {vendor} database")


def install_triggers(using=None):
    """(Re)create the triggers; safe to run any number of times."""
    conn = _connection(using)
    with conn.cursor() as cursor:
        for statement in trigger_sql(conn.vendor):
            cursor.execute(statement)


def drop_triggers(using=None):
    conn = _connection(using)
    with conn.cursor() as cursor:
        for name in TRIGGER_NAMES:
            if conn.vendor == "postgresql":
                table = TESTS if "test" in name else SOURCE
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def reinstall_after_migrate(using=None, **kwargs):
    """post_migrate: put the triggers back if the tables are there (SQLite
    drops them when a migration rebuilds the declarations table)."""
    conn = _connection(using)
    tables = set(conn.introspection.table_names())
    if {SOURCE, TESTS, TABLE, TESTED} <= tables:
        install_triggers(conn.alias)
    from . import rollups  # the statistics' rollups, kept the same way

    rollups.reinstall_after_migrate(conn.alias)


def triggers_installed(using=None):
    conn = _connection(using)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT count(DISTINCT tgname) FROM pg_trigger WHERE tgname = ANY(%s)",
                [list(TRIGGER_NAMES)],
            )
        else:
            placeholders = ", ".join(["%s"] * len(TRIGGER_NAMES))
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                f"AND name IN ({placeholders})",
                list(TRIGGER_NAMES),
            )
        return cursor.fetchone()[0] == len(TRIGGER_NAMES)


def _connection(using):
    if using is None:
        return connection
    from django.db import connections

    return connections[using]


def rebuild(using=None):
    """Recount everything from the declarations and test results, in one
    transaction that holds off writers to both meanwhile."""
    conn = _connection(using)
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {SOURCE}, {TESTS} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {TESTED}")
        cursor.execute(f"INSERT INTO {TESTED} (person_id) SELECT DISTINCT person_id FROM {TESTS}")
        cursor.execute(f"DELETE FROM {TABLE}")
        columns = ", ".join(f"d.{column}" for column in KEY)
        cursor.execute(
            f"""INSERT INTO {TABLE} ({ALL_COLUMNS}, n, merged)
            SELECT {columns}, t.person_id IS NOT NULL, count(*), 1
            FROM {SOURCE} d LEFT JOIN {TESTED} t ON t.person_id = d.person_id
            GROUP BY {columns}, t.person_id IS NOT NULL"""
        )


def pending_deltas(limit=None, model=DeclarationTally):
    """How many delta rows wait to be merged, counted up to `limit`."""
    limit = limit or COMPACT_AFTER
    return model.objects.filter(merged=0).values("pk")[:limit].count()


def compact(using=None):
    """Fold the delta rows into one merged row per key. Returns the number of
    delta rows folded. Readers see the sums before or after, never between."""
    return compact_table(TABLE, ALL_COLUMNS, using)


def compact_table(table, key_columns, using=None):
    """`compact()` for any table of delta rows (key columns, n, merged), such as
    the rollups of vigil.reports.rollups. The key columns must be NOT NULL: the
    row comparison below never matches a NULL."""
    conn = _connection(using)
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # One statement: a delta committed meanwhile by another
            # transaction is not seen by the DELETE, so it stays as a delta.
            cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [table])
            if not cursor.fetchone()[0]:
                return 0  # another compaction is running
            # The deltas were not there when the table was last analysed: the
            # planner would expect one and loop over the table per key.
            cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute(f"SELECT count(*) FROM {table} WHERE merged = 0")
            folded = cursor.fetchone()[0]
            cursor.execute(
                f"""
                WITH moved AS (
                    DELETE FROM {table}
                    WHERE ({key_columns}) IN (SELECT {key_columns} FROM {table} WHERE merged = 0)
                    RETURNING {key_columns}, n
                )
                INSERT INTO {table} ({key_columns}, n, merged)
                SELECT {key_columns}, sum(n), 1 FROM moved GROUP BY {key_columns} HAVING sum(n) <> 0
                """
            )
            return folded
        # SQLite: the first INSERT takes the database's write lock, so no
        # other writer runs until the transaction ends.
        cursor.execute(
            f"""
            INSERT INTO {table} ({key_columns}, n, merged)
            SELECT {key_columns}, sum(n), 2 FROM {table}
            WHERE ({key_columns}) IN (SELECT {key_columns} FROM {table} WHERE merged = 0)
            GROUP BY {key_columns}
            """
        )
        cursor.execute(f"SELECT count(*) FROM {table} WHERE merged = 0")
        folded = cursor.fetchone()[0]
        cursor.execute(
            f"""
            DELETE FROM {table} WHERE merged < 2
            AND ({key_columns}) IN (SELECT {key_columns} FROM {table} WHERE merged = 2)
            """
        )
        cursor.execute(f"DELETE FROM {table} WHERE merged = 2 AND n = 0")
        cursor.execute(f"UPDATE {table} SET merged = 1 WHERE merged = 2")
        return folded


def vacuum(using=None, table=TABLE):
    """PostgreSQL: reclaim the rows compaction deleted and refresh the planner's
    statistics of the tally (whether or not the server's autovacuum is on)."""
    conn = _connection(using)
    if conn.vendor == "postgresql" and not conn.in_atomic_block:
        with conn.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")


def compact_if_needed():
    """Compact when enough deltas have piled up; for a background thread."""
    try:
        if pending_deltas() >= COMPACT_AFTER:
            folded = compact()
            vacuum()
            log.info("Folded %s tally deltas", folded)
    except Exception:  # noqa: BLE001  (a background chore: log it, the sums stay exact)
        log.exception("Compacting the declaration tally failed")


def schedule_compaction():
    """From a page that reads the tally: compact in the background once
    enough deltas have piled up (the sums are exact either way)."""
    from vigil.core.jobs import run_in_background

    if pending_deltas() >= COMPACT_AFTER:
        run_in_background(compact_if_needed)


def differences():
    """Keys where the tally and a fresh count of the declarations disagree:
    [(key dict, tally, declarations)]. Empty when all is well."""
    tested = Exists(TestResult.objects.filter(person=OuterRef("person_id")))
    counted = {
        tuple(row[c] for c in ALL): row["n"]
        for row in Declaration.objects.order_by().values(*KEY, tested=tested).annotate(n=Count("*"))
    }
    tallied = {
        tuple(row[c] for c in ALL): row["n"]
        for row in DeclarationTally.objects.order_by().values(*ALL).annotate(n=Sum("n"))
    }
    wrong = []
    for key in sorted(set(counted) | set(tallied), key=str):
        if counted.get(key, 0) != tallied.get(key, 0):
            where = dict(zip(ALL, key, strict=True))
            wrong.append((where, tallied.get(key, 0), counted.get(key, 0)))
    return wrong
