"""WeChat web authorisation against a local fake of WeChat's API: a driver proves his number
once with the SMS code, his openid is bound (encrypted, found by a keyed hash), and opening
the site from the account's menu then logs him in; unbinding from his account page; nothing
shown when WeChat is not configured; the app secret never logged."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse

from driverhome.accounts import actions
from driverhome.accounts.models import AuditLog, WeChatBinding

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture
def driver_login(db):
    return actions.create_user(
        actor=None, username=f"d{PHONE}", password="pass-2026-word!", role="driver", phone=PHONE
    )


def _bind(client, sms, follow_outside, phone=PHONE):
    """Menu → WeChat → back: not bound yet, so the bind page; then the SMS code."""
    back = follow_outside(client.get(reverse("accounts:wechat-start") + "?next=/d/appeals/"))
    response = client.get(back)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:wechat-bind")
    client.post(reverse("accounts:wechat-bind"), {"phone": phone, "action": "send"})
    return client.post(
        reverse("accounts:wechat-bind"),
        {"phone": phone, "code": sms.code_for(phone), "action": "submit"},
    )


def test_the_menu_binds_after_the_sms_code_then_logs_the_driver_in(
    wechat_fake, sms, follow_outside, driver_login
):
    client = Client()
    response = _bind(client, sms, follow_outside)
    assert response.status_code == 302 and response["Location"] == "/d/appeals/"
    binding = WeChatBinding.objects.get()
    assert binding.user == driver_login and binding.app_id == wechat_fake.app_id
    assert AuditLog.objects.filter(action="user.wechat_bound", object_id=str(driver_login.pk))
    # Stored encrypted, with a keyed hash: the openid is nowhere in clear.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT openid, openid_hash FROM accounts_wechatbinding")
        stored = repr(cursor.fetchall())
    assert wechat_fake.openid not in stored

    # Another day, another browser: the menu logs him in, no code asked.
    later = Client()
    back = follow_outside(later.get(reverse("accounts:wechat-start") + "?next=/d/notifications/"))
    response = later.get(back)
    assert response.status_code == 302 and response["Location"] == "/d/notifications/"
    assert later.get("/d/notifications/").context["user"] == driver_login
    assert AuditLog.objects.filter(action="user.login_wechat").count() == 1


def test_a_wrong_code_binds_nothing(wechat_fake, sms, follow_outside, driver_login):
    client = Client()
    back = follow_outside(client.get(reverse("accounts:wechat-start")))
    client.get(back)
    client.post(reverse("accounts:wechat-bind"), {"phone": PHONE, "action": "send"})
    code = sms.code_for(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(
        reverse("accounts:wechat-bind"), {"phone": PHONE, "code": wrong, "action": "submit"}
    )
    assert response.status_code == 200 and "code" in response.context["form"].errors
    assert not WeChatBinding.objects.exists()
    assert "_auth_user_id" not in client.session


def test_a_callback_with_a_forged_state_or_a_refused_code_is_refused(
    wechat_fake, follow_outside, driver_login
):
    client = Client()
    back = follow_outside(client.get(reverse("accounts:wechat-start")))
    forged = back.replace("state=", "state=x")
    assert client.get(forged).status_code == 400
    # A code WeChat does not know (used once already): WeChat refuses, nothing is bound.
    client.get(reverse("accounts:wechat-start"))
    state = client.session["wechat_state"]
    response = client.get(reverse("accounts:wechat-callback"), {"code": "used", "state": state})
    assert response.status_code == 502 and not WeChatBinding.objects.exists()


def test_the_driver_sees_and_removes_his_binding_on_his_account_page(
    wechat_fake, sms, follow_outside, driver_login, orgs
):
    from driverhome.drivers import actions as driver_actions

    driver_actions.create_driver(
        actor=None, organisation=orgs["xiapu"], name="王师傅", phone=PHONE, user=driver_login
    )
    client = Client()
    _bind(client, sms, follow_outside)
    page = client.get(reverse("drivers_driver:my-file"))
    assert page.context["wechat_binding"] is not None
    assert reverse("accounts:wechat-unbind") in page.content.decode()
    response = client.post(reverse("accounts:wechat-unbind"))
    assert response.status_code == 302
    assert not WeChatBinding.objects.exists()
    assert AuditLog.objects.filter(action="user.wechat_unbound").count() == 1
    page = client.get(reverse("drivers_driver:my-file"))
    assert page.context["wechat_binding"] is None
    assert reverse("accounts:wechat-start") in page.content.decode()


def test_binding_an_openid_again_moves_it_to_the_new_login(wechat_fake, driver_login):
    other = actions.create_user(
        actor=None,
        username="d13900000001",
        password="x-2026-pass!",
        role="driver",
        phone="13900000001",
    )
    actions.bind_wechat(driver_login, "o-shared", actor=driver_login)
    actions.bind_wechat(other, "o-shared", actor=other)
    assert list(WeChatBinding.objects.values_list("user_id", flat=True)) == [other.pk]


def test_staff_cannot_be_bound(wechat_fake, personas):
    from driverhome.core.errors import DomainError

    with pytest.raises(DomainError):
        actions.bind_wechat(personas["site_staff"], "o-staff", actor=personas["site_staff"])


def test_nothing_is_offered_when_wechat_is_not_configured(settings, client):
    settings.WECHAT = {**settings.WECHAT, "app_id": "", "app_secret": ""}
    page = client.get(reverse("accounts:login"))
    assert "微信登录" not in page.content.decode() and not page.context["wechat_login"]
    response = client.get(reverse("accounts:wechat-start"))
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_login_page_offers_wechat_when_configured(wechat_fake, client):
    page = client.get(reverse("accounts:login"))
    assert "微信登录" in page.content.decode()
    assert reverse("accounts:wechat-start") in page.content.decode()


def test_the_app_secret_is_never_logged(wechat_fake, sms, follow_outside, driver_login, caplog):
    caplog.set_level(logging.DEBUG)
    _bind(Client(), sms, follow_outside)
    logged = " ".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert wechat_fake.app_secret not in logged


def test_the_driver_sees_and_removes_his_binding_through_the_api(wechat_fake, driver_login):
    from driverhome.accounts.models import ApiToken

    actions.bind_wechat(driver_login, "o-api", actor=driver_login)
    _token, key = ApiToken.issue(driver_login, "test")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    shown = api.get("/api/v1/me/wechat").json()
    assert shown["available"] and shown["bound"] and shown["bound_at"]
    gone = api.delete("/api/v1/me/wechat")
    assert gone.status_code == 200 and gone.json()["bound"] is False
    assert not WeChatBinding.objects.exists()
    assert AuditLog.objects.filter(action="user.wechat_unbound").count() == 1
