"""One-time SMS codes: stored hashed, 5 minutes, 5 tries, one live code, limits per number
and per client address; registration (and claiming a file), log in by code, a new password."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings

from driverhome.accounts import codes
from driverhome.accounts.models import AuditLog, PhoneCode, User
from driverhome.core.errors import DomainError, RateLimited
from driverhome.notifications.models import Notification

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def _age(minutes=0, seconds=0):
    """Move every stored code back in time (as if sent that long ago)."""
    delta = timedelta(minutes=minutes, seconds=seconds)
    for row in PhoneCode.objects.all():
        PhoneCode.objects.filter(pk=row.pk).update(
            created_at=row.created_at - delta, expires_at=row.expires_at - delta
        )


def _driver_login(orgs, phone=PHONE, password="old-pass-2026!"):
    from driverhome.accounts.actions import create_user

    return create_user(
        actor=None, username=f"d{phone}", password=password, role="driver", phone=phone
    )


def test_a_code_is_six_digits_and_stored_only_as_a_keyed_hash(sms):
    masked = codes.request_code(PHONE, "register")
    assert masked == "139****5678"
    code = sms.code_for(PHONE)
    assert len(code) == 6 and code.isdigit()
    row = PhoneCode.objects.get()
    assert row.status == "live" and row.expires_at - row.created_at == timedelta(minutes=5)
    assert code not in (row.code_hash, row.salt) and PHONE not in row.phone_hash
    # Nowhere in the database: the stored copy of the message has it masked.
    notice = Notification.objects.get(template="auth.code.register")
    assert code not in notice.text and "******" in notice.text and notice.status == "sent"
    with connection.cursor() as cursor:
        for table in ("accounts_phonecode", "notifications_notification", "accounts_auditlog"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            assert code not in repr(cursor.fetchall())
    assert AuditLog.objects.filter(action="auth.code_sent").count() == 1


def test_the_right_code_works_once(sms):
    codes.request_code(PHONE, "register")
    code = sms.code_for(PHONE)
    proof = codes.verify_code(PHONE, "register", code)
    assert proof.status == "used" and codes.proves(proof, PHONE, "register")
    assert not codes.proves(proof, "13912345679", "register")
    assert not codes.proves(proof, PHONE, "login")
    with pytest.raises(DomainError) as again:
        codes.verify_code(PHONE, "register", code)
    assert again.value.code == "code_missing"


def test_a_code_expires_after_five_minutes(sms):
    codes.request_code(PHONE, "register")
    code = sms.code_for(PHONE)
    _age(minutes=5)
    with pytest.raises(DomainError) as expired:
        codes.verify_code(PHONE, "register", code)
    assert expired.value.code == "code_expired"


def test_five_wrong_tries_spend_the_code(sms):
    codes.request_code(PHONE, "register")
    code = sms.code_for(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(DomainError) as attempt:
            codes.verify_code(PHONE, "register", wrong)
        assert attempt.value.code == "code_wrong" and attempt.value.extra["tries_left"] == left
    with pytest.raises(DomainError) as fifth:
        codes.verify_code(PHONE, "register", wrong)
    assert fifth.value.code == "code_spent"
    assert PhoneCode.objects.get().status == "spent"
    with pytest.raises(DomainError):  # even the right code no longer works
        codes.verify_code(PHONE, "register", code)


def test_a_new_code_replaces_the_live_one(sms):
    codes.request_code(PHONE, "register")
    first = sms.code_for(PHONE)
    _age(seconds=61)
    codes.request_code(PHONE, "register")
    second = sms.code_for(PHONE)
    assert PhoneCode.objects.filter(status="live").count() == 1
    assert PhoneCode.objects.filter(status="replaced").count() == 1
    if first != second:
        with pytest.raises(DomainError):
            codes.verify_code(PHONE, "register", first)
    assert codes.verify_code(PHONE, "register", second).status == "used"


def test_a_number_gets_one_code_a_minute_and_five_an_hour(sms):
    codes.request_code(PHONE, "register")
    with pytest.raises(RateLimited) as soon:
        codes.request_code(PHONE, "register")
    assert 1 <= soon.value.retry_after <= 60
    for _ in range(4):
        _age(seconds=61)
        codes.request_code(PHONE, "register")
    _age(seconds=61)
    with pytest.raises(RateLimited) as hourly:
        codes.request_code(PHONE, "register")
    assert 60 < hourly.value.retry_after <= 3600
    assert len(sms.to(PHONE)) == 5


@override_settings(RATE_LIMITS_ENABLED=True)
def test_a_client_address_gets_twenty_codes_an_hour(sms):
    from django.core.cache import cache

    cache.clear()
    client = Client()
    for i in range(codes.IP_HOURLY):
        response = client.post(
            "/api/v1/auth/codes",
            {"phone": f"139000{i:05d}", "purpose": "register"},
            content_type="application/json",
        )
        assert response.status_code == 202, response.content
    refused = client.post(
        "/api/v1/auth/codes",
        {"phone": "13900099999", "purpose": "register"},
        content_type="application/json",
    )
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["code"] == "rate_limited"
    cache.clear()


def test_the_api_answers_429_with_retry_after_for_a_number_asked_again(sms):
    client = Client()
    body = {"phone": PHONE, "purpose": "register"}
    first = client.post("/api/v1/auth/codes", body, content_type="application/json")
    assert first.status_code == 202
    assert first.json() == {"sent_to": "139****5678", "expires_in": 300, "resend_after": 60}
    again = client.post("/api/v1/auth/codes", body, content_type="application/json")
    assert again.status_code == 429 and 1 <= int(again["Retry-After"]) <= 60


def test_the_api_takes_json_only():
    response = Client().post("/api/v1/auth/codes", {"phone": PHONE, "purpose": "login"})
    assert response.status_code == 400
    assert not PhoneCode.objects.exists()


def test_log_in_by_code_on_the_page(orgs, sms):
    user = _driver_login(orgs)
    client = Client()
    sent = client.post("/accounts/login/code/", {"phone": PHONE, "action": "send"})
    assert sent.status_code == 200 and "139****5678" in sent.content.decode()
    code = sms.code_for(PHONE)
    response = client.post(
        "/accounts/login/code/",
        {"phone": PHONE, "code": code, "action": "submit", "next": "/d/appeals/"},
    )
    assert response.status_code == 302 and response["Location"] == "/d/appeals/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditLog.objects.filter(action="user.login_code", actor=user).exists()


def test_log_in_by_code_through_the_api(orgs, sms):
    _driver_login(orgs)
    client = Client()
    client.post(
        "/api/v1/auth/codes", {"phone": PHONE, "purpose": "login"}, content_type="application/json"
    )
    wrong = client.post(
        "/api/v1/auth/login-with-code",
        {"phone": PHONE, "code": "99999x"},
        content_type="application/json",
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "code_wrong"
    response = client.post(
        "/api/v1/auth/login-with-code",
        {"phone": PHONE, "code": sms.code_for(PHONE)},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["role"] == "driver"
    assert client.get("/api/v1/me").json()["username"] == f"d{PHONE}"


def test_no_code_is_sent_to_a_number_without_a_drivers_login_and_the_answer_is_the_same(
    orgs, personas, sms
):
    from driverhome.accounts.actions import create_user

    create_user(
        actor=None,
        username="staff-phone",
        password="x-long-pass-1",
        role="site_staff",
        organisation=orgs["xiapu"],
        phone="13912340000",
    )
    client = Client()
    for phone in ("13912340000", "13912349999"):  # staff, nobody
        response = client.post(
            "/api/v1/auth/codes",
            {"phone": phone, "purpose": "login"},
            content_type="application/json",
        )
        assert response.status_code == 202
    assert sms.messages == [] and not PhoneCode.objects.exists()


def test_registration_code_is_refused_for_a_number_with_a_login(orgs, sms):
    _driver_login(orgs)
    with pytest.raises(DomainError) as refused:
        codes.request_code(PHONE, "register")
    assert refused.value.code == "login_exists" and sms.messages == []


def test_a_new_password_with_a_code(orgs, sms):
    user = _driver_login(orgs)
    client = Client()
    client.post("/accounts/password/reset/", {"phone": PHONE, "action": "send"})
    code = sms.code_for(PHONE)
    weak = client.post(
        "/accounts/password/reset/",
        {"phone": PHONE, "code": code, "password": "123", "action": "submit"},
    )
    assert weak.status_code == 200 and weak.context["form"].errors["password"]
    assert PhoneCode.objects.get().status == "live"  # a weak password does not cost the code
    done = client.post(
        "/accounts/password/reset/",
        {"phone": PHONE, "code": code, "password": "new-pass-2026!", "action": "submit"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("new-pass-2026!") and not user.check_password("old-pass-2026!")
    assert AuditLog.objects.filter(action="user.password_reset").count() == 1


def test_a_new_password_through_the_api(orgs, sms):
    user = _driver_login(orgs)
    client = Client()
    client.post(
        "/api/v1/auth/codes", {"phone": PHONE, "purpose": "reset"}, content_type="application/json"
    )
    response = client.post(
        "/api/v1/auth/password-reset",
        {"phone": PHONE, "code": sms.code_for(PHONE), "password": "api-pass-2026!"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.check_password("api-pass-2026!")


def test_a_page_asking_again_too_soon_answers_429_with_retry_after(sms):
    client = Client()
    client.post("/d/drivers/register/", {"phone": PHONE, "action": "send"})
    again = client.post(
        "/d/drivers/register/", {"phone": PHONE, "action": "send"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert again.status_code == 429 and 1 <= int(again["Retry-After"]) <= 60
    assert "seconds" in again.content.decode()


def test_a_gateway_failure_is_told_and_the_code_is_never_resent_from_the_stored_copy(
    orgs, personas, settings
):
    from driverhome.notifications import actions as notices

    settings.SMS_BACKEND = "driverhome.notifications.tests.test_codes_delivery.BrokenBackend"
    with pytest.raises(DomainError) as failed:
        codes.request_code(PHONE, "register")
    assert failed.value.code == "sms_failed"
    notice = Notification.objects.get(template="auth.code.register")
    assert notice.status == "failed"
    with pytest.raises(DomainError):
        notices.retry(notice, actor=personas["admin"])
    assert notices.deliver(notice.pk) is None  # not queued: nothing to send


def test_registration_without_a_code_registers_nobody(orgs):
    from driverhome.drivers.actions import register_driver
    from driverhome.drivers.tests.factories import next_id

    with pytest.raises(DomainError) as refused:
        register_driver(
            name="王建国",
            phone_number=PHONE,
            id_number=next_id(),
            password="a-long-pass-2026",
            organisation=orgs["xiapu"],
            consents=["file", "sensitive"],
        )
    assert refused.value.code == "phone_not_proven"
    assert not User.objects.filter(role="driver").exists()


def _claim(client, orgs, sms, *, phone, id_number):
    data = {
        "name": "王建国",
        "phone": phone,
        "id_number": id_number,
        "site": orgs["xiapu"].pk,
        "password": "a-long-pass-2026",
        "consent_file": "on",
        "consent_sensitive": "on",
    }
    client.post("/d/drivers/register/", {**data, "action": "send"})
    data["code"] = sms.code_for(phone)
    return client.post("/d/drivers/register/", {**data, "action": "submit"})


def test_claiming_an_imported_file_needs_the_code_sent_to_the_phone_on_it(orgs, sms):
    from driverhome.drivers.models import Driver
    from driverhome.drivers.tests.factories import make_driver

    imported = make_driver(orgs["xiapu"], name="王建国", phone="13812345678")
    # Someone who knows his ID number but has another phone: the code proves his own number,
    # which is not the one on the file.
    other = _claim(Client(), orgs, sms, phone="13787654321", id_number=imported.id_number)
    assert other.status_code == 200
    assert Driver.objects.get(pk=imported.pk).user is None
    # The driver himself: the code went to the phone on the file.
    own = _claim(Client(), orgs, sms, phone="13812345678", id_number=imported.id_number)
    assert own.status_code == 302
    assert sms.to("13812345678")
    assert Driver.objects.get(pk=imported.pk).user.phone == "13812345678"


def test_a_file_without_a_phone_is_not_claimed_online(orgs, sms):
    from driverhome.drivers.actions import update_driver
    from driverhome.drivers.models import Driver
    from driverhome.drivers.tests.factories import make_driver

    imported = make_driver(orgs["xiapu"], name="王建国")
    update_driver(imported, actor=None, phone="")
    response = _claim(Client(), orgs, sms, phone="13812345678", id_number=imported.id_number)
    assert response.status_code == 200
    assert "file_without_phone" not in response.content.decode()
    assert response.context["form"].non_field_errors()
    assert Driver.objects.get(pk=imported.pk).user is None
