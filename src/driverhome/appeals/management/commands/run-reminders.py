"""``driverhome run-reminders``: one pass of the supervision ladder (for cron, or by hand)."""

from django.core.management.base import BaseCommand

from driverhome.appeals.reminders import run_pass


class Command(BaseCommand):
    help = "Send due reminders, missed-deadline notices and escalations once. Safe to run twice."

    def handle(self, *args, **options):
        counts = run_pass()
        self.stdout.write(
            "reminders: {reminder}, missed: {missed}, escalated: {escalated}".format(**counts)
        )
