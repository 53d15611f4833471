"""``driverhome import-drivers FILE [--dry-run]`` and ``driverhome import-drivers --template FILE``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from driverhome.accounts.models import Organisation, User


class Command(BaseCommand):
    help = (
        "Import a roster of drivers from .xlsx or CSV (Chinese headers 姓名/身份证号/手机号 ... "
        "or English aliases). Rows are matched to existing files by ID number; rejected rows "
        "are listed with row, column and reason."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="the roster (.xlsx or .csv), or where to write the template"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )
        parser.add_argument(
            "--template", action="store_true", help="write an empty template to FILE and stop"
        )
        parser.add_argument(
            "--org",
            default="",
            help="code of the organisation that holds the files (default: the top of the tree)",
        )
        parser.add_argument("--user", default="", help="username recorded as the importer")
        parser.add_argument("--report", default="", help="write the per-row results to this .xlsx")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file, dry_run, template, org, user, report, no_progress, **options):
        from driverhome.drivers import importer

        path = Path(file)
        if template:
            path.write_bytes(importer.template_xlsx())
            self.stdout.write(f"template written to {path}")
            return
        if not path.is_file():
            raise CommandError(f"{path} does not exist")
        if org:
            organisation = Organisation.objects.filter(code=org).first()
            if organisation is None:
                raise CommandError(f"no organisation with code {org!r}")
        else:
            organisation = Organisation.objects.filter(parent__isnull=True).order_by("path").first()
            if organisation is None:
                raise CommandError("no organisations yet: run `driverhome demo` or create one")
        actor = None
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"no user {user!r}")
        show = not no_progress and sys.stderr.isatty()
        started = time.perf_counter()

        def progress(done, total):
            if show and total:
                sys.stderr.write(f"\r  {done:>7}/{total} rows written ({done * 100 // total}%)")
                sys.stderr.flush()

        try:
            result = importer.run_import(
                path.read_bytes(),
                filename=path.name,
                organisation=organisation,
                actor=actor,
                dry_run=dry_run,
                progress=progress,
            )
        except importer.ImportFileError as exc:
            raise CommandError(str(exc)) from None
        if show:
            sys.stderr.write("\n")
        elapsed = time.perf_counter() - started
        for number, _outcome, column, reason in result.errors:
            self.stdout.write(f"  row {number}: {column}: {reason}")
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{result.total} rows: {result.created} {verb} created, {result.updated} {verb} updated, "
            f"{result.rejected} rejected ({elapsed:.2f} s)"
        )
        if report:
            Path(report).write_bytes(importer.report_xlsx(result.rows))
            self.stdout.write(f"report written to {report}")
