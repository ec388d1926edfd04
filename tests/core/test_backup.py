"""`manage.py backup` and `manage.py restore` (docs/operations.md): a backup of
a database holding the demo data, restored into a new database, has the same
rows in every table, its tally triggers, and a tally that matches the
declarations (`manage.py tallies --check`). On SQLite always, on PostgreSQL
when the suite runs there (make test-db).

The source database is a copy of the test database's committed content
(migrated, administrative units loaded), to which a subprocess adds the demo
data and commits it, as `backup` reads only committed rows.
"""

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from django.db import connection

from vigil.core.management.commands.backup import postgresql_command, run

ROOT = Path(__file__).resolve().parents[2]

COUNT_ROWS = """
import json, django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    counts = {}
    for table in sorted(connection.introspection.table_names()):
        cursor.execute("SELECT count(*) FROM " + connection.ops.quote_name(table))
        counts[table] = cursor.fetchone()[0]
print(json.dumps(counts))
"""


def _run(url, *args):
    env = {**os.environ, "DATABASE_URL": url, "VIGIL_TESTING": "true"}
    env["DJANGO_SETTINGS_MODULE"] = "vigil.settings"
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def _manage(url, *args):
    result = _run(url, "manage.py", *args)
    assert result.returncode == 0, result.stderr
    return result


def _counts(url):
    result = _run(url, "-c", COUNT_ROWS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _sqlite_databases(tmp_path):
    """A file holding the committed content of the (in-memory) test database,
    dumped as SQL through the test's own connection, which holds its write lock."""
    source = tmp_path / "source.sqlite3"
    connection.ensure_connection()
    with closing(sqlite3.connect(source)) as copy:
        copy.executescript("\n".join(connection.connection.iterdump()))
    return f"sqlite:///{source}", f"sqlite:///{tmp_path / 'restored.sqlite3'}", lambda: None


def _postgresql_databases(tmp_path):
    """A new database holding the committed content of the test database (its
    schema and administrative units), and an empty one to restore into."""
    settings = connection.settings_dict
    suffix = uuid.uuid4().hex[:8]
    source, restored = f"vigil_backup_src_{suffix}", f"vigil_backup_dst_{suffix}"
    with connection._nodb_cursor() as cursor:
        for name in (source, restored):
            cursor.execute(f'CREATE DATABASE "{name}"')
    schema = tmp_path / "schema.dump"
    args, env = postgresql_command("pg_dump", settings, "--format=custom", f"--file={schema}")
    run(args, env)
    args, env = postgresql_command("pg_restore", {**settings, "NAME": source}, "--no-owner")
    run([*args, str(schema)], env)

    def url(name):
        password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
        host = f"{settings.get('HOST') or '127.0.0.1'}:{settings.get('PORT') or 5432}"
        return f"postgres://{settings['USER']}{password}@{host}/{name}"

    def drop():
        with connection._nodb_cursor() as cursor:
            for name in (source, restored):
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url(source), url(restored), drop


@pytest.mark.django_db
def test_a_backup_restores_into_a_new_database_with_the_same_rows_and_tally(tmp_path):
    if connection.vendor == "postgresql":
        source, restored, drop = _postgresql_databases(tmp_path)
    else:
        source, restored, drop = _sqlite_databases(tmp_path)
    backup = tmp_path / "vigil.backup"
    try:
        _manage(source, "seed_demo", "--people", "60", "-v", "0")
        _manage(source, "backup", str(backup))
        assert backup.stat().st_size > 0
        result = _manage(restored, "restore", str(backup))
        assert "The tally matches the declarations." in result.stdout
        assert "missing" not in result.stderr  # the triggers came with the data
        _manage(restored, "tallies", "--check")
        counts = _counts(source)
        assert counts["declarations_declaration"] > 10 and counts["quarantine_stay"] > 0
        assert _counts(restored) == counts
        # Restoring over a database in use is refused.
        again = _run(restored, "manage.py", "restore", str(backup))
        assert again.returncode != 0 and "is not empty" in again.stderr
    finally:
        drop()
