"""Input no column can store is a clear 400 everywhere, never a crash in the database.

NUL characters and lone UTF-16 surrogates are refused in query strings and bodies,
whatever the Content-Type claims (or when there is none), in JSON escapes, raw bytes,
percent-encoded forms and multipart fields, before any view parses them; nothing is
stored. The refusal is in the caller's format: the API's ``{"code", "detail"}``,
Open311's error array, plain text for pages.
"""

import pytest

from driverhome.accounts.models import ApiToken
from driverhome.appeals.models import Appeal, Open311Key

pytestmark = pytest.mark.django_db

CONTENT_TYPES = [
    "application/json",
    "APPLICATION/JSON",
    "application/json; charset=UTF-8",
    "application/x-json",
    "application/octet-stream",
    "text/plain",
    "",
]

#: (what, the body's bytes): each one holds a value no database can store
BAD_JSON_BODIES = [
    ("NUL escape", b'{"name": "a\\u0000b"}'),
    ("raw NUL", b'{"name": "a\x00b"}'),
    ("lone high surrogate escape", b'{"name": "a\\ud800b"}'),
    ("lone low surrogate escape", b'{"name": "a\\uDC00b"}'),
    ("surrogates in the wrong order", b'{"name": "\\ude00\\ud83d"}'),
    ("surrogate as UTF-8 bytes", b'{"name": "a\xed\xa0\x80b"}'),
]


def _post(client, path, body: bytes, content_type: str, **extra):
    meta = {"CONTENT_TYPE": content_type} if content_type else {}
    return client.generic("POST", path, body, **meta, **extra)


def _no_content_type(client, path, body: bytes, **extra):
    """A POST without any Content-Type header (the test client always sets one)."""
    from django.test.client import FakePayload

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": FakePayload(body),
        **extra,
    }
    return client.request(**environ)


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize("what,body", BAD_JSON_BODIES, ids=[b[0] for b in BAD_JSON_BODIES])
def test_api_body_that_cannot_be_stored_is_refused_whatever_its_type(
    api, personas, content_type, what, body
):
    client = api("broker")
    before = ApiToken.objects.count()
    if content_type:
        response = _post(client, "/api/v1/tokens", body, content_type)
    else:
        response = _no_content_type(client, "/api/v1/tokens", body)
    assert response.status_code == 400, (what, response.content[:200])
    assert response.json()["code"] == "invalid"
    assert "NUL" in response.json()["detail"]
    assert ApiToken.objects.count() == before


def test_paired_surrogates_and_ordinary_text_pass(api, personas):
    response = api("broker").post(
        "/api/v1/tokens", b'{"name": "\\ud83d\\ude9a \xe5\x8f\xb8\xe6\x9c\xba"}', "application/json"
    )
    assert response.status_code in (200, 201), response.content
    assert ApiToken.objects.filter(name="🚚 司机").exists()


def test_api_query_with_nul_is_refused(api, personas):
    response = api("admin").get("/api/v1/audit?object_id=a%00b")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_query_with_lone_surrogate_escape_in_a_value_cannot_reach_the_database(api, personas):
    # A surrogate cannot be percent-encoded as valid UTF-8; Django reads it as U+FFFD.
    response = api("admin").get("/api/v1/audit?object_id=a%ED%A0%80b")
    assert response.status_code == 200


def test_page_form_with_nul_is_refused(client):
    response = client.post(
        "/accounts/login/",
        "username=a%00b&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "APPLICATION/X-WWW-FORM-URLENCODED"]
)
def test_page_form_with_raw_nul_is_refused(client, content_type):
    response = client.post("/accounts/login/", b"username=a\x00b&password=x", content_type)
    assert response.status_code == 400


def test_multipart_form_field_with_nul_is_refused(client):
    response = client.post("/accounts/login/", {"username": "a\x00b", "password": "x"})
    assert response.status_code == 400


def test_multipart_file_content_may_hold_nul(client_for, personas):
    """Binary files carry NUL bytes; only the form's text fields are checked."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("roster.csv", b"\x00\x01binary", content_type="text/csv")
    response = client_for("broker").post("/console/drivers/import/", {"file": upload})
    assert response.status_code != 400 or b"NUL" not in response.content


@pytest.fixture
def open311_key(orgs):
    _row, secret = Open311Key.issue("nul-test", orgs["xiapu"])
    return secret


def _open311_form(key, description):
    return {
        "api_key": key,
        "service_code": "C03-01",
        "lat": "29.89",
        "long": "121.85",
        "description": description,
    }


@pytest.mark.parametrize("anonymous_key", [False, True], ids=["with key", "anonymous"])
def test_open311_urlencoded_post_with_nul_is_refused_as_georeport_errors(
    client, open311_key, anonymous_key
):
    from urllib.parse import urlencode

    data = _open311_form("" if anonymous_key else open311_key, "停车场\x00满了")
    response = client.post(
        "/open311/v2/requests.json", urlencode(data), "application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    errors = response.json()
    assert isinstance(errors, list) and errors[0]["code"] == 400
    assert "NUL" in errors[0]["description"]
    assert not Appeal.objects.exists()


def test_open311_multipart_post_with_nul_is_refused_in_xml(client, open311_key):
    from xml.etree import ElementTree as ET

    response = client.post("/open311/v2/requests.xml", _open311_form(open311_key, "满\x00了"))
    assert response.status_code == 400
    root = ET.fromstring(response.content)
    assert root.tag == "errors" and root.find("error/code").text == "400"
    assert not Appeal.objects.exists()


def test_ordinary_input_passes(api, personas):
    assert api("admin").get("/api/v1/audit?object_id=abc").status_code == 200
