"""The first operations-centre account of a deployment (province jurisdiction)."""

import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from vigil.accounts.models import Task, User
from vigil.areas.models import AdminUnit


class Command(BaseCommand):
    help = "Create an operations-centre administrator for the home province."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--full-name", default="")
        parser.add_argument(
            "--password-file", help="read the password from this file instead of a prompt"
        )

    def handle(self, username, full_name, password_file, **options):
        if User.objects.filter(username=username).exists():
            raise CommandError(f"The username {username!r} is taken.")
        try:
            province = AdminUnit.objects.home_province()
        except AdminUnit.DoesNotExist:
            raise CommandError(
                "Load the administrative units first: manage.py load_areas"
            ) from None
        if password_file:
            with open(password_file) as f:
                password = f.read().strip()
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        user = User(username=username, full_name=full_name or username, tasks=[Task.ADMIN])
        user.jurisdiction = province
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        user.set_password(password)
        user.save()
        self.stdout.write(f"Created {username}, administrator of {province.name}.")
