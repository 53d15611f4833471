"""The root conftest fails a test whose request ended in an unhandled exception, even when
the test never looked at the response; a test that crashes on purpose opts out."""

from __future__ import annotations

pytest_plugins = ["pytester"]

TEST = """
import logging

import pytest
from django.test import Client, override_settings

URLS = "driverhome.core.tests.error_urls"


@override_settings(ROOT_URLCONF=URLS)
def test_crash_not_looked_at():
    Client(raise_request_exception=False).get("/d/boom/")


@override_settings(ROOT_URLCONF=URLS)
@pytest.mark.server_error
def test_crash_on_purpose():
    assert Client(raise_request_exception=False).get("/d/boom/").status_code == 500


def test_refusals_are_not_crashes():
    logging.getLogger("django.request").warning("Not Found: /nowhere")
    logging.getLogger("django.request").error("Service Unavailable: /x")
"""


def test_an_unhandled_exception_fails_the_test_that_caused_it(pytester):
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    shutil.copy(root / "conftest.py", pytester.path / "conftest.py")
    pytester.makepyfile(test_crashes=TEST)
    pytester.makeini(
        "[pytest]\nDJANGO_SETTINGS_MODULE = driverhome.config.settings_test\n"
        "markers =\n    server_error: on purpose\n    slow: slow\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xdist", "-q")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*unhandled exception(s) logged by django.request*"])
    assert "test_crash_not_looked_at" in result.stdout.str()


def test_the_browser_servers_log_is_read_for_crashes():
    """The browser tests' server (gunicorn, its own process) is checked the same way at the
    end of their run, from its JSON log."""
    from tests.server_log import unhandled_exceptions

    log = "\n".join(
        [
            "[2026-12-08 00:00:00 +0000] [1] [INFO] Booting worker with pid: 2",
            '{"level": "WARNING", "logger": "django.request", "message": "Not Found: /x"}',
            '{"level": "ERROR", "logger": "django.request", "message": "Internal Server '
            'Error: /d/", "exc": "Traceback ...\\nRuntimeError: boom"}',
            '{"level": "ERROR", "logger": "huey", "message": "x", "exc": "Traceback"}',
            "{not json",
        ]
    )
    crashes = unhandled_exceptions(log)
    assert [c["message"] for c in crashes] == ["Internal Server Error: /d/"]
    assert unhandled_exceptions("") == []
