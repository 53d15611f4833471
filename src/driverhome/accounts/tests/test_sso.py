"""Single sign-on for staff against a local OpenID Connect provider (discovery, JWKS, token
endpoint, ID tokens signed with a test key): the configured claim links an existing staff
account once, the subject logs it in from then on; no account is ever created from claims;
a token signed with another key, or a forged state, logs nobody in; password login for
staff can be switched off, administrators keep theirs; the client secret is never logged."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse

from driverhome.accounts.models import AuditLog, StaffIdentity, User
from driverhome.fakes.oidc import new_key

pytestmark = pytest.mark.django_db


def _sso(client, follow_outside):
    return client.get(follow_outside(client.get(reverse("accounts:sso-start"))))


def test_the_configured_claim_links_an_existing_staff_account_then_the_subject_logs_in(
    oidc_fake, follow_outside, personas
):
    supervisor = personas["supervisor"]
    oidc_fake.claims = {"sub": "gov-42", "preferred_username": supervisor.username}
    client = Client()
    response = _sso(client, follow_outside)
    assert response.status_code == 302 and response["Location"] == reverse("core:console-home")
    assert client.session["_auth_user_id"] == str(supervisor.pk)
    identity = StaffIdentity.objects.get()
    assert identity.user == supervisor and "gov-42" not in identity.subject_hash
    assert AuditLog.objects.filter(action="user.sso_linked").count() == 1
    # The claim changes at the provider: the subject still names the same account.
    oidc_fake.claims = {"sub": "gov-42", "preferred_username": personas["admin"].username}
    again = Client()
    _sso(again, follow_outside)
    assert again.session["_auth_user_id"] == str(supervisor.pk)
    assert StaffIdentity.objects.count() == 1
    assert AuditLog.objects.filter(action="user.login_sso").count() == 2
    assert supervisor.role == User.objects.get(pk=supervisor.pk).role  # roles untouched


def test_no_account_is_created_from_claims(oidc_fake, follow_outside, personas):
    oidc_fake.claims = {"sub": "gov-99", "preferred_username": "nobody-here", "role": "admin"}
    before = User.objects.count()
    client = Client()
    response = _sso(client, follow_outside)
    assert response.status_code == 403
    assert User.objects.count() == before and not StaffIdentity.objects.exists()
    assert "_auth_user_id" not in client.session
    assert AuditLog.objects.filter(action="user.login_sso_refused").count() == 1


def test_a_driver_account_is_not_reached_by_sso(oidc_fake, follow_outside, personas):
    oidc_fake.claims = {"sub": "gov-7", "preferred_username": personas["driver"].username}
    assert _sso(Client(), follow_outside).status_code == 403


def test_a_token_signed_with_an_unpublished_key_logs_nobody_in(oidc_fake, follow_outside, personas):
    oidc_fake.claims = {"sub": "gov-42", "preferred_username": personas["supervisor"].username}
    oidc_fake.sign_with = new_key("test-key")  # same key id, another key
    client = Client()
    response = _sso(client, follow_outside)
    assert response.status_code == 400 and "_auth_user_id" not in client.session
    assert not StaffIdentity.objects.exists()


def test_a_token_from_another_issuer_logs_nobody_in(oidc_fake, follow_outside, personas):
    oidc_fake.claims = {
        "sub": "gov-42",
        "preferred_username": personas["supervisor"].username,
        "iss": "https://elsewhere.example",
    }
    client = Client()
    response = _sso(client, follow_outside)
    assert response.status_code == 400 and "_auth_user_id" not in client.session


def test_a_forged_state_is_refused(oidc_fake, follow_outside, personas):
    oidc_fake.claims = {"sub": "gov-42", "preferred_username": personas["supervisor"].username}
    client = Client()
    back = follow_outside(client.get(reverse("accounts:sso-start")))
    response = client.get(back.replace("state=", "state=forged"))
    assert response.status_code == 400 and "_auth_user_id" not in client.session


def test_the_login_page_offers_sso_only_when_configured(settings, client, oidc_fake):
    assert "单位统一身份认证登录" in client.get(reverse("accounts:login")).content.decode()
    settings.OIDC = {**settings.OIDC, "discovery_url": ""}
    page = client.get(reverse("accounts:login"))
    assert "单位统一身份认证登录" not in page.content.decode() and not page.context["sso_login"]


def test_staff_password_login_can_be_switched_off_but_not_for_administrators(settings, personas):
    for name in ("site_staff", "admin", "driver"):
        personas[name].set_password("pass-2026-word!")
        personas[name].save()
    settings.STAFF_PASSWORD_LOGIN = "admins"

    def can_log_in(name):
        response = Client().post(
            reverse("accounts:login"),
            {"username": personas[name].username, "password": "pass-2026-word!"},
        )
        return response.status_code == 302

    assert not can_log_in("site_staff")
    assert can_log_in("admin") and can_log_in("driver")
    settings.STAFF_PASSWORD_LOGIN = "all"
    assert can_log_in("site_staff")


def test_the_client_secret_is_never_logged(oidc_fake, follow_outside, personas, caplog):
    caplog.set_level(logging.DEBUG)
    oidc_fake.claims = {"sub": "gov-42", "preferred_username": personas["supervisor"].username}
    _sso(Client(), follow_outside)
    oidc_fake.sign_with = new_key("test-key")
    _sso(Client(), follow_outside)
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert oidc_fake.client_secret not in logged
