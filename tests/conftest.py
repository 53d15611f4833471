"""Fixtures for tests that run the platform in real processes on a file SQLite database."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "driverhome.sqlite3"


def process_env(data_dir: Path, **extra) -> dict:
    """The environment of a separate platform process: its own data folder, and SQLite
    unless the caller passes a ``DATABASE_URL`` (the browser tests' PostgreSQL server)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DRIVERHOME_", "DJANGO_", "PYTEST_")) and key != "DATABASE_URL"
    }
    env.update(
        DRIVERHOME_ENV="test",
        DRIVERHOME_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="driverhome.config.settings",
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def driverhome(data_dir: Path, *args, timeout=300, check=True, **extra_env):
    result = subprocess.run(
        [sys.executable, "-m", "driverhome", *args],
        env=process_env(data_dir, **extra_env),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=data_dir,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"driverhome {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result


def copy_data_dir(source: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "keys", target / "keys", dirs_exist_ok=True)
    src = sqlite3.connect(source / DB_NAME)
    dst = sqlite3.connect(target / DB_NAME)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    """A data folder with every migration applied (built once per test process)."""
    data_dir = tmp_path_factory.mktemp("migrated")
    driverhome(data_dir, "migrate", "--no-input", "-v", "0", timeout=600)
    return data_dir


@pytest.fixture
def migrated_data_dir(migrated_template, tmp_path) -> Path:
    return copy_data_dir(migrated_template, tmp_path / "data")
