# ruff: noqa: S608  (SQL below is built from table and function names only, never input)
"""The reference stamp's triggers (see ReferenceStamp and vigil.core.refcache).

Any INSERT, UPDATE or DELETE (PostgreSQL: and TRUNCATE) on a table behind a
per-process cache puts a new random value into triage_referencestamp, in the
writer's transaction: the other processes see it when that commits, and a
rolled-back write leaves the stamp as it was. PostgreSQL fires once per
statement, SQLite (row triggers only) once per row.
"""

STAMP_TABLE = "triage_referencestamp"
STAMP_SQL = f"SELECT version FROM {STAMP_TABLE} WHERE id = 1"
WATCHED = (
    "triage_riskrule",
    "triage_riskband",
    "triage_epidemicarea",
    "areas_adminunit",
    "areas_country",
)
FUNCTION = "vigil_reference_stamp"
RANDOM_PG = "(random() * 9.0e18)::bigint - 4500000000000000000"


def _trigger(table, event=""):
    return f"vigil_refstamp_{table}{event}"


def _postgresql_sql():
    yield f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {STAMP_TABLE} (id, version)
    VALUES (1, {RANDOM_PG})
    ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END
$$"""
    for table in WATCHED:
        yield f"DROP TRIGGER IF EXISTS {_trigger(table)} ON {table}"
        yield (
            f"CREATE TRIGGER {_trigger(table)} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def _sqlite_sql():
    for table in WATCHED:
        for event in ("insert", "update", "delete"):
            name = _trigger(table, "_" + event)
            yield f"DROP TRIGGER IF EXISTS {name}"
            yield (
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} BEGIN "
                f"UPDATE {STAMP_TABLE} SET version = random() WHERE id = 1; END"
            )


def _statements(vendor):
    if vendor == "postgresql":
        return list(_postgresql_sql())
    if vendor == "sqlite":
        return list(_sqlite_sql())
    raise NotImplementedError(f"No reference stamp triggers for the {vendor} database")


def install(schema_editor):
    install_triggers(schema_editor.connection)


def install_triggers(connection):
    """(Re)create the triggers and the stamp's row; safe to run any number
    of times."""
    vendor = connection.vendor
    start = "random()" if vendor == "sqlite" else RANDOM_PG
    with connection.cursor() as cursor:
        for statement in _statements(vendor):
            cursor.execute(statement)
        cursor.execute(
            f"INSERT INTO {STAMP_TABLE} (id, version) VALUES (1, {start}) "
            "ON CONFLICT (id) DO NOTHING"
        )


def drop_triggers(connection):
    with connection.cursor() as cursor:
        for table in WATCHED:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {_trigger(table)} ON {table}")
            else:
                for event in ("insert", "update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {_trigger(table, '_' + event)}")


def reinstall_after_migrate(using="default"):
    """post_migrate: put the triggers back (SQLite drops a table's triggers
    when a migration rebuilds it, as adding a field to countries does)."""
    from django.db import connections

    connection = connections[using]
    if {STAMP_TABLE, *WATCHED} <= set(connection.introspection.table_names()):
        install_triggers(connection)


def uninstall(schema_editor):
    connection = schema_editor.connection
    drop_triggers(connection)
    if connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
