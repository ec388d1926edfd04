"""Look after the dashboard's declaration tally (vigil/reports/tally.py) and the
statistics' rollups by departure place and by flight (vigil/reports/rollups.py).

manage.py tallies --compact   fold the delta rows (a timer runs this)
manage.py tallies --check     compare with a fresh count; exit 1 on a difference
manage.py tallies --rebuild   recount from the declarations (holds off writers)
"""

import time

from django.core.management.base import BaseCommand, CommandError

from vigil.reports import rollups, tally


class Command(BaseCommand):
    help = "Compact, check or rebuild the declaration tally behind the leaders' dashboard."

    def add_arguments(self, parser):
        parser.add_argument("--compact", action="store_true", help="fold the delta rows")
        parser.add_argument("--check", action="store_true", help="compare with a fresh count")
        parser.add_argument("--rebuild", action="store_true", help="recount from scratch")

    def handle(self, *args, **options):
        if not (options["compact"] or options["check"] or options["rebuild"]):
            raise CommandError("Say what to do: --compact, --check or --rebuild.")
        if not tally.triggers_installed():
            self.stderr.write("The tally triggers were missing; installing them.")
            tally.install_triggers()
        if not rollups.triggers_installed():
            self.stderr.write("The rollup triggers were missing; installing them.")
            rollups.install_triggers()
        if options["rebuild"]:
            started = time.monotonic()
            tally.rebuild()
            rollups.rebuild()
            self.stdout.write(
                f"Rebuilt the tally and the rollups in {time.monotonic() - started:.1f} s."
            )
        if options["compact"]:
            started = time.monotonic()
            folded = tally.compact() + rollups.compact()
            tally.vacuum()
            rollups.vacuum()
            self.stdout.write(f"Folded {folded} delta rows in {time.monotonic() - started:.1f} s.")
        if options["check"]:
            wrong = tally.differences()
            for key, tallied, counted in wrong[:20]:
                self.stdout.write(f"{key}: tally {tallied}, declarations {counted}")
            rolled_wrong = rollups.differences()
            for table, key, rolled, counted in rolled_wrong[:20]:
                self.stdout.write(f"{table} {key}: rollup {rolled}, declarations {counted}")
            if wrong or rolled_wrong:
                raise CommandError(f"{len(wrong) + len(rolled_wrong)} keys differ; run --rebuild.")
            self.stdout.write("The tally matches the declarations.")
            self.stdout.write("The rollups match the declarations.")
