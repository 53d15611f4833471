"""``driverhome backup``: a consistent copy of the database and the uploads, while the platform runs.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies the live
database page by page into a snapshot that is consistent at one instant, even
while requests write to it. The uploads folder is archived *after* the database,
so every file a database row names is in the archive (a file saved later is
harmless extra). Both go into one ``.tar.gz`` with a ``manifest.json`` (time,
engine, row count per table, checksum of the database file).

PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot too) goes into
the same archive; for point-in-time recovery use WAL archiving as
``docs/operations.md`` explains.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

FORMAT_VERSION = 1


def sqlite_path(alias: str = "default") -> Path | None:
    db = settings.DATABASES[alias]
    if connections[alias].vendor != "sqlite":
        return None
    name = str(db["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise CommandError("The database is in memory: there is nothing on disk to back up.")
    return Path(name)


def open_sqlite(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A plain connection that knows Django's SQL functions (indexes and constraints use them)."""
    from django.db.backends.sqlite3._functions import register

    conn = sqlite3.connect(f"file:{path}?mode=ro" if readonly else str(path), uri=readonly)
    register(conn)
    return conn


def integrity(path: Path) -> str:
    conn = open_sqlite(path, readonly=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def table_counts_sqlite(path: Path) -> dict[str, int]:
    conn = open_sqlite(path, readonly=True)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name"
            )
        ]
        # Table names come from sqlite_master, not from user input.
        return {
            t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]  # noqa: S608
            for t in tables
        }
    finally:
        conn.close()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pg_env(db: dict) -> dict:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return env


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CommandError(
            f"The database is PostgreSQL and `{name}` is not installed. Install the PostgreSQL "
            f"client tools of the server's major version (Debian: apt-get install postgresql-client), "
            f"or back up with `{name}` on the database server itself (see docs/operations.md)."
        )
    return path


def online_sqlite_copy(source: Path, target: Path) -> None:
    """Copy a live SQLite database with the online backup API."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(target)
    try:
        # pages=-1 copies everything in one step: a snapshot consistent at one instant.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
    finally:
        dst.close()
        src.close()
    result = integrity(target)
    if result != "ok":
        raise CommandError(f"The copy of the database failed its integrity check: {result}")


class Command(BaseCommand):
    # A backup must work even when a system check (say, a production setting) fails.
    requires_system_checks: list = []
    help = (
        "Back up the database and the uploads into one .tar.gz while the platform runs "
        "(SQLite online backup; pg_dump on PostgreSQL)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--out",
            help="Archive to write (default: DATA_DIR/backups/driverhome-<time>.tar.gz). "
            "A folder means: a new archive in that folder.",
        )
        parser.add_argument(
            "--no-uploads", action="store_true", help="Leave the uploaded files out."
        )

    def handle(self, *args, out=None, no_uploads=False, **options):
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        default_name = f"driverhome-{stamp}.tar.gz"
        if out is None:
            target = Path(settings.DATA_DIR) / "backups" / default_name
        else:
            target = Path(out).expanduser()
            if target.is_dir():
                target = target / default_name
        target.parent.mkdir(parents=True, exist_ok=True)
        uploads = Path(settings.MEDIA_ROOT)

        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".backup-") as tmp:
            tmpdir = Path(tmp)
            manifest = {
                "format": FORMAT_VERSION,
                "created_at": timezone.now().isoformat(),
                "engine": connections["default"].vendor,
            }
            path = sqlite_path()
            if path is not None:
                if not path.exists():
                    raise CommandError(f"No database at {path}: run `driverhome migrate` first.")
                db_file = tmpdir / "database.sqlite3"
                online_sqlite_copy(path, db_file)
                manifest["database"] = db_file.name
                manifest["tables"] = table_counts_sqlite(db_file)
            else:
                db = settings.DATABASES["default"]
                pg_dump = need_tool("pg_dump")
                db_file = tmpdir / "database.pgdump"
                result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
                    [pg_dump, "--format=custom", "--no-owner", f"--file={db_file}", db["NAME"]],
                    env=pg_env(db),
                    capture_output=True,
                    text=True,
                )
                if result.returncode != 0:
                    raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
                manifest["database"] = db_file.name
            manifest["database_sha256"] = sha256(db_file)

            partial = target.with_name(target.name + ".partial")
            files = 0
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(db_file, arcname=db_file.name)
                if not no_uploads and uploads.is_dir():
                    for file in sorted(uploads.rglob("*")):
                        if file.is_file():
                            archive.add(file, arcname=f"uploads/{file.relative_to(uploads)}")
                            files += 1
                manifest["uploads"] = files
                data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size = len(data)
                info.mtime = int(timezone.now().timestamp())
                archive.addfile(info, io.BytesIO(data))
            partial.chmod(0o600)
            os.replace(partial, target)  # never a half-written archive under the final name

        tables = manifest.get("tables")
        rows = f", {sum(tables.values())} rows in {len(tables)} tables" if tables else ""
        self.stdout.write(
            self.style.SUCCESS(f"Backup written to {target}{rows}, {files} uploaded files.")
        )
        return None
