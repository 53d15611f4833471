"""``driverhome refresh-rollups``: recompute the dashboard's monthly counters from the records."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from driverhome.dashboard import actions
from driverhome.dashboard.views import parse_month


class Command(BaseCommand):
    help = (
        "Recompute the dashboard's monthly counters. Without options: every month (a full "
        "rebuild). --recent: the current and the previous month (what the periodic job does)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", help="first month, YYYY-MM")
        parser.add_argument("--to", dest="last", help="last month, YYYY-MM")
        parser.add_argument(
            "--recent", action="store_true", help="only the current and previous month"
        )

    def handle(self, *args, first=None, last=None, recent=False, **options):
        if recent:
            run = actions.refresh_recent()
        else:
            try:
                first_month = parse_month(first) if first else None
                last_month = parse_month(last) if last else None
            except ValueError as exc:
                raise CommandError(f"{exc.args[0]!r} is not a month: use YYYY-MM.") from None
            if first_month and last_month and first_month > last_month:
                raise CommandError("--from is after --to.")
            run = actions.refresh_rollups(first=first_month, last=last_month)
        self.stdout.write(
            self.style.SUCCESS(
                f"Refreshed {len(run.counters)} counters, {run.rows:,} rows "
                f"in {(run.finished_at - run.started_at).total_seconds():.2f} s."
            )
        )
