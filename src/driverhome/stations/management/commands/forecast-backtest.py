"""``driverhome forecast-backtest [--site CODE]``: how good the free-place forecast is here."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from driverhome.stations.forecast.evaluate import LABELS, evaluate, format_rows, stations_for


class Command(BaseCommand):
    help = (
        "Rolling-origin backtest of the free-place forecast on this deployment's own history: "
        "MAE and RMSE per horizon (30 min to 8 h), in places and as a share of capacity, "
        "against persistence (the last count) and seasonal naive (a week earlier). "
        "'gain' is how much lower the forecast's MAE is than the better baseline's; 'cover' "
        "how often the truth fell inside the forecast's 80 % interval."
    )

    def add_arguments(self, parser):
        parser.add_argument("--site", help="one site's public code (default: every active site)")
        parser.add_argument("--weeks", type=int, default=4, help="weeks of origins (default 4)")
        parser.add_argument(
            "--every", type=int, default=3, help="hours between origins (default 3)"
        )
        parser.add_argument("--json", action="store_true", help="print the results as JSON")

    def handle(self, *args, site=None, weeks=4, every=3, json=False, **options):
        if weeks < 1 or every < 1:
            raise CommandError("--weeks and --every must be at least 1")
        stations = list(stations_for(site))
        if site and not stations:
            raise CommandError(f"no active site with the code {site!r}")
        result = evaluate(stations, weeks=weeks, every_hours=every)
        if json:
            self.stdout.write(_json(result))
            return
        for entry in result["sites"]:
            self.stdout.write(
                f"\n{entry['code']}: {LABELS[entry['quantity']]} (capacity {entry['capacity']})"
            )
            if not entry["rows"]:
                self.stdout.write("  too little history to backtest")
            for line in format_rows(entry["rows"]):
                self.stdout.write("  " + line)
        if not site:
            for name, rows in result["pooled"].items():
                self.stdout.write(f"\nall sites: {LABELS[name]}")
                if not rows:
                    self.stdout.write("  too little history to backtest")
                for line in format_rows(rows):
                    self.stdout.write("  " + line)


def _json(result) -> str:
    return json.dumps(result, indent=1)
