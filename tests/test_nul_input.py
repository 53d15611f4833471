"""Input carrying NUL characters is a clear 400 everywhere, never a crash in the database."""

import pytest


@pytest.mark.django_db
def test_api_query_with_nul_is_refused(api, personas):
    response = api("admin").get("/api/v1/audit?object_id=a%00b")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.django_db
def test_json_body_with_nul_is_refused(api, personas):
    response = api("broker").post(
        "/api/v1/tokens", '{"name": "a\\u0000b"}', content_type="application/json"
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_page_form_with_nul_is_refused(client):
    response = client.post(
        "/accounts/login/",
        "username=a%00b&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.django_db
def test_ordinary_input_passes(api, personas):
    assert api("admin").get("/api/v1/audit?object_id=abc").status_code == 200
