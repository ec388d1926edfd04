from django.core.management.base import BaseCommand

from vigil.jobs.services import recover_stale


class Command(BaseCommand):
    help = (
        "Mark failed the running jobs whose worker stopped (no heartbeat for "
        "VIGIL_JOB_STALE_SECONDS). Safe to run on a timer."
    )

    def handle(self, *args, **options):
        count = recover_stale()
        self.stdout.write(f"{count} stale job(s) marked failed")
