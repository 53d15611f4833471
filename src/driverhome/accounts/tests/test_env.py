"""The typed environment helpers reject bad values with a message naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from driverhome.config.env import (
    EnvError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_path,
    env_str,
    env_url,
    parse_database_url,
)


@pytest.mark.parametrize("value", ["1", "true", "YES", "on", " True "])
def test_bool_true(value):
    assert env_bool("X_FLAG", environ={"X_FLAG": value}) is True


@pytest.mark.parametrize("value", ["0", "false", "No", "off", ""])
def test_bool_false(value):
    assert env_bool("X_FLAG", True, environ={"X_FLAG": value}) is False


def test_bool_default_when_unset():
    assert env_bool("X_FLAG", True, environ={}) is True


@pytest.mark.parametrize("value", ["maybe", "2", "enabled", "y"])
def test_bool_refuses_other_words(value):
    with pytest.raises(EnvError) as err:
        env_bool("X_FLAG", environ={"X_FLAG": value})
    assert "X_FLAG" in str(err.value) and "boolean" in str(err.value)


def test_int_parses_and_defaults():
    assert env_int("X_N", 5, environ={"X_N": "12"}) == 12
    assert env_int("X_N", 5, environ={}) == 5
    assert env_int("X_N", 5, environ={"X_N": ""}) == 5


@pytest.mark.parametrize("value", ["twelve", "1.5", "0x10", "1e3"])
def test_int_refuses_non_numbers(value):
    with pytest.raises(EnvError, match=r"X_N=.* is not a whole number"):
        env_int("X_N", 5, environ={"X_N": value})


def test_int_bounds():
    with pytest.raises(EnvError, match="below the minimum 1"):
        env_int("X_N", 5, min_value=1, environ={"X_N": "0"})
    with pytest.raises(EnvError, match="above the maximum 10"):
        env_int("X_N", 5, max_value=10, environ={"X_N": "11"})
    assert env_int("X_N", 5, min_value=1, max_value=10, environ={"X_N": "10"}) == 10


def test_choice():
    choices = ("development", "test", "production")
    assert env_choice("X_ENV", choices, "development", environ={"X_ENV": "production"}) == (
        "production"
    )
    assert env_choice("X_ENV", choices, "development", environ={}) == "development"
    with pytest.raises(EnvError) as err:
        env_choice("X_ENV", choices, "development", environ={"X_ENV": "prod"})
    assert "X_ENV='prod'" in str(err.value) and "production" in str(err.value)


def test_str_and_list():
    assert env_str("X_S", "d", environ={"X_S": "  v  "}) == "v"
    assert env_str("X_S", "d", environ={"X_S": ""}) == "d"
    assert env_list("X_L", environ={"X_L": "a, b,,c "}) == ["a", "b", "c"]
    assert env_list("X_L", ["z"], environ={}) == ["z"]


def test_url():
    assert env_url("X_U", environ={"X_U": "https://example.org/x"}) == "https://example.org/x"
    assert env_url("X_U", environ={}) == ""
    with pytest.raises(EnvError, match="X_U=.* is not a URL with scheme http or https"):
        env_url("X_U", environ={"X_U": "ftp://example.org"})
    with pytest.raises(EnvError):
        env_url("X_U", environ={"X_U": "example.org"})
    assert env_url("R", schemes=("redis",), environ={"R": "redis://127.0.0.1:6379/0"})


def test_path(tmp_path):
    assert env_path("X_P", tmp_path, environ={}) == tmp_path.resolve()
    file = tmp_path / "a-file"
    file.write_text("x")
    with pytest.raises(EnvError, match="exists and is not a folder"):
        env_path("X_P", Path("/nonexistent"), environ={"X_P": str(file)})


def test_database_url_postgres():
    db = parse_database_url(
        "DATABASE_URL", "postgres://dh:p%40ss@db.example:6543/driverhome?sslmode=require"
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "driverhome",
        "dh",
        "p@ss",
        "db.example",
        "6543",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_database_url_without_port_or_password():
    db = parse_database_url("DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    assert (db["HOST"], db["PORT"], db["PASSWORD"], db["NAME"]) == ("127.0.0.1", "", "", "test")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("mysql://u@h/db", "is not a PostgreSQL URL"),
        ("sqlite:///var/db.sqlite3", "is not a PostgreSQL URL"),
        ("postgres://u@h:5432/", "names no database"),
        ("postgres://u@h:port/db", "port that is not a number"),
    ],
)
def test_database_url_refused(value, message):
    with pytest.raises(EnvError, match=message):
        parse_database_url("DATABASE_URL", value)


def test_settings_refuse_a_bad_value_at_start(tmp_path):
    """The settings module itself stops with the helper's message."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DRIVERHOME_DATA_DIR": str(tmp_path),
        "DRIVERHOME_LOGIN_FAILURE_LIMIT": "many",
        "DJANGO_SETTINGS_MODULE": "driverhome.config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DRIVERHOME_LOGIN_FAILURE_LIMIT='many' is not a whole number" in result.stderr


def _settings_variables() -> set[str]:
    import re

    config = Path(__file__).resolve().parents[2] / "config"
    names = set()
    for source in ("settings.py", "gunicorn.py"):
        text = (config / source).read_text(encoding="utf-8")
        names |= set(re.findall(r"env_\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", text))
        names |= set(re.findall(r"os\.environ\.get\(\s*[\"']([A-Z][A-Z0-9_]+)[\"']", text))
    return names


def test_every_variable_is_documented():
    """`.env.example` and docs/operations.md name every variable the settings read."""
    root = Path(__file__).resolve().parents[4]
    names = _settings_variables()
    assert {"DRIVERHOME_ENV", "DATABASE_URL", "DRIVERHOME_FIELD_KEYS", "PORT"} <= names
    example = (root / ".env.example").read_text(encoding="utf-8")
    operations = (root / "docs" / "operations.md").read_text(encoding="utf-8")
    missing_example = sorted(n for n in names if n not in example)
    missing_docs = sorted(n for n in names if n not in operations)
    assert not missing_example, f".env.example lacks {missing_example}"
    assert not missing_docs, f"docs/operations.md lacks {missing_docs}"
