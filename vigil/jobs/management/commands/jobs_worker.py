"""`manage.py jobs_worker`: django-tasks-db's `db_worker` (same options), which
first marks failed the jobs a stopped worker left running."""

from django_tasks_db.management.commands.db_worker import Command as DbWorker

from vigil.jobs.services import recover_stale


class Command(DbWorker):
    help = "Run Vigil's background jobs (recovers stale jobs, then runs db_worker)"

    def handle(self, *args, **options):
        count = recover_stale()
        if count:
            self.stderr.write(f"{count} stale job(s) marked failed")
        return super().handle(*args, **options)
