"""``driverhome backup`` while the platform writes, ``driverhome restore`` elsewhere, compare."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from tests.conftest import DB_NAME, driverhome, process_env

pytestmark = pytest.mark.slow

# A second process that keeps writing audit rows (each in its own transaction), like a busy
# platform, until told to stop by a file.
WRITER = """
import os, sys, time
import django
django.setup()
from django.db import transaction
from driverhome.accounts import audit
stop = sys.argv[1]
started = sys.argv[2]
n = 0
while not os.path.exists(stop):
    with transaction.atomic():
        audit.record(None, "backup.test", object_type="test", object_id=str(n), note="x" * 200)
    n += 1
    if n == 20:
        open(started, "w").close()
print(n)
"""


def tables(path: Path) -> dict[str, list[tuple]]:
    from django.db.backends.sqlite3._functions import register

    conn = sqlite3.connect(path)
    register(conn)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()  # noqa: S608
            for name in names
        }
    finally:
        conn.close()


def add_uploads(data_dir: Path) -> dict[str, bytes]:
    files = {
        "appeals/2026/11/a.jpg": b"\xff\xd8\xff first photo",
        "stations/2026/11/b.png": b"\x89PNG second photo",
    }
    for name, content in files.items():
        path = data_dir / "uploads" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return files


def read_uploads(data_dir: Path) -> dict[str, bytes]:
    root = data_dir / "uploads"
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_backup_and_restore_round_trip(migrated_data_dir, tmp_path):
    source = migrated_data_dir
    uploads = add_uploads(source)
    archive = tmp_path / "backup.tar.gz"
    result = driverhome(source, "backup", "--out", str(archive))
    assert "Backup written to" in result.stdout
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
    assert {"manifest.json", "database.sqlite3", *(f"uploads/{n}" for n in uploads)} <= names
    assert manifest["engine"] == "sqlite" and manifest["uploads"] == len(uploads)
    assert archive.stat().st_mode & 0o077 == 0  # readable by the owner only

    target = tmp_path / "elsewhere"
    target.mkdir()
    driverhome(target, "restore", str(archive), "--yes")
    original, restored = tables(source / DB_NAME), tables(target / DB_NAME)
    assert set(original) == set(restored)
    counts = {name: len(rows) for name, rows in restored.items()}
    assert counts == manifest["tables"]
    assert sum(counts.values()) > 100  # the seeded catalogues at least
    for name in original:
        assert original[name] == restored[name], f"table {name} differs after restore"
    assert read_uploads(target) == uploads
    # The restored database is complete: no migration is missing.
    assert driverhome(target, "migrate", "--check").returncode == 0


def test_backup_while_the_platform_writes(migrated_data_dir, tmp_path):
    source = migrated_data_dir
    stop, started = tmp_path / "stop", tmp_path / "started"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stop), str(started)],
        env=process_env(source),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=source,
    )
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert writer.poll() is None, writer.stderr.read()
            assert time.monotonic() < deadline, "the writer never started"
            time.sleep(0.05)
        archive = tmp_path / "live.tar.gz"
        driverhome(source, "backup", "--out", str(archive))
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    written = int(out.strip())

    target = tmp_path / "restored"
    target.mkdir()
    driverhome(target, "restore", str(archive), "--yes")
    live, restored = tables(source / DB_NAME), tables(target / DB_NAME)
    # A consistent snapshot: the writer's rows are a prefix of what it wrote, nothing torn.
    column = "object_id"
    conn = sqlite3.connect(target / DB_NAME)
    try:
        ids = [
            int(r[0])
            for r in conn.execute(
                f"SELECT {column} FROM accounts_auditlog WHERE action = 'backup.test' ORDER BY id"  # noqa: S608
            )
        ]
    finally:
        conn.close()
    assert 20 <= len(ids) <= written
    assert ids == list(range(len(ids)))
    # Every other table is exactly as live (only the writer wrote).
    for name in live:
        if name == "accounts_auditlog":
            assert live[name][: len(restored[name])] == restored[name]
        else:
            assert live[name] == restored[name], name


def test_restore_refuses_a_damaged_archive_and_changes_nothing(migrated_data_dir, tmp_path):
    source = migrated_data_dir
    archive = tmp_path / "good.tar.gz"
    driverhome(source, "backup", "--out", str(archive))
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as good, tarfile.open(damaged, "w:gz") as bad:
        for member in good.getmembers():
            data = good.extractfile(member).read()
            if member.name == "database.sqlite3":
                data = data[: len(data) // 2]
                member.size = len(data)
            bad.addfile(member, io.BytesIO(data))
    before = tables(source / DB_NAME)
    result = driverhome(source, "restore", str(damaged), "--yes", check=False)
    assert result.returncode != 0
    assert "damaged" in result.stderr
    assert tables(source / DB_NAME) == before

    not_a_backup = tmp_path / "x.tar.gz"
    not_a_backup.write_bytes(b"not a tar file")
    result = driverhome(source, "restore", str(not_a_backup), "--yes", check=False)
    assert result.returncode != 0 and "not a readable backup archive" in result.stderr


def test_restore_refuses_paths_outside_the_data_folder(migrated_data_dir, tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        data = b"owned"
        info = tarfile.TarInfo("../../escape.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    result = driverhome(migrated_data_dir, "restore", str(evil), "--yes", check=False)
    assert result.returncode != 0 and "unsafe path" in result.stderr
    assert not (tmp_path / "escape.txt").exists()
