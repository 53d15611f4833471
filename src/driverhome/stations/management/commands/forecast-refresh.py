"""``driverhome forecast-refresh [--refit]``: one pass of the periodic forecast job."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from driverhome.stations import forecast


class Command(BaseCommand):
    help = (
        "Recompute every active site's free-place forecast now (the job runs every 15 "
        "minutes); sites without a model and models older than a week, or all with --refit, "
        "are fitted first, with no time limit (run it once after a first import of sites)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--refit", action="store_true", help="refit every site's model")

    def handle(self, *args, refit=False, **options):
        stats = forecast.refresh(refit=True if refit else None)
        self.stdout.write(
            f"{stats.sites} sites: {stats.forecasts} forecasts, {stats.without} without, "
            f"{stats.refitted} models fitted in {stats.fit_seconds:.1f} s; {stats.seconds:.1f} s"
        )
