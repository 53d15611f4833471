"""``driverhome events_jobs``: one pass of the events' periodic jobs (the huey consumer runs them too)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from driverhome.events import actions

JOBS = {
    "expire": actions.expire_registrations,
    "remind": actions.send_reminders,
    "close": actions.close_past_events,
}


class Command(BaseCommand):
    help = (
        "Expire unconfirmed registrations, send tomorrow's reminders, close past events (one pass)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only", choices=sorted(JOBS), action="append", help="run only this job (repeatable)"
        )

    def handle(self, *args, only=None, **options):
        for name in only or ["expire", "remind", "close"]:
            count = JOBS[name]()
            self.stdout.write(f"{name}: {count}")
