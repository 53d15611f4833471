"""``driverhome restore ARCHIVE``: bring back a backup made by ``driverhome backup``.

The archive is checked first (manifest, checksum, SQLite integrity) and nothing
is touched if anything is wrong. SQLite: the backup API copies the saved
database into the live file in one step, so a running platform sees either the
old or the restored data; stop the server and the job consumer anyway, so no
request is answered from a cache of the old data. The current uploads folder is
moved aside to ``uploads.before-restore-<time>`` and the saved files take its place.

PostgreSQL: ``pg_restore --clean --if-exists`` into the configured database.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

from .backup import FORMAT_VERSION, integrity, need_tool, pg_env, sha256, sqlite_path


def _safe_members(archive: tarfile.TarFile):
    for member in archive.getmembers():
        path = PurePosixPath(member.name)
        if path.is_absolute() or ".." in path.parts:
            raise CommandError(f"The archive holds an unsafe path: {member.name!r}")
        if not (member.isfile() or member.isdir()):
            raise CommandError(f"The archive holds something that is not a file: {member.name!r}")
        yield member


class Command(BaseCommand):
    # A backup must work even when a system check (say, a production setting) fails.
    requires_system_checks: list = []
    help = "Restore the database and the uploads from an archive made by `driverhome backup`."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .tar.gz written by `driverhome backup`.")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask: replace the current data."
        )
        parser.add_argument("--no-uploads", action="store_true", help="Restore the database only.")

    def handle(self, *args, archive, yes=False, no_uploads=False, **options):
        source = Path(archive).expanduser()
        if not source.is_file():
            raise CommandError(f"No backup archive at {source}.")
        data_dir = Path(settings.DATA_DIR)
        with tempfile.TemporaryDirectory(dir=data_dir, prefix=".restore-") as tmp:
            tmpdir = Path(tmp)
            try:
                with tarfile.open(source, "r:gz") as tar:
                    tar.extractall(tmpdir, members=list(_safe_members(tar)), filter="data")
            except (tarfile.TarError, OSError, EOFError) as exc:
                raise CommandError(f"{source} is not a readable backup archive: {exc}") from None
            manifest_file = tmpdir / "manifest.json"
            if not manifest_file.is_file():
                raise CommandError(f"{source} has no manifest.json: not a driverhome backup.")
            manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
            if manifest.get("format") != FORMAT_VERSION:
                raise CommandError(f"Unknown backup format {manifest.get('format')!r}.")
            db_file = tmpdir / manifest.get("database", "")
            if not db_file.is_file() or sha256(db_file) != manifest.get("database_sha256"):
                raise CommandError("The database in the archive is missing or damaged (checksum).")
            engine = connections["default"].vendor
            if manifest.get("engine") != engine:
                raise CommandError(
                    f"The backup is of a {manifest.get('engine')} database; this platform runs on "
                    f"{engine}. Move data between engines with dumpdata/loaddata instead."
                )

            if not yes:
                answer = input(
                    f"Replace the current database and uploads with the backup of "
                    f"{manifest.get('created_at')}? [y/N] "
                )
                if answer.strip().lower() not in ("y", "yes"):
                    raise CommandError("Nothing was changed.")

            connections.close_all()
            if engine == "sqlite":
                self._restore_sqlite(db_file)
            else:
                self._restore_postgresql(db_file)

            restored_uploads = 0
            uploads_src = tmpdir / "uploads"
            if not no_uploads:
                restored_uploads = self._restore_uploads(uploads_src)

        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest.get('created_at')} "
                f"({restored_uploads} uploaded files)."
            )
        )

    def _restore_sqlite(self, db_file: Path) -> None:
        result = integrity(db_file)
        if result != "ok":
            raise CommandError(f"The database in the archive fails its integrity check: {result}")
        target = sqlite_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
        dst = sqlite3.connect(target, timeout=60)
        try:
            dst.execute("PRAGMA journal_mode=WAL")
            src.backup(dst, pages=-1)  # one step: readers see old or new, never a mix
        finally:
            dst.close()
            src.close()

    def _restore_postgresql(self, db_file: Path) -> None:
        db = settings.DATABASES["default"]
        pg_restore = need_tool("pg_restore")
        result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={db['NAME']}",
                str(db_file),
            ],
            env=pg_env(db),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_restore failed: {result.stderr.strip()}")

    def _restore_uploads(self, uploads_src: Path) -> int:
        uploads = Path(settings.MEDIA_ROOT)
        if not uploads_src.is_dir():
            uploads_src.mkdir()
        count = sum(1 for f in uploads_src.rglob("*") if f.is_file())
        staged = uploads.with_name(".uploads-restoring")
        if staged.exists():
            raise CommandError(f"{staged} exists from an interrupted restore: look and remove it.")
        shutil.move(uploads_src, staged)  # a rename: the temporary folder is in DATA_DIR
        if uploads.exists():
            aside = uploads.with_name(f"uploads.before-restore-{timezone.now():%Y%m%d-%H%M%S}")
            os.replace(uploads, aside)
            self.stdout.write(f"The previous uploads were kept in {aside}.")
        os.replace(staged, uploads)
        return count
