"""400, 403, 404 and 500 are the platform's own pages in the reader's language; the API keeps JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

ERROR_URLS = "driverhome.core.tests.error_urls"


def _client(language="zh-hans", **kwargs):
    return Client(headers={"Accept-Language": language}, **kwargs)


@pytest.mark.parametrize(
    ("language", "title"), [("zh-hans", "页面不存在"), ("en", "Page not found")]
)
def test_an_unknown_driver_address_is_the_driver_sites_404_page(language, title):
    response = _client(language).get("/d/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert title in html
    assert 'class="driver"' in html and "driver-top" in html
    assert "URLconf" not in html and "Traceback" not in html


def test_an_unknown_console_address_has_the_consoles_look(client_for):
    response = client_for("site_staff").get("/console/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "console-nav" in html
    anonymous = _client("en").get("/console/no-such-page/")
    assert anonymous.status_code == 404
    assert "Staff console" in anonymous.content.decode()
    assert "console-nav" not in anonymous.content.decode()


def test_api_paths_keep_their_json_errors():
    response = _client("en").get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"code": "not_found", "detail": "Not found."}


@override_settings(ROOT_URLCONF=ERROR_URLS)
@pytest.mark.parametrize(
    ("path", "marker"), [("/d/forbidden/", "driver-top"), ("/console/forbidden/", "console-top")]
)
def test_403_is_a_platform_page(path, marker):
    response = _client("en").get(path)
    assert response.status_code == 403
    html = response.content.decode()
    assert "You may not open this page" in html and marker in html


def test_an_expired_form_is_a_403_page_that_says_what_to_do():
    client = _client("zh-hans", enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "CSRF verification failed" not in html
    assert "重新" in html  # "reload the page and send it again"


def test_a_request_for_another_host_is_a_400_page():
    response = _client("en").get("/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert "This request could not be understood" in response.content.decode()


@override_settings(ROOT_URLCONF=ERROR_URLS)
@pytest.mark.server_error
@pytest.mark.parametrize(
    ("language", "title"),
    [("zh-hans", "我们这边出了问题"), ("en", "Something went wrong on our side")],
)
def test_a_crash_is_a_500_page_in_the_readers_language(language, title):
    client = _client(language, raise_request_exception=False)
    for path in ("/d/boom/", "/console/boom/"):
        response = client.get(path)
        assert response.status_code == 500
        html = response.content.decode()
        assert title in html
        assert "RuntimeError" not in html and "a bug" not in html
    api = client.get("/api/v1/boom/")
    assert api.status_code == 500
    assert api.json()["code"] == "server_error"


def _debug_in_fresh_process(tmp_path, **env_extra) -> bool:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRIVERHOME_", "DJANGO_"))}
    env.update(
        DRIVERHOME_ENV="development",
        DRIVERHOME_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="driverhome.config.settings",
        **env_extra,
    )
    code = "import django, json; django.setup(); from django.conf import settings; print(json.dumps(settings.DEBUG))"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_development_serves_without_debug_unless_a_developer_asks(tmp_path):
    assert _debug_in_fresh_process(tmp_path) is False
    assert _debug_in_fresh_process(tmp_path, DRIVERHOME_DEBUG="1") is True
