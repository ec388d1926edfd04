from django.core.management.base import BaseCommand

from vigil.core.tasks import Task
from vigil.demo.accounts import DEMO_PASSWORD, demo_accounts


class Command(BaseCommand):
    help = "Print the demo accounts and their shared password."

    def handle(self, *args, **options):
        labels = dict(Task.choices)
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for username, task, unit in demo_accounts():
            self.stdout.write(f"  {username:<28} {labels[task]} – {unit.name}")
        self.stdout.write("")
