"""``driverhome import-organisations FILE``: the organisation tree (and first staff) from Excel.

The same checks and writes as the console page (``accounts/orgimport.py``): all or nothing,
each organisation and account audited. Each new account's one-time link to set its password
is printed with ``--base-url`` in front (the address people open the platform at).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from driverhome.accounts import orgimport
from driverhome.accounts.models import User
from driverhome.core.sheets import ImportFileError


class Command(BaseCommand):
    help = "Import the organisation tree (and a 'staff' sheet of accounts) from .xlsx or CSV."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The workbook (.xlsx) or a CSV of organisations.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row, write nothing."
        )
        parser.add_argument(
            "--user",
            help="Import as this administrator (default: the operator, audited as system).",
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="Printed before each set-password link, e.g. https://driverhome.example.gov.cn",
        )

    def handle(self, *args, file, dry_run, user, base_url, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no file {file!r}")
        actor = None
        if user:
            actor = User.objects.filter(username__iexact=user).first()
            if actor is None:
                raise CommandError(f"no user {user!r}")
        try:
            result = orgimport.run_import(
                path.read_bytes(), filename=path.name, actor=actor, dry_run=dry_run
            )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        except orgimport.DomainError as exc:
            raise CommandError(str(exc)) from None
        for sheet, number, _outcome, column, reason in result.errors:
            self.stdout.write(f"  {sheet} row {number}: {column}: {reason}")
        if result.errors:
            raise CommandError(f"{len(result.errors)} rows have errors; nothing was imported.")
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"organisations: {result.organisations_created} {verb} created, "
            f"{result.organisations_updated} {verb} updated; "
            f"staff accounts: {result.staff_created} {verb} created"
        )
        for username, link in result.invitations:
            self.stdout.write(f"  {username}: {base_url.rstrip('/')}{link}")
