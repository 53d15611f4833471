"""Typed environment helpers.

Every setting read from the environment goes through one of these functions.
A bad value stops the process with a message naming the variable, what it
holds and what was expected, instead of failing later in an obscure place.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse


class EnvError(ValueError):
    """An environment variable holds a value of the wrong form."""


def read_env_file(path: str | Path, environ: dict | None = None) -> list[str]:
    """Set the variables of a ``.env`` file that the environment does not set already.

    ``NAME=value`` lines (``export NAME=value`` too); blank lines and ``#`` comments are
    skipped; a value may be wrapped in single or double quotes. A variable already in the
    environment wins, so the service manager's settings override the file. A missing file
    sets nothing. Returns the names it set.
    """
    env = os.environ if environ is None else environ
    path = Path(path)
    if not path.is_file():
        return []
    loaded = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        name, sep, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name.replace("_", "").isalnum():
            raise EnvError(f"{path}:{number}: not a NAME=value line: {raw.strip()[:60]!r}")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if name not in env:
            env[name] = value
            loaded.append(name)
    return loaded


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    env = os.environ if environ is None else environ
    value = env.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str = "", *, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool = False, *, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    low = value.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise EnvError(f"{name}={value!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off")


def env_int(
    name: str,
    default: int,
    *,
    min_value: int | None = None,
    max_value: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise EnvError(f"{name}={value!r} is not a whole number") from None
    if min_value is not None and number < min_value:
        raise EnvError(f"{name}={number} is below the minimum {min_value}")
    if max_value is not None and number > max_value:
        raise EnvError(f"{name}={number} is above the maximum {max_value}")
    return number


def env_choice(
    name: str, choices: tuple[str, ...], default: str, *, environ: Mapping[str, str] | None = None
) -> str:
    value = env_str(name, default, environ=environ)
    if value not in choices:
        raise EnvError(f"{name}={value!r} is not one of: {', '.join(choices)}")
    return value


def env_list(
    name: str, default: list[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> list[str]:
    value = _raw(name, environ)
    if value is None or value == "":
        return list(default or [])
    return [part.strip() for part in value.split(",") if part.strip()]


def env_path(name: str, default: Path, *, environ: Mapping[str, str] | None = None) -> Path:
    value = _raw(name, environ)
    path = default if value is None or value == "" else Path(value)
    path = path.expanduser()
    if path.exists() and not path.is_dir():
        raise EnvError(f"{name}={str(path)!r} exists and is not a folder")
    return path.resolve()


def env_url(
    name: str,
    default: str = "",
    *,
    schemes: tuple[str, ...] = ("http", "https"),
    environ: Mapping[str, str] | None = None,
) -> str:
    value = env_str(name, default, environ=environ)
    if value == "":
        return value
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        raise EnvError(f"{name}={value!r} is not a URL with scheme {' or '.join(schemes)}")
    return value


def parse_database_url(name: str, value: str) -> dict:
    """Turn ``postgres://user:pass@host:port/db?sslmode=require`` into Django's DATABASES entry."""
    parsed = urlparse(value)
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        raise EnvError(
            f"{name}={value!r} is not a PostgreSQL URL (postgres://user:password@host:port/db); "
            "leave it unset to use SQLite"
        )
    db_name = unquote(parsed.path.lstrip("/"))
    if not db_name:
        raise EnvError(f"{name}={value!r} names no database (…/dbname)")
    try:
        port = parsed.port
    except ValueError:
        raise EnvError(f"{name}={value!r} has a port that is not a number") from None
    options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": db_name,
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
