"""The API answers its errors in the caller's language: Chinese by default, English on request.

The ``code`` stays the same in both languages (clients branch on it); ``detail`` is for people.
"""

from __future__ import annotations

import pytest
from django.test import Client

from driverhome.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def _client(personas, language: str | None):
    _token, key = ApiToken.issue(personas["site_staff"], "language test")
    headers = {"Authorization": f"Bearer {key}"}
    if language:
        headers["Accept-Language"] = language
    return Client(headers=headers)


@pytest.mark.parametrize(
    ("language", "not_found", "invalid", "bad_cursor"),
    [
        (None, "未找到。", "请求内容不正确。", "分页参数无效。"),
        ("zh-CN,zh;q=0.9", "未找到。", "请求内容不正确。", "分页参数无效。"),
        ("en", "Not found.", "The request is not valid.", "The page cursor is not valid."),
    ],
)
def test_errors_follow_accept_language(personas, language, not_found, invalid, bad_cursor):
    client = _client(personas, language)

    missing = client.get("/api/v1/appeals/NO-SUCH-NUMBER")
    assert missing.status_code == 404
    assert missing.json() == {"code": "not_found", "detail": not_found}

    malformed = client.post(
        "/api/v1/appeals", {"description": "x"}, content_type="application/json"
    )
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "invalid" and malformed.json()["detail"] == invalid

    cursor = client.get("/api/v1/appeals", {"cursor": "not-a-cursor"})
    assert cursor.status_code == 400
    assert cursor.json() == {"code": "bad_cursor", "detail": bad_cursor}


def test_domain_errors_of_the_apps_are_translated(personas):
    payload = {"category": "NO-SUCH-CATEGORY", "description": "停车场没有车位", "channel": "phone"}
    chinese = _client(personas, None).post(
        "/api/v1/appeals", payload, content_type="application/json"
    )
    english = _client(personas, "en").post(
        "/api/v1/appeals", payload, content_type="application/json"
    )
    assert chinese.status_code == english.status_code == 400
    assert chinese.json() == {"code": "bad_category", "detail": "没有这个类别代码。"}
    assert english.json() == {"code": "bad_category", "detail": "Unknown category code."}


def test_missing_authentication_is_explained_in_both_languages():
    chinese = Client().get("/api/v1/me")
    english = Client(headers={"Accept-Language": "en"}).get("/api/v1/me")
    assert chinese.status_code == english.status_code == 401
    assert chinese.json()["detail"] == "请先登录或提供有效的令牌。"
    assert english.json()["detail"] == "Authentication required."
    assert chinese["WWW-Authenticate"] == english["WWW-Authenticate"] == 'Bearer realm="driverhome"'
