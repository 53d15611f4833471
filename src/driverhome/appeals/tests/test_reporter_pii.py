"""A caller's contact (no driver's file): encrypted with a keyed hash, masked wherever it
is shown, never in Open311, in clear only through ``appeals.pii.reporter_contact``."""

from __future__ import annotations

import pytest
from django.db import connection

from driverhome.accounts.models import AccessLog
from driverhome.appeals import pii as appeal_pii
from driverhome.appeals.models import Appeal, Open311Key
from driverhome.core import pii
from driverhome.core.errors import DomainError, PermissionDeniedError

from .factories import driver_for, file

pytestmark = pytest.mark.django_db

NAME, PHONE, EMAIL = "司马芷若", "13811172233", "zhiruo.sima@example.cn"


def caller(personas, **extra):
    return file(
        personas["site_staff"],
        reporter_name=NAME,
        reporter_phone=PHONE,
        reporter_email=EMAIL,
        **extra,
    )


def raw(appeal) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reporter_name, reporter_phone, reporter_email, reporter_phone_hash "
            "FROM appeals_appeal WHERE id = %s",
            [appeal.pk],
        )
        return cursor.fetchone()


def test_the_database_holds_ciphertext_and_a_keyed_hash(personas):
    appeal = caller(personas)
    name, phone, email, phone_hash = raw(appeal)
    assert NAME not in name and PHONE not in phone and EMAIL not in email
    assert (pii.decrypt(name), pii.decrypt(phone), pii.decrypt(email)) == (NAME, PHONE, EMAIL)
    assert phone_hash == pii.lookup_hash(PHONE, kind="phone")
    found = Appeal.objects.filter(reporter_phone_hash=pii.lookup_hash(PHONE, kind="phone"))
    assert list(found) == [appeal]
    reloaded = Appeal.objects.get(pk=appeal.pk)
    assert reloaded.reporter_phone_masked == "138****2233"
    assert reloaded.reporter_email_masked == "z***@example.cn"


def test_the_request_page_shows_phone_and_email_masked(client_for, personas):
    appeal = caller(personas)
    page = client_for("site_staff").get(f"/console/appeals/{appeal.tracking_no}/").content.decode()
    assert "138****2233" in page and "z***@example.cn" in page
    assert PHONE not in page and EMAIL not in page


def test_open311_never_shows_the_callers_contact(client, orgs):
    _row, key = Open311Key.issue("12345-hotline", orgs["xiapu"])
    created = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "C03-01",
            "lat": "29.89",
            "long": "121.85",
            "description": "停车场满了",
            "first_name": "芷若",
            "last_name": "司马",
            "phone": PHONE,
            "email": EMAIL,
        },
    )
    number = created.json()[0]["service_request_id"]
    appeal = Appeal.objects.get(tracking_no=number)
    assert appeal.reporter_phone == PHONE and appeal.reporter_email == EMAIL
    for body in (
        client.get(f"/open311/v2/requests/{number}.json").content.decode(),
        client.get("/open311/v2/requests.json").content.decode(),
        client.get(f"/open311/v2/requests/{number}.xml").content.decode(),
    ):
        assert number in body
        assert PHONE not in body and EMAIL not in body and "芷若" not in body


def test_the_api_does_not_return_the_callers_contact(api, personas):
    appeal = caller(personas)
    body = api("site_staff").get(f"/api/v1/appeals/{appeal.tracking_no}").content.decode()
    assert appeal.tracking_no in body and PHONE not in body and EMAIL not in body


def test_reporter_contact_gives_the_values_and_writes_the_access_log(personas):
    appeal = caller(personas)
    contact = appeal_pii.reporter_contact(appeal, personas["site_staff"], "回电确认地址")
    assert contact == {"name": NAME, "phone": PHONE, "email": EMAIL}
    entry = AccessLog.objects.get()
    assert (entry.actor, entry.subject_type, entry.subject_id, entry.field) == (
        personas["site_staff"],
        "appeals.appeal",
        str(appeal.pk),
        "reporter:name,phone,email",
    )
    assert entry.shown_reason == "回电确认地址"
    only_phone = appeal_pii.reporter_contact(
        appeal, personas["supervisor"], "回访", fields=["phone"]
    )
    assert only_phone == {"phone": PHONE}
    assert AccessLog.objects.count() == 2


def test_reporter_contact_of_a_drivers_request_is_his_file_and_sealed(personas, orgs):
    driver = driver_for(personas["driver"], orgs["xiapu"], name="欧阳翠霞")
    appeal = file(personas["driver"], driver=driver)
    contact = appeal_pii.reporter_contact(appeal, personas["site_staff"], "回访欧阳翠霞")
    assert contact["phone"] == driver.phone and contact["name"] == "欧阳翠霞"
    entry = AccessLog.objects.select_related("personal_key").get()
    assert entry.reason == "" and entry.shown_reason == "回访欧阳翠霞"


@pytest.mark.parametrize(
    ("persona", "reason", "error"),
    [
        ("site_staff", "", DomainError),  # a reason is required
        ("driver", "x", PermissionDeniedError),
        ("unit_handler", "x", PermissionDeniedError),  # may not reveal at all
        ("outsider", "x", PermissionDeniedError),  # another area
    ],
)
def test_reporter_contact_is_refused(personas, persona, reason, error):
    appeal = caller(personas)
    with pytest.raises(error):
        appeal_pii.reporter_contact(appeal, personas[persona], reason)
    assert not AccessLog.objects.exists()
