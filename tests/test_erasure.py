"""Erasure really erases: after a driver's erasure no file of the data folder (database,
WAL after a checkpoint, uploads, job queue) and no backup taken afterwards holds his name,
ID number or phone number, in UTF-8 or JSON-escaped; a caller's contact is never in clear.

The life before the erasure is played by ``tests/erasure_scenario.py`` in a process of
its own on a file SQLite database. PostgreSQL's files cannot be scanned from here: its
equivalent (every text and JSON column of every table) is in
``src/driverhome/drivers/tests/test_erasure_columns.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests import erasure_scenario as scenario
from tests.conftest import driverhome, process_env

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).with_name("erasure_scenario.py")
ERASED = {
    "name": scenario.DRIVER_NAME,
    "ID number": scenario.DRIVER_ID,
    "phone": scenario.DRIVER_PHONE,
    "hometown": scenario.HOMETOWN,
    "party branch": scenario.PARTY_BRANCH,
}
NEVER_IN_CLEAR = {
    "caller's name": scenario.REPORTER_NAME,
    "caller's phone": scenario.REPORTER_PHONE,
    "caller's e-mail": scenario.REPORTER_EMAIL,
}
# Figures that count the files on record: an erased file leaves them by design.
FILE_FIGURES = {"drivers_on_file", "drivers_by_residence", "drivers_by_employer", "drivers_by_node"}


def encodings(value: str) -> dict[str, bytes]:
    """The byte forms a value could be stored in."""
    escaped = json.dumps(value, ensure_ascii=True)[1:-1]
    return {
        "utf-8": value.encode("utf-8"),
        "json \\u escapes": escaped.encode("ascii"),
        "json \\u escapes, upper case": escaped.replace("\\u", "\\U")
        .upper()
        .replace("\\U", "\\u")
        .encode("ascii"),
        "utf-16-le": value.encode("utf-16-le"),
        "gb18030": value.encode("gb18030"),
    }


def find(blobs: dict[str, bytes], values: dict[str, str]) -> list[str]:
    found = []
    for where, blob in blobs.items():
        for what, value in values.items():
            for encoding, needle in encodings(value).items():
                if needle in blob:
                    found.append(f"{what} ({encoding}) in {where}")
    return found


def data_files(data_dir: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(data_dir)): p.read_bytes()
        for p in sorted(data_dir.rglob("*"))
        if p.is_file() and "keys" not in p.relative_to(data_dir).parts
    }


def backup_members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {
            f"backup:{m.name}": tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()
        }


def test_erased_driver_is_in_no_file_and_no_backup(migrated_data_dir, tmp_path):
    data_dir = migrated_data_dir
    result = subprocess.run(
        [sys.executable, str(SCRIPT)],
        env=process_env(data_dir, DRIVERHOME_JOBS_IMMEDIATE="0"),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=data_dir,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["checkpoint_busy"] == 0

    files = data_files(data_dir)
    assert "driverhome.sqlite3" in files and "jobs.sqlite3" in files  # SMS were queued
    archive = tmp_path / "backup.tar.gz"
    driverhome(data_dir, "backup", "--out", str(archive))
    files.update(backup_members(archive))

    assert find(files, ERASED) == []
    assert find(files, NEVER_IN_CLEAR) == []

    before, after = report["before"], report["after"]
    changed = {k for k in before if before[k] != after[k]}
    assert changed <= FILE_FIGURES, {k: (before[k], after[k]) for k in changed}
    assert before["requests_received"] == after["requests_received"] >= 2


def test_the_scan_finds_what_is_there(tmp_path):
    """The scanner is not blind: clear and JSON-escaped values are found."""
    blob = json.dumps({"n": scenario.DRIVER_NAME}).encode() + scenario.DRIVER_PHONE.encode()
    found = find({"sample": blob}, ERASED)
    assert "name (json \\u escapes) in sample" in found and "phone (utf-8) in sample" in found
