"""Logging in by username or mobile number; a clear message for a wrong password; lockout."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "Lorry-Route-2026"


@pytest.fixture
def broker(personas):
    user = personas["broker"]
    user.set_password(PASSWORD)
    user.phone = "13800138000"
    user.save()
    return user


def login(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_login_by_username_case_insensitive(broker):
    client = Client()
    response = login(client, "P-Broker", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/accounts/home/"
    assert client.get("/accounts/home/")["Location"] == "/console/"
    assert int(client.session["_auth_user_id"]) == broker.pk


@pytest.mark.parametrize("phone", ["13800138000", "+86 138 0013 8000", "138-0013-8000"])
def test_login_by_phone(broker, phone):
    client = Client()
    assert login(client, phone, PASSWORD).status_code == 302
    assert int(client.session["_auth_user_id"]) == broker.pk


def test_wrong_password_says_so_in_the_users_language(broker):
    response = login(Client(), "p-broker", "wrong", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "The username/mobile number or password is wrong" in response.content.decode()
    response = login(Client(), "p-broker", "wrong", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "_auth_user_id" not in response.wsgi_request.session
    assert "The username/mobile number or password is wrong" not in response.content.decode()


def test_unknown_user_gets_the_same_message(db):
    response = login(Client(), "nobody", "whatever", HTTP_ACCEPT_LANGUAGE="en")
    assert "The username/mobile number or password is wrong" in response.content.decode()


def test_password_is_hashed_with_argon2(broker):
    assert broker.password.startswith("argon2$")
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_lockout_after_failures(broker):
    client = Client()
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert login(client, "p-broker", "wrong").status_code == 200
    locked = login(client, "p-broker", "wrong", HTTP_ACCEPT_LANGUAGE="en")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert "Too many failed logins" in locked.content.decode()
    # Even the right password is refused while locked.
    again = login(client, "p-broker", PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_user(broker, personas):
    personas["site_staff"].set_password(PASSWORD)
    personas["site_staff"].save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(Client(), "p-broker", "wrong")
    assert login(Client(), "p-site", PASSWORD).status_code == 302


def test_success_resets_the_failure_count(broker):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "p-broker", "wrong")
    assert login(client, "p-broker", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "p-broker", "wrong").status_code == 200


def test_driver_lands_on_the_driver_site(personas):
    driver = personas["driver"]
    driver.set_password(PASSWORD)
    driver.save()
    client = Client()
    login(client, "p-driver", PASSWORD)
    assert client.get("/accounts/home/")["Location"] == "/"


def test_logout_needs_post(broker):
    client = Client()
    login(client, "p-broker", PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session
