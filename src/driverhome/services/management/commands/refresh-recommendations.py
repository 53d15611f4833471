"""``driverhome refresh-recommendations [--org CODE]``: bring the suggestions up to date now."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from driverhome.accounts.models import Organisation


class Command(BaseCommand):
    help = "Re-evaluate every service item's eligibility rules for the drivers (of one organisation's area)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--org", default="", help="organisation code: only drivers filed in its area"
        )

    def handle(self, *args, org="", **options):
        from driverhome.drivers.models import Driver
        from driverhome.services.actions import refresh_recommendations

        drivers = Driver.objects.filter(anonymised_at__isnull=True)
        if org:
            organisation = Organisation.objects.filter(code=org).first()
            if organisation is None:
                raise CommandError(f"No organisation with the code {org!r}.")
            drivers = drivers.filter(organisation__path__startswith=organisation.path)
        counts = refresh_recommendations(drivers)
        self.stdout.write(
            "drivers {drivers}: {added} added, {updated} updated, {removed} removed".format(
                **counts
            )
        )
