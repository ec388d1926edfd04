"""manage.py restore <path>: load a `manage.py backup` file into the database
DATABASE_URL names, which must be new and empty (docs/operations.md).

- SQLite: the backup file is copied into the database file with the online
  backup API.
- PostgreSQL: `pg_restore` in one transaction (all or nothing), without the
  original owner and grants, then ANALYZE.

Then the dashboard's tally is compared with a fresh count (`manage.py tallies
--check`): a restore that does not add up fails here rather than on the
dashboard.
"""

import sqlite3
from contextlib import closing
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from .backup import postgresql_command, run, sqlite_check


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into a new, empty database."
    # Usable on a machine where the app is not set up to serve (no collectstatic).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", help="a file written by manage.py backup")

    def handle(self, *args, path, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"No backup file at {source}.")
        connection = connections[DEFAULT_DB_ALIAS]
        name = connection.settings_dict["NAME"]
        if connection.introspection.table_names():
            raise CommandError(
                f"The database {name} is not empty. Restore into a new database "
                "(createdb, or a new SQLite file name) and point DATABASE_URL at it."
            )
        if connection.vendor == "sqlite":
            self.sqlite_restore(connection, source)
        elif connection.vendor == "postgresql":
            args, env = postgresql_command(
                "pg_restore",
                connection.settings_dict,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
            )
            run([*args, str(source)], env)
            connection.close()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        else:
            raise CommandError(f"No restore for a {connection.vendor} database.")
        self.stdout.write(f"Restored {source} into the {connection.vendor} database {name}.")
        try:
            call_command("tallies", check=True, stdout=self.stdout)
        except CommandError as error:
            raise CommandError(
                f"The restored dashboard tally does not match the declarations ({error}) "
                "Run manage.py tallies --rebuild."
            ) from None

    def sqlite_restore(self, connection, source):
        try:
            sqlite_check(source)
        except sqlite3.DatabaseError as error:
            raise CommandError(f"{source} is not an SQLite backup: {error}") from None
        connection.close()
        with (
            closing(sqlite3.connect(source)) as backup,
            closing(sqlite3.connect(connection.settings_dict["NAME"])) as db,
        ):
            backup.backup(db)
