"""manage.py backup <path>: a consistent copy of the whole database, taken
while Vigil runs (docs/operations.md).

- SQLite: the online backup API (`sqlite3.Connection.backup`) copies the
  database in one step, from one read snapshot (in WAL mode writers go on
  meanwhile); the copy is an SQLite file that `manage.py restore` (or the
  sqlite3 shell) reads.
- PostgreSQL: `pg_dump --format=custom` with the connection settings of
  DATABASE_URL, from one snapshot (consistent by construction), for
  `manage.py restore` or `pg_restore`.

The tally behind the dashboard and its triggers are part of the copy.
"""

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.postgresql.client import DatabaseClient


def postgresql_command(program, settings_dict, *parameters):
    """(args, env) running a PostgreSQL client `program` against the database of
    `settings_dict` (host, port, user; password, service and TLS through the
    environment, as Django's own dbshell does)."""
    path = shutil.which(program)
    if path is None:
        raise CommandError(
            f"{program} is not installed: install the PostgreSQL client "
            "(apt-get install postgresql-client) of the server's major version or later."
        )
    args = [path]
    if settings_dict.get("USER"):
        args += ["--username", settings_dict["USER"]]
    if settings_dict.get("HOST"):
        args += ["--host", settings_dict["HOST"]]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    args += [*parameters, "--dbname", settings_dict["NAME"]]
    _psql, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    return args, {**os.environ, **(env or {})}


def run(args, env=None):
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise CommandError(f"{Path(args[0]).name} failed:\n{result.stderr.strip()}")
    return result


def sqlite_check(path):
    """Raise unless the SQLite file at `path` reads as a sound database."""
    with closing(sqlite3.connect(path)) as db:
        (verdict,) = db.execute("PRAGMA quick_check").fetchone()
    if verdict != "ok":
        raise CommandError(f"{path} is damaged: {verdict}")


class Command(BaseCommand):
    help = "Write a consistent backup of the database to PATH, while Vigil runs."
    # Usable on a machine where the app is not set up to serve (no collectstatic).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file to write (replaced if it exists)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, path, database, **options):
        connection = connections[database]
        target = Path(path).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written next to the target, then renamed: a failed backup leaves the
        # previous one in place.
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            if connection.vendor == "sqlite":
                self.sqlite_backup(connection, partial)
            elif connection.vendor == "postgresql":
                args, env = postgresql_command(
                    "pg_dump", connection.settings_dict, "--format=custom", f"--file={partial}"
                )
                run(args, env)
            else:
                raise CommandError(f"No backup for a {connection.vendor} database.")
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        size = target.stat().st_size
        self.stdout.write(f"Backed up the {connection.vendor} database to {target} ({size} bytes).")

    def sqlite_backup(self, connection, partial):
        connection.ensure_connection()
        copy = sqlite3.connect(partial)
        try:
            connection.connection.backup(copy)
            # One self-contained file (the copy took the source's WAL mode).
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
        sqlite_check(partial)
