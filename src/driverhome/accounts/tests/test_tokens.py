"""API tokens: issue (command line and API), use, revoke -> 401; narrow scopes stay narrow."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from driverhome.accounts.auth import scope_allows
from driverhome.accounts.models import ApiToken, AuditLog

pytestmark = pytest.mark.django_db


def bearer(key):
    return Client(headers={"Authorization": f"Bearer {key}"})


def run_token(*args) -> str:
    out = io.StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue().strip()


def test_command_issues_a_working_token_and_revokes_it(personas):
    key = run_token("p-broker", "--name", "laptop")
    assert key.startswith("dh_")
    token = ApiToken.objects.get(user=personas["broker"])
    assert token.key_hash == ApiToken.hash_key(key) and key not in token.key_hash  # only a hash
    me = bearer(key).get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == "p-broker"
    assert AuditLog.objects.filter(action="token.issue", object_id=str(token.pk)).exists()

    listing = run_token("p-broker", "--list")
    assert token.prefix in listing and "active" in listing

    run_token("p-broker", "--revoke", key[:11])
    response = bearer(key).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorised"
    assert AuditLog.objects.filter(action="token.revoke", object_id=str(token.pk)).exists()


def test_command_errors_are_clear(personas):
    with pytest.raises(CommandError, match="No user called 'nobody'"):
        run_token("nobody")
    with pytest.raises(CommandError, match="has no token starting with"):
        run_token("p-broker", "--revoke", "dh_ffffffff")


def test_api_issues_uses_and_revokes(client_for):
    browser = client_for("supervisor")
    created = browser.post("/api/v1/tokens", {"name": "sensor"}, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    key, prefix = body["token"], body["prefix"]
    assert bearer(key).get("/api/v1/me").json()["username"] == "p-supervisor"
    listed = bearer(key).get("/api/v1/tokens").json()
    assert [t["prefix"] for t in listed] == [prefix] and "token" not in listed[0]

    assert bearer(key).delete(f"/api/v1/tokens/{prefix}").status_code == 204
    assert bearer(key).get("/api/v1/me").status_code == 401


def test_another_users_token_cannot_be_revoked(api_token, api, personas):
    key = api_token("broker")
    prefix = ApiToken.objects.get(user=personas["broker"]).prefix
    assert api("supervisor").delete(f"/api/v1/tokens/{prefix}").status_code == 404
    assert bearer(key).get("/api/v1/me").status_code == 200


def test_expired_and_inactive_and_garbage_tokens_are_refused(personas):
    _t, expired = ApiToken.issue(
        personas["broker"], "old", expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert bearer(expired).get("/api/v1/me").status_code == 401
    _t, key = ApiToken.issue(personas["site_staff"], "ok")
    personas["site_staff"].is_active = False
    personas["site_staff"].save()
    assert bearer(key).get("/api/v1/me").status_code == 401
    assert bearer("dh_nothing_here").get("/api/v1/me").status_code == 401
    assert bearer("x" * 500).get("/api/v1/me").status_code == 401
    assert Client().get("/api/v1/me").status_code == 401


def test_availability_scope_is_refused_elsewhere(personas):
    _t, key = ApiToken.issue(personas["site_staff"], "gate", scope="availability:jiyun")
    for path in ("/api/v1/me", "/api/v1/tokens", "/api/v1/organisations", "/api/v1/audit"):
        assert bearer(key).get(path).status_code == 401, path
    assert scope_allows("availability:jiyun", "/api/v1/stations/jiyun/availability")
    assert not scope_allows("availability:jiyun", "/api/v1/stations/xiapu/availability")
    assert not scope_allows("availability:jiyun", "/api/v1/stations/jiyun")
    assert not scope_allows("other:jiyun", "/api/v1/stations/jiyun/availability")


def test_token_page_issues_and_revokes(client_for, personas):
    page = client_for("broker")
    response = page.post("/accounts/tokens/", {"name": "tablet"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=personas["broker"], name="tablet")
    assert response.context["new_key"].startswith(f"dh_{token.prefix}_")
    page.post(f"/accounts/tokens/{token.prefix}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
