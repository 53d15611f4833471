"""``driverhome export-hsds DIR``: write the directory as Open Referral HSDS v3 JSON tables."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from driverhome.stations.feeds import hsds_export


class Command(BaseCommand):
    help = (
        "Export the Driver's Home directory in the Open Referral HSDS v3 format: one JSON file "
        "per table (organizations, locations, services, service_at_locations, schedules)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="folder to write into (created if missing)")

    def handle(self, *args, directory, **options):
        target = Path(directory)
        if target.exists() and not target.is_dir():
            raise CommandError(f"{target} exists and is not a folder")
        target.mkdir(parents=True, exist_ok=True)
        tables = hsds_export()
        for name, rows in tables.items():
            path = target / f"{name}.json"
            tmp = path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            tmp.replace(path)
            self.stdout.write(f"{path}: {len(rows)}")
