"""``driverhome setup``: the first administrator of a new deployment, and what is still missing.

Run once after ``driverhome migrate`` (the migrations have loaded the reference data:
lifecycle nodes and service items, request categories and time limits, facilities and
the grading rubric). It creates the platform administrator (role "admin", no organisation,
so he sees the whole platform; also a superuser for ``/console/admin/``) through the audited
action, then lists the next steps. Running it again changes nothing.

The password is asked twice at the terminal, or read from ``DRIVERHOME_ADMIN_PASSWORD``
with ``--no-input`` (never from the command line, which other users of the machine see).
"""

import os
from getpass import getpass

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from driverhome.accounts import actions
from driverhome.accounts.models import Role, User
from driverhome.core.checks import CATALOGUE


class Command(BaseCommand):
    help = "Create the first platform administrator and show what a new deployment still needs."

    def add_arguments(self, parser):
        parser.add_argument("--admin", default="admin", help="The administrator's username.")
        parser.add_argument("--full-name", default="", help="His name as shown in the console.")
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="Take the password from DRIVERHOME_ADMIN_PASSWORD instead of asking.",
        )

    def handle(self, *args, admin, full_name, no_input, **options):
        from django.apps import apps

        for label, name, what in CATALOGUE:
            count = apps.get_model(label, name).objects.count()
            self.stdout.write(f"reference data: {count} {what}")
        existing = User.objects.filter(username__iexact=admin).first()
        if existing is not None:
            self.stdout.write(f"administrator {existing.username} exists; nothing changed")
        else:
            password = self._password(admin, no_input)
            actions.create_user(
                actor=None,
                username=admin,
                password=password,
                role=Role.ADMIN,
                organisation=None,
                full_name=full_name,
                is_superuser=True,
            )
            self.stdout.write(f"administrator {admin} created")
        self.stdout.write(
            "next: import the organisation tree and staff "
            "(driverhome import-organisations FILE, or /accounts/organisations/import/), "
            "then the sites, the rosters; see docs/operations.md"
        )

    def _password(self, username: str, no_input: bool) -> str:
        if no_input:
            password = os.environ.get("DRIVERHOME_ADMIN_PASSWORD", "")
            if not password:
                raise CommandError("Set DRIVERHOME_ADMIN_PASSWORD, or run without --no-input.")
        else:
            password = getpass("Password: ")
            if password != getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        try:
            password_validation.validate_password(password, User(username=username))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        return password
