"""System checks refuse an unsafe production configuration."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import override_settings

from driverhome.core.checks import production_settings

GOOD = {
    "PRODUCTION": True,
    "DEBUG": False,
    "SECRET_KEY": "k" * 50,
    "SECRET_KEY_FROM_ENV": True,
    "FIELD_ENCRYPTION_KEYS": ["x"],
    "FIELD_LOOKUP_KEY": "y",
    "FIELD_KEYS_FROM_ENV": True,
    "LOOKUP_KEY_FROM_ENV": True,
    "SESSION_COOKIE_SECURE": True,
}


def ids(**changes):
    with override_settings(**{**GOOD, **changes}):
        return sorted(message.id for message in production_settings())


def test_a_good_production_configuration_passes():
    assert ids() == []


def test_not_production_is_not_checked():
    assert ids(PRODUCTION=False, DEBUG=True, SECRET_KEY_FROM_ENV=False) == []


def test_debug_on_in_production_is_an_error():
    assert ids(DEBUG=True) == ["driverhome.E002"]


@pytest.mark.parametrize(
    "changes",
    [
        {"SECRET_KEY_FROM_ENV": False, "SECRET_KEY": "missing-secret-key"},
        {"SECRET_KEY": "short"},
    ],
)
def test_default_or_short_secret_is_an_error(changes):
    assert ids(**changes) == ["driverhome.E001"]


# Keys generated into the data folder (development) count as missing in production.
@pytest.mark.parametrize(
    "changes", [{"FIELD_KEYS_FROM_ENV": False}, {"LOOKUP_KEY_FROM_ENV": False}]
)
def test_missing_field_key_is_an_error(changes):
    assert ids(**changes) == ["driverhome.E003"]


def test_plain_http_cookies_warn():
    with override_settings(**{**GOOD, "SESSION_COOKIE_SECURE": False}):
        (message,) = production_settings()
    assert message.id == "driverhome.W001" and not message.is_serious()


def test_errors_are_serious():
    with override_settings(**{**GOOD, "DEBUG": True}):
        assert all(m.is_serious() for m in production_settings())


def test_production_without_keys_refuses_to_start(tmp_path):
    """End to end: `driverhome check` in production with nothing set exits with the three errors."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DRIVERHOME_", "DJANGO_", "DATABASE_URL"))
    }
    env.update(
        DRIVERHOME_ENV="production",
        DRIVERHOME_DATA_DIR=str(tmp_path),
        DRIVERHOME_DEBUG="1",
        DJANGO_SETTINGS_MODULE="driverhome.config.settings",
    )
    result = subprocess.run(
        [sys.executable, "-m", "driverhome", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    for code in ("driverhome.E001", "driverhome.E002", "driverhome.E003"):
        assert code in result.stderr
    # Nothing was generated into the data folder in production.
    assert not (tmp_path / "keys").exists()
