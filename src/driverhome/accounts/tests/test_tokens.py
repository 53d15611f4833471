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


# --- tokens held by the process (accounts.auth.RECENT_TOKENS) ------------------------------


def _token_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "accounts_apitoken" in q["sql"]]


def test_a_used_token_is_looked_up_once_then_held(personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _t, key = ApiToken.issue(personas["broker"], "phone")
    client = bearer(key)
    with CaptureQueriesContext(connection) as first:
        assert client.get("/api/v1/me").status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get("/api/v1/me").json()["username"] == "p-broker"
    assert len(_token_queries(first)) >= 1
    assert _token_queries(second) == []


def test_a_held_token_is_refused_at_once_when_revoked_or_its_user_changes(personas):
    from driverhome.accounts.actions import revoke_token

    token, key = ApiToken.issue(personas["broker"], "phone")
    assert bearer(key).get("/api/v1/me").status_code == 200
    revoke_token(token, actor=personas["broker"])
    assert bearer(key).get("/api/v1/me").status_code == 401

    user = personas["site_staff"]
    _t, key = ApiToken.issue(user, "tablet")
    assert bearer(key).get("/api/v1/me").json()["role"] == user.role
    user.role = "supervisor"
    user.save()
    assert bearer(key).get("/api/v1/me").json()["role"] == "supervisor"
    user.is_active = False
    user.save()
    assert bearer(key).get("/api/v1/me").status_code == 401


def test_a_revocation_in_another_process_is_seen_within_a_second(personas, monkeypatch):
    from django.core.cache import cache

    from driverhome.accounts.auth import RECENT_TOKENS

    token, key = ApiToken.issue(personas["broker"], "phone")
    assert bearer(key).get("/api/v1/me").status_code == 200
    # Another process revokes: the row changes and the shared stamp is replaced; this
    # process hears of neither through a signal.
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    cache.set(RECENT_TOKENS.key, "written-by-another-process", timeout=None)
    import driverhome.core.tablecache as module

    real = module.time.monotonic
    monkeypatch.setattr(module.time, "monotonic", lambda: real() + 1.5)
    assert bearer(key).get("/api/v1/me").status_code == 401


def test_an_expiry_is_checked_on_every_request_even_for_a_held_token(personas, monkeypatch):
    _t, key = ApiToken.issue(
        personas["broker"], "short", expires_at=timezone.now() + timedelta(minutes=5)
    )
    assert bearer(key).get("/api/v1/me").status_code == 200
    later = timezone.now() + timedelta(minutes=6)
    monkeypatch.setattr("driverhome.accounts.models.timezone.now", lambda: later)
    assert bearer(key).get("/api/v1/me").status_code == 401


def test_each_request_gets_its_own_user_object(personas):
    from django.test import RequestFactory

    from driverhome.accounts.auth import BearerTokenAuth

    _t, key = ApiToken.issue(personas["broker"], "phone")
    auth = BearerTokenAuth()
    first = auth.authenticate(RequestFactory().get("/api/v1/me"), key)
    first.some_view_attribute = "set by a view"
    second = auth.authenticate(RequestFactory().get("/api/v1/me"), key)
    assert first.pk == second.pk and first is not second
    assert not hasattr(second, "some_view_attribute")
