"""``driverhome report --org CODE --month YYYY-MM --out FILE``: the monthly report as an Excel workbook."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from driverhome.accounts.models import Organisation
from driverhome.dashboard import report
from driverhome.dashboard.views import parse_month


class Command(BaseCommand):
    help = "Write an organisation's monthly report (figures, trends, charts) to an .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="organisation code, e.g. beilun")
        parser.add_argument("--month", required=True, help="the month, YYYY-MM")
        parser.add_argument("--out", required=True, help="the .xlsx file to write")
        parser.add_argument(
            "--language", default=settings.LANGUAGE_CODE, help="zh-hans (default) or en"
        )

    def handle(self, *args, org, month, out, language, **options):
        try:
            organisation = Organisation.objects.get(code=org)
        except Organisation.DoesNotExist:
            raise CommandError(f"No organisation with the code {org!r}.") from None
        try:
            first = parse_month(month)
        except ValueError:
            raise CommandError(f"{month!r} is not a month: use YYYY-MM, e.g. 2026-05.") from None
        if language not in dict(settings.LANGUAGES):
            raise CommandError(f"Unknown language {language!r}.")
        path = Path(out)
        if path.parent and not path.parent.exists():
            raise CommandError(f"The folder {path.parent} does not exist.")
        with translation.override(language):
            data = report.build(organisation, first)
            content = report.workbook(data)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(content)
        tmp.replace(path)
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {path} ({len(content):,} bytes): {data.title}")
        )
