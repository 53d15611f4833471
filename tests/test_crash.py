"""A process killed mid-write leaves the data as before or as after, never between.

Each scenario runs in its own Python process on a file SQLite database. The process
counts the writing statements it sends and stops after the Nth (see
``tests/crash_scenarios.py``); the test then kills it with SIGKILL (no clean-up,
no rollback in Python: exactly a power cut or an OOM kill) and reads the database
with a fresh connection.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import DB_NAME, process_env

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).with_name("crash_scenarios.py")


def scenario(data_dir: Path, phase: str, name: str, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), phase, name],
        env=process_env(data_dir, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=data_dir,
    )


def setup(data_dir: Path, name: str) -> dict:
    proc = scenario(data_dir, "setup", name)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def kill_after(data_dir: Path, name: str, writes: int) -> dict:
    """Run the scenario, SIGKILL it right after its Nth writing statement; the marker's content."""
    marker = data_dir / f"crash-{name}-{writes}.json"
    proc = scenario(data_dir, "run", name, CRASH_AFTER=str(writes), CRASH_MARKER=str(marker))
    deadline = time.monotonic() + 120
    while not marker.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"{name} finished before write {writes}: {out}\n{err}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{name}: no crash point reached")
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return json.loads(marker.read_text())


def finish(data_dir: Path, name: str) -> None:
    proc = scenario(data_dir, "run", name)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err


def query(data_dir: Path, sql: str, params=()) -> list[tuple]:
    from django.db.backends.sqlite3._functions import register

    conn = sqlite3.connect(data_dir / DB_NAME)
    register(conn)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def count(data_dir: Path, table: str, where: str = "1=1", params=()) -> int:
    return query(data_dir, f"SELECT COUNT(*) FROM {table} WHERE {where}", params)[0][0]  # noqa: S608


# --- an API token and its audit row -----------------------------------------------------------------


def token_state(data_dir):
    return (
        count(data_dir, "accounts_apitoken"),
        count(data_dir, "accounts_auditlog", "action = 'token.issue'"),
    )


def test_token_issue_killed_between_its_two_rows(migrated_data_dir):
    data_dir = migrated_data_dir
    setup(data_dir, "token")
    before = token_state(data_dir)
    point = kill_after(data_dir, "token", writes=1)  # the token row is written, the audit row not
    assert point["in_transaction"] is True
    assert token_state(data_dir) == before
    finish(data_dir, "token")
    assert token_state(data_dir) == (before[0] + 1, before[1] + 1)


# --- a roster import -----------------------------------------------------------------------------------


def import_state(data_dir):
    drivers = count(data_dir, "drivers_driver")
    vehicles = count(data_dir, "drivers_vehicle")
    orphans = query(
        data_dir,
        "SELECT COUNT(*) FROM drivers_driver d WHERE NOT EXISTS "
        "(SELECT 1 FROM drivers_vehicle v WHERE v.driver_id = d.id)",
    )[0][0]
    return drivers, vehicles, orphans


@pytest.mark.parametrize("writes", [2, 4])
def test_import_killed_mid_batch_keeps_whole_batches(migrated_data_dir, writes):
    pytest.importorskip("driverhome.drivers.importer")
    data_dir = migrated_data_dir
    info = setup(data_dir, "import")
    before = import_state(data_dir)
    assert before == (0, 0, 0)
    point = kill_after(data_dir, "import", writes=writes)
    assert point["in_transaction"] is True
    drivers, vehicles, orphans = import_state(data_dir)
    # One transaction per batch: only whole batches, each driver with his vehicle.
    assert drivers % info["batch"] == 0 and drivers < info["rows"], drivers
    assert vehicles == drivers and orphans == 0
    # Each committed batch committed its audit row with it.
    batches = count(data_dir, "accounts_auditlog", "action = 'driver.import.batch'")
    assert batches == drivers // info["batch"]
    # Running the same file again completes it without duplicates.
    finish(data_dir, "import")
    assert import_state(data_dir) == (info["rows"], info["rows"], 0)
    assert count(data_dir, "accounts_auditlog", "action = 'driver.import'") == 1


# --- a workflow transition -----------------------------------------------------------------------------


def appeal_state(data_dir, pk):
    status, version = query(
        data_dir, "SELECT status, version FROM appeals_appeal WHERE id = ?", (pk,)
    )[0]
    transitions = count(
        data_dir, "appeals_transition", "appeal_id = ? AND to_status = 'reported'", (pk,)
    )
    audits = count(data_dir, "accounts_auditlog", "action = 'appeal.reported'")
    return status, version, transitions, audits


@pytest.mark.parametrize("writes", [2])
def test_transition_killed_midway(migrated_data_dir, writes):
    pytest.importorskip("driverhome.appeals.actions")
    data_dir = migrated_data_dir
    info = setup(data_dir, "transition")
    before = appeal_state(data_dir, info["appeal"])
    assert before[2:] == (0, 0)
    point = kill_after(data_dir, "transition", writes=writes)
    assert point["in_transaction"] is True
    assert appeal_state(data_dir, info["appeal"]) == before
    finish(data_dir, "transition")
    status, version, transitions, audits = appeal_state(data_dir, info["appeal"])
    assert (status, version, transitions, audits) == ("reported", before[1] + 1, 1, 1)
