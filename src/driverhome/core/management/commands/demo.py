"""``driverhome demo``: load the Beilun demonstration data. Running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.management.base import BaseCommand

from driverhome.core.modules import optional_import

# (app, function in its demo module), run in this order; later steps build on earlier ones.
DEMO_STEPS = [
    ("accounts", "load"),
    ("stations", "load"),
    ("drivers", "load"),
    ("stations", "load_visits"),  # check-ins and ratings need drivers on file
    ("services", "load"),
    ("appeals", "load"),
    ("events", "load"),
    ("stations", "load_forecasts"),  # after the markets, which the forecast reads
    ("dashboard", "load"),
]


@dataclass
class DemoContext:
    stdout: object
    password: str
    quick: bool = False
    logins: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # (username, role label, what to try)

    def say(self, message: str) -> None:
        self.stdout.write(message)


class Command(BaseCommand):
    help = "Load the Beilun demo data (organisations, sites, drivers, requests, services, events) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--quick",
            action="store_true",
            help="A small population (for tests): same structure, fewer rows.",
        )

    def handle(self, *args, quick=False, **options):
        ctx = DemoContext(stdout=self.stdout, password=settings.DEMO_PASSWORD, quick=quick)
        for app, function in DEMO_STEPS:
            module = optional_import(f"driverhome.{app}.demo")
            if module is None:
                continue
            getattr(module, function)(ctx)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins (password: %s)" % ctx.password))
        for username, role, hint in ctx.logins:
            self.stdout.write(f"  {username:12} {hint} ({role})")
