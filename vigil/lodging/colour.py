# ruff: noqa: S608  (SQL below is built from table and column names only, never input)
"""The risk colour of a stay's declaration, kept on the stay.

The police view counts the guests in house by their declaration's colour.
Looking the colour up per guest costs one primary-key probe into the
declarations table per guest in house, every request (a province: ~12,000
probes). `GuestStay.declaration_colour` holds a copy instead, kept by
database triggers so that no write path (a transition, the bulk
re-evaluation of the risk rules, a PMS batch, an import, a delete that
unlinks the declaration, a migration) can forget it:

- a stay inserted, or its declaration changed, takes the declaration's
  colour (NULL without a declaration);
- a declaration whose colour changes passes it to its stays.

The copy is only read for counting; the lists filter on the declaration
itself, and the two always agree because both triggers run inside the
writing transaction. The triggers are installed by the migration and again
after every `migrate` (SQLite drops a table's triggers when a migration
rebuilds the table), as the declarations' tally does.
"""

from django.db import connection, connections

STAYS = "lodging_gueststay"
DECLARATIONS = "declarations_declaration"
TRIGGERS = {
    # name: table
    "vigil_stay_colour_from_declaration": DECLARATIONS,
    "vigil_stay_colour_on_link": STAYS,
    "vigil_stay_colour_on_insert": STAYS,
}
_LOOKUP = f"(SELECT d.risk_colour FROM {DECLARATIONS} d WHERE d.id = NEW.declaration_id)"


def _postgresql_sql():
    return [
        *(f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in TRIGGERS.items()),
        f"""CREATE OR REPLACE FUNCTION vigil_stay_colour_from_declaration() RETURNS trigger AS $$
            BEGIN
                UPDATE {STAYS} SET declaration_colour = NEW.risk_colour
                WHERE declaration_id = NEW.id
                AND declaration_colour IS DISTINCT FROM NEW.risk_colour;
                RETURN NULL;
            END
            $$ LANGUAGE plpgsql""",
        f"""CREATE TRIGGER vigil_stay_colour_from_declaration
            AFTER UPDATE OF risk_colour ON {DECLARATIONS} FOR EACH ROW
            WHEN (OLD.risk_colour IS DISTINCT FROM NEW.risk_colour)
            EXECUTE FUNCTION vigil_stay_colour_from_declaration()""",
        f"""CREATE OR REPLACE FUNCTION vigil_stay_colour_on_link() RETURNS trigger AS $$
            BEGIN
                NEW.declaration_colour := {_LOOKUP};
                RETURN NEW;
            END
            $$ LANGUAGE plpgsql""",
        f"""CREATE TRIGGER vigil_stay_colour_on_link
            BEFORE INSERT OR UPDATE OF declaration_id, declaration_colour ON {STAYS}
            FOR EACH ROW WHEN (pg_trigger_depth() = 0)
            EXECUTE FUNCTION vigil_stay_colour_on_link()""",
    ]


def _sqlite_sql():
    # Recursive triggers are off in SQLite: the UPDATEs below fire nothing more.
    set_colour = f"UPDATE {STAYS} SET declaration_colour = {_LOOKUP} WHERE id = NEW.id"
    return [
        *(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS),
        f"""CREATE TRIGGER vigil_stay_colour_from_declaration
            AFTER UPDATE OF risk_colour ON {DECLARATIONS}
            WHEN OLD.risk_colour IS NOT NEW.risk_colour
            BEGIN
                UPDATE {STAYS} SET declaration_colour = NEW.risk_colour
                WHERE declaration_id = NEW.id;
            END""",
        f"""CREATE TRIGGER vigil_stay_colour_on_insert AFTER INSERT ON {STAYS}
            BEGIN {set_colour}; END""",
        f"""CREATE TRIGGER vigil_stay_colour_on_link
            AFTER UPDATE OF declaration_id, declaration_colour ON {STAYS}
            BEGIN {set_colour}; END""",
    ]


def trigger_sql(vendor):
    if vendor == "postgresql":
        return _postgresql_sql()
    if vendor == "sqlite":
        return _sqlite_sql()
    raise NotImplementedError(f"No stay colour triggers for the {vendor} database")


def _connection(using):
    return connection if using is None else connections[using]


def install_triggers(using=None):
    """(Re)create the triggers and bring the copies up to date; safe to run
    any number of times. On SQLite a migration that rebuilt a table dropped
    its triggers meanwhile, so every copy is compared; PostgreSQL keeps them,
    so only stays written before the triggers existed are filled."""
    conn = _connection(using)
    lookup = f"(SELECT d.risk_colour FROM {DECLARATIONS} d WHERE d.id = {STAYS}.declaration_id)"
    stale = (
        "declaration_colour IS NULL AND declaration_id IS NOT NULL"
        if conn.vendor == "postgresql"
        else f"declaration_colour IS NOT {lookup}"
    )
    with conn.cursor() as cursor:
        for statement in trigger_sql(conn.vendor):
            cursor.execute(statement)
        cursor.execute(f"UPDATE {STAYS} SET declaration_colour = {lookup} WHERE {stale}")


def drop_triggers(using=None):
    conn = _connection(using)
    with conn.cursor() as cursor:
        for name, table in TRIGGERS.items():
            on = f" ON {table}" if conn.vendor == "postgresql" else ""
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}{on}")


def reinstall_after_migrate(using=None, **kwargs):
    """post_migrate: put the triggers back if both tables and the copy's
    column are there (not after migrating back before it)."""
    conn = _connection(using)
    if not {STAYS, DECLARATIONS} <= set(conn.introspection.table_names()):
        return
    with conn.cursor() as cursor:
        columns = {c.name for c in conn.introspection.get_table_description(cursor, STAYS)}
    if "declaration_colour" in columns:
        install_triggers(conn.alias)


def differences(using=None):
    """How many stays hold a colour other than their declaration's (0 when
    the triggers did their work)."""
    conn = _connection(using)
    with conn.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(*) FROM {STAYS} s LEFT JOIN {DECLARATIONS} d
            ON d.id = s.declaration_id
            WHERE (s.declaration_colour IS NULL) <> (d.risk_colour IS NULL)
            OR s.declaration_colour <> d.risk_colour"""
        )
        return cursor.fetchone()[0]
