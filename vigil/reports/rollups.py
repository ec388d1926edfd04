# ruff: noqa: S608  (SQL below is built from table and column names only, never input)
"""Declarations counted ahead of time for the statistics by departure place
and by flight (vigil.reports.models): `DepartureTotal` and `VehicleTotal`
count all days (a few rows per commune however many declarations: the tables
without dates), `DepartureTally` and `VehicleTally` the same by arrival day
(the tables between arrival dates).

They work as the dashboard's tally (vigil/reports/tally.py) does, and keep
its guarantees:

- database triggers on the declarations table keep them, so every write path
  (a form, the API, an import, a bulk update, a transfer, a delete) counts:
  an insert adds +1 rows with the new values, a delete -1 rows with the old
  ones, an update that changes a counted column both;
- rows are only ever inserted by the triggers (no counter row to wait on), and
  `compact()` folds the deltas into one merged row per key (the dashboard's
  timer, `manage.py tallies --compact`, and in the background when a
  statistics table sees many deltas); a sum over all rows of a key is exact
  at any moment;
- `rebuild()` recounts from the declarations and `differences()` compares the
  two (`manage.py tallies --check / --rebuild`);
- the triggers are installed by the migration and again after every
  `migrate` (SQLite drops a table's triggers when a migration rebuilds it).

Unlike the tally they count nothing about people (no tested flag), so their
triggers lock nothing: writers only ever insert rows here, and cannot wait for
each other on them (the tally's rules for the order of locks are unchanged).
PostgreSQL runs one statement trigger per event with transition tables (the
statement's rows mapped once, then one INSERT per rollup, one row per key);
SQLite row triggers.

What they count:

- departures: place (area, area_path), [arrival day,] departure country and,
  in Vietnam, the province of the departure unit: the unit of the same tree
  whose path is the first code of the unit's path (as `DepartureDimension`
  maps it), 0 when there is no unit or no such province. The administrative
  units are reference data: if a unit's path changed, `rebuild()` would
  recount (and `differences()` shows it).
- vehicles: declarations by plane or train only (ROLLED_TRANSPORTS), by place,
  [arrival day,] transport and number in upper case. Road vehicles are left
  out: each plate is its own group, about as many rows as declarations.
"""

from collections import Counter

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import Upper

from vigil.areas.models import AdminUnit, Level
from vigil.declarations.models import Declaration, Transport

from . import tally
from .models import DepartureTally, DepartureTotal, VehicleTally, VehicleTotal

SOURCE = Declaration._meta.db_table
UNITS = AdminUnit._meta.db_table
# Transports whose numbers are few (flights, trains): counted by the vehicle rollups.
ROLLED_TRANSPORTS = (Transport.PLANE.value, Transport.TRAIN.value)
PLACE = ("area_id", "area_path")
# The declaration columns the rollups read.
READ = (
    *PLACE, "arrival_date", "departure_country_id", "departure_unit_id", "transport",
    "transport_number",
)  # fmt: skip
READ_COLUMNS = ", ".join(READ)
DEPARTURE = ("departure_country", "departure_province")
VEHICLE = ("transport", "vehicle")
# Each rollup: (model, key columns, its total: the same without the day).
ROLLUPS = {
    DepartureTally: ((*PLACE, "arrival_date", *DEPARTURE), DepartureTotal),
    DepartureTotal: ((*PLACE, *DEPARTURE), None),
    VehicleTally: ((*PLACE, "arrival_date", *VEHICLE), VehicleTotal),
    VehicleTotal: ((*PLACE, *VEHICLE), None),
}
MODELS = tuple(ROLLUPS)
TABLES = {model._meta.db_table: key for model, (key, _total) in ROLLUPS.items()}
TRIGGER_NAMES = ("vigil_rollup_insert", "vigil_rollup_delete", "vigil_rollup_update")


def _province_path(vendor):
    """The path of the province of unit `u`: its first code and a slash."""
    if vendor == "postgresql":
        return "split_part(u.path, '/', 1) || '/'"
    return "substr(u.path, 1, instr(u.path, '/'))"


def _mapped(rows, vendor):
    """The rows of relation `rows` (the READ columns and n, +1 or -1 a
    declaration) with the rollups' columns: the departure unit's province and
    the number in upper case."""
    return f"""SELECT r.area_id, r.area_path, r.arrival_date,
            r.departure_country_id AS departure_country,
            coalesce(p.id, 0) AS departure_province,
            r.transport, upper(r.transport_number) AS vehicle, r.n
        FROM {rows} r
        LEFT JOIN {UNITS} u ON u.id = r.departure_unit_id
        LEFT JOIN {UNITS} p ON p.tree = u.tree AND p.level = {Level.PROVINCE.value}
            AND p.path = {_province_path(vendor)}"""


def _insert(model, mapped, merged=0):
    """The INSERT adding the rows of relation `mapped` (see _mapped) to the
    rollup `model`, one row per key."""
    key, _total = ROLLUPS[model]
    columns = ", ".join(key)
    rolled = ", ".join(f"'{value}'" for value in ROLLED_TRANSPORTS)
    where = f"WHERE m.transport IN ({rolled})" if "vehicle" in key else ""
    return f"""INSERT INTO {model._meta.db_table} ({columns}, n, merged)
        SELECT {columns}, sum(n), {merged} FROM {mapped} m {where}
        GROUP BY {columns} HAVING sum(n) <> 0"""


def _update_delta(old, new):
    """An update as (READ columns, n): the unchanged rows cancel out (see
    tally._update_delta for why the transition tables are not joined on id)."""
    return f"""(SELECT {READ_COLUMNS}, sum(n) AS n FROM (
            SELECT {READ_COLUMNS}, -1 AS n FROM {old}
            UNION ALL SELECT {READ_COLUMNS}, 1 FROM {new}) x
        GROUP BY {READ_COLUMNS} HAVING sum(n) <> 0)"""


def _postgresql_sql():
    # One statement per trigger: materialised CTEs read by every INSERT.
    relations = {
        "INSERT": (
            "REFERENCING NEW TABLE AS new_rows",
            f"SELECT {READ_COLUMNS}, 1 AS n FROM new_rows",
        ),
        "DELETE": (
            "REFERENCING OLD TABLE AS old_rows",
            f"SELECT {READ_COLUMNS}, -1 AS n FROM old_rows",
        ),
        "UPDATE": (
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
            f"SELECT * FROM {_update_delta('old_rows', 'new_rows')} d",
        ),
    }
    sql = [f"DROP TRIGGER IF EXISTS {name} ON {SOURCE}" for name in TRIGGER_NAMES]
    inserts = [_insert(model, "mapped") for model in MODELS]
    ctes = ", ".join(f"i{n} AS ({insert})" for n, insert in enumerate(inserts[:-1]))
    for name in TRIGGER_NAMES:
        event = name.rsplit("_", 1)[1].upper()
        referencing, rows = relations[event]
        sql += [
            f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
            BEGIN
                WITH delta AS MATERIALIZED ({rows}),
                mapped AS MATERIALIZED ({_mapped("delta", "postgresql")}),
                {ctes}
                {inserts[-1]};
                RETURN NULL;
            END
            $$ LANGUAGE plpgsql""",
            f"""CREATE TRIGGER {name} AFTER {event} ON {SOURCE}
            {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {name}()""",
        ]
    return sql


def _sqlite_sql():
    # One writer at a time, row triggers: NEW and OLD as one-row relations.
    def row(prefix, n):
        values = ", ".join(f"{prefix}.{column} AS {column}" for column in READ)
        return f"SELECT {values}, {n} AS n"

    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in READ)
    bodies = {
        "INSERT": ("", f"({row('NEW', 1)})"),
        "DELETE": ("", f"({row('OLD', -1)})"),
        "UPDATE": (f"WHEN {changed}", f"({row('OLD', -1)} UNION ALL {row('NEW', 1)})"),
    }
    sql = [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGER_NAMES]
    for name in TRIGGER_NAMES:
        event = name.rsplit("_", 1)[1].upper()
        when, rows = bodies[event]
        mapped = f"({_mapped(rows, 'sqlite')})"
        statements = "; ".join(_insert(model, mapped) for model in MODELS)
        sql.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {SOURCE} {when} BEGIN {statements}; END"
        )
    return sql


def trigger_sql(vendor):
    if vendor == "postgresql":
        return _postgresql_sql()
    if vendor == "sqlite":
        return _sqlite_sql()
    raise NotImplementedError(f"No rollup triggers for the {vendor} database")


def install_triggers(using=None):
    """(Re)create the triggers; safe to run any number of times."""
    conn = tally._connection(using)
    with conn.cursor() as cursor:
        for statement in trigger_sql(conn.vendor):
            cursor.execute(statement)


def drop_triggers(using=None):
    conn = tally._connection(using)
    with conn.cursor() as cursor:
        for name in TRIGGER_NAMES:
            on = f" ON {SOURCE}" if conn.vendor == "postgresql" else ""
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}{on}")


def reinstall_after_migrate(using=None):
    """post_migrate: put the triggers back if the tables are there."""
    conn = tally._connection(using)
    if {SOURCE, UNITS, *TABLES} <= set(conn.introspection.table_names()):
        install_triggers(conn.alias)


def triggers_installed(using=None):
    conn = tally._connection(using)
    with conn.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(TRIGGER_NAMES))
        if conn.vendor == "postgresql":
            query = (
                f"SELECT count(DISTINCT tgname) FROM pg_trigger WHERE tgname IN ({placeholders})"
            )
        else:
            query = (
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                f"AND name IN ({placeholders})"
            )
        cursor.execute(query, list(TRIGGER_NAMES))
        return cursor.fetchone()[0] == len(TRIGGER_NAMES)


def rebuild(using=None):
    """Recount the rollups from the declarations (the totals from the days),
    in one transaction that holds off writers of declarations meanwhile."""
    conn = tally._connection(using)
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {SOURCE} IN SHARE MODE")
        for model in MODELS:
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        rows = f"(SELECT {READ_COLUMNS}, 1 AS n FROM {SOURCE})"
        mapped = f"({_mapped(rows, conn.vendor)})"
        for model, (_key, total) in ROLLUPS.items():
            if total is not None:
                cursor.execute(_insert(model, mapped, merged=1))
                cursor.execute(_insert(total, f"(SELECT * FROM {model._meta.db_table})", 1))


def compact(using=None):
    """Fold each rollup's delta rows (tally.compact_table); returns how many."""
    return sum(tally.compact_table(table, ", ".join(key), using) for table, key in TABLES.items())


def vacuum(using=None):
    for table in TABLES:
        tally.vacuum(using, table)


def pending_deltas(limit=None, models=MODELS):
    """The most delta rows waiting in one of `models`, counted up to `limit`."""
    return max(tally.pending_deltas(limit, model) for model in models)


def compact_if_needed():
    """Compact when enough deltas have piled up; for a background thread."""
    try:
        if pending_deltas() >= tally.COMPACT_AFTER:
            folded = compact()
            vacuum()
            tally.log.info("Folded %s rollup deltas", folded)
    except Exception:  # noqa: BLE001  (a background chore: log it, the sums stay exact)
        tally.log.exception("Compacting the rollups failed")


def schedule_compaction(model):
    """From a page that reads the rollup `model`: compact them all in the
    background once enough deltas have piled up in it (see
    tally.schedule_compaction; the sums are exact either way)."""
    from vigil.core.jobs import run_in_background

    if pending_deltas(models=[model]) >= tally.COMPACT_AFTER:
        run_in_background(compact_if_needed)


def _provinces():
    """{unit id: its province's id} for every unit with a province, mapped
    in Python as DepartureDimension maps them (not by the triggers' SQL)."""
    units = list(AdminUnit.objects.values_list("pk", "tree", "path", "level"))
    province = {(tree, path): pk for pk, tree, path, level in units if level == Level.PROVINCE}
    out = {}
    for pk, tree, path, _level in units:
        found = province.get((tree, path.split("/")[0] + "/"))
        if found is not None:
            out[pk] = found
    return out


def counted(model):
    """A fresh count of the declarations by the key of rollup `model`."""
    key, _total = ROLLUPS[model]
    place = [column for column in key if column in (*PLACE, "arrival_date")]
    counts = Counter()
    declarations = Declaration.objects.order_by()
    if "departure_province" in key:
        provinces = _provinces()
        rows = declarations.values_list(*place, "departure_country_id", "departure_unit_id")
        for *where, country, unit, n in rows.annotate(n=Count("*")):
            counts[(*where, country, provinces.get(unit, 0))] += n
        return counts
    rows = declarations.filter(transport__in=ROLLED_TRANSPORTS).values_list(
        *place, "transport", Upper("transport_number")
    )
    for *where, n in rows.annotate(n=Count("*")):
        counts[tuple(where)] += n
    return counts


def differences():
    """Keys where a rollup and a fresh count of the declarations disagree:
    [(table, key dict, rollup, declarations)]. Empty when all is well."""
    wrong = []
    for model, (key, _total) in ROLLUPS.items():
        fresh = counted(model)
        rows = model.objects.order_by().values_list(*key).annotate(n=Sum("n"))
        rolled = {tuple(row[:-1]): row[-1] for row in rows}
        for where in sorted(set(fresh) | set(rolled), key=str):
            if fresh.get(where, 0) != rolled.get(where, 0):
                found = dict(zip(key, where, strict=True))
                table = model._meta.db_table
                wrong.append((table, found, rolled.get(where, 0), fresh.get(where, 0)))
    return wrong
