"""``driverhome messages [APP ...]``: refresh each app's translation catalogue and compile it.

Each app keeps its own ``locale/zh_Hans/LC_MESSAGES/django.po`` so that apps can be
translated independently. Needs GNU gettext (Debian package ``gettext``).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand

PACKAGE = Path(__file__).resolve().parents[3]
APPS = [
    "core",
    "accounts",
    "holidays",
    "stations",
    "drivers",
    "services",
    "appeals",
    "events",
    "dashboard",
    "notifications",
]


class Command(BaseCommand):
    help = "Update and compile the Chinese translation catalogue of each app."

    def add_arguments(self, parser):
        parser.add_argument("apps", nargs="*", help="Only these apps (default: all).")
        parser.add_argument("--compile-only", action="store_true")

    def handle(self, *args, apps=None, compile_only=False, **options):
        here = os.getcwd()
        for app in apps or APPS:
            folder = PACKAGE / app
            (folder / "locale").mkdir(exist_ok=True)
            os.chdir(folder)
            try:
                if not compile_only:
                    call_command(
                        "makemessages",
                        locale=["zh_Hans"],
                        domain="django",
                        no_obsolete=True,
                        verbosity=0,
                        ignore_patterns=["tests/*", "migrations/*"],
                        add_location="file",
                    )
                call_command("compilemessages", locale=["zh_Hans"], verbosity=0)
            finally:
                os.chdir(here)
            self.stdout.write(f"{app}: ok")
