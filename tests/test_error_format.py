"""Errors reach the caller in its own format, with DEBUG on (the run configuration) and off.

Under ``/api/v1/`` every error is the API's ``{"code", "detail"}``; under ``/open311/v2/``
GeoReport's error array (JSON, or XML for ``.xml``): oversized and malformed bodies,
unsupported media types, rate limits and Django's own answers (404) alike.
"""

from xml.etree import ElementTree as ET

import pytest
from django.test import Client, override_settings

from driverhome.accounts.models import ApiToken
from driverhome.appeals.models import Open311Key

pytestmark = pytest.mark.django_db

TOO_BIG = 4 * 1024 * 1024 + 1


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def _api_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and body["detail"], body
    return body


def _open311_error(response, status: int) -> str:
    assert response.status_code == status, response.content[:300]
    errors = response.json()
    assert isinstance(errors, list) and errors[0]["code"] == status, errors
    return errors[0]["description"]


def test_api_body_over_the_limit_answers_413_in_json(api, personas, debug, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = b'{"name": "' + b"x" * 2000 + b'"}'
    response = api("broker").post("/api/v1/tokens", body, "application/json")
    detail = _api_error(response, 413, "too_large")["detail"]
    assert "1024" in detail
    assert not ApiToken.objects.filter(name__startswith="xxx").exists()


def test_open311_body_over_the_limit_answers_413_as_georeport_errors(client, debug, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = "description=" + "x" * 2000
    response = client.post("/open311/v2/requests.json", body, "application/x-www-form-urlencoded")
    assert "1024" in _open311_error(response, 413)


def test_open311_multipart_over_the_field_limit_answers_413_in_xml(client, debug, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post("/open311/v2/requests.xml", {"description": "x" * 2000})
    assert response.status_code == 413
    root = ET.fromstring(response.content)
    assert root.find("error/code").text == "413"


def test_api_malformed_json_answers_400_in_the_api_shape(api, personas, debug):
    response = api("broker").post("/api/v1/tokens", b'{"name": ', "application/json")
    _api_error(response, 400, "malformed")


@pytest.mark.parametrize(
    "content_type", ["text/xml", "application/x-www-form-urlencoded", "application/octet-stream"]
)
def test_api_body_of_another_media_type_answers_415(api, personas, debug, content_type):
    response = api("broker").post("/api/v1/tokens", b'{"name": "x"}', content_type)
    _api_error(response, 415, "unsupported_media_type")
    assert not ApiToken.objects.filter(name="x").exists()


def test_api_json_variants_are_accepted(api, personas):
    response = api("broker").post(
        "/api/v1/tokens", b'{"name": "x"}', "application/JSON; charset=utf-8"
    )
    assert response.status_code == 201, response.content


def test_unknown_api_path_answers_404_in_json(api, personas, debug):
    _api_error(api("admin").get("/api/v1/no-such-thing"), 404, "not_found")


def test_unknown_open311_path_answers_404_as_georeport_errors(client, debug):
    _open311_error(client.get("/open311/v2/no-such-thing.json"), 404)


def test_session_api_call_without_csrf_answers_403_in_json(client, personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["broker"])
    response = client.post("/api/v1/tokens", b'{"name": "x"}', "application/json")
    _api_error(response, 403, "forbidden")


class ExhaustedAllowance:
    def add(self, *args, **kwargs):
        return False

    def incr(self, *args, **kwargs):
        return 10**9


def test_rate_limits_answer_429_in_each_format(api, personas, orgs, monkeypatch, debug):
    monkeypatch.setattr("driverhome.core.ratelimit.cache", ExhaustedAllowance())
    _row, secret = Open311Key.issue("limits", orgs["xiapu"])
    with override_settings(RATE_LIMITS_ENABLED=True):
        api_answer = api("driver").post(
            "/api/v1/appeals",
            {"category": "C03-01", "description": "停车场满了"},
            content_type="application/json",
        )
        open311_answer = Client().post(
            "/open311/v2/requests.json",
            {"api_key": secret, "service_code": "C03-01", "lat": "29.9", "long": "121.8"},
        )
    _api_error(api_answer, 429, "rate_limited")
    assert api_answer["Retry-After"]
    _open311_error(open311_answer, 429)
    assert open311_answer["Retry-After"]


def test_pages_keep_their_html_errors(client, debug):
    response = client.get("/console/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
