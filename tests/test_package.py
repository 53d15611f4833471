"""What an adopting district expects of the package: its version, its licence, a .env file."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from driverhome.__main__ import main
from driverhome.config.env import EnvError, read_env_file

ROOT = Path(__file__).resolve().parent.parent


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_version_prints_the_platforms_version_not_djangos(monkeypatch, capsys):
    import django

    monkeypatch.setattr(sys, "argv", ["driverhome", "--version"])
    main()
    printed = capsys.readouterr().out.strip()
    assert printed == pyproject()["project"]["version"]
    assert printed != django.get_version()


def test_the_licence_is_declared_in_spdx_form_and_shipped():
    project = pyproject()["project"]
    assert project["license"] == "AGPL-3.0-or-later"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007")
    for name in ("CHANGELOG.md", "CONTRIBUTING.md", "SECURITY.md"):
        assert (ROOT / name).is_file(), name


def test_an_env_file_fills_in_what_the_environment_leaves_unset(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\n\nDRIVERHOME_LOG_LEVEL=WARNING\nexport PORT='9000'\n"
        'DRIVERHOME_SITE_URL="https://dh.example.gov.cn"\n',
        encoding="utf-8",
    )
    environ = {"DRIVERHOME_LOG_LEVEL": "ERROR"}
    loaded = read_env_file(env_file, environ)
    assert environ == {
        "DRIVERHOME_LOG_LEVEL": "ERROR",  # the environment wins
        "PORT": "9000",
        "DRIVERHOME_SITE_URL": "https://dh.example.gov.cn",
    }
    assert loaded == ["PORT", "DRIVERHOME_SITE_URL"]


def test_a_missing_env_file_sets_nothing_and_a_broken_line_is_named(tmp_path):
    assert read_env_file(tmp_path / "absent", {}) == []
    broken = tmp_path / ".env"
    broken.write_text("PORT=1\nthis is not a setting\n", encoding="utf-8")
    with pytest.raises(EnvError, match=":2:"):
        read_env_file(broken, {})


def test_the_settings_read_the_env_file_in_the_working_folder(tmp_path):
    (tmp_path / ".env").write_text(
        f"DRIVERHOME_DATA_DIR={tmp_path / 'data'}\nDRIVERHOME_LOG_LEVEL=WARNING\n"
        "DRIVERHOME_TIME_ZONE=Asia/Urumqi\n",
        encoding="utf-8",
    )
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DRIVERHOME_") and key != "DJANGO_SETTINGS_MODULE"
    }
    environ["DRIVERHOME_TIME_ZONE"] = "Asia/Shanghai"  # set by the service manager: it wins
    code = (
        "from driverhome.config import settings as s;"
        "print(s.LOG_LEVEL, s.TIME_ZONE, s.DATA_DIR.name)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["WARNING", "Asia/Shanghai", "data"]
