"""A driver's erasure: what the logs and notices hold about him is sealed under his own key,
which erasure destroys; their non-personal content stays; no column of any table holds his
values afterwards (the file scan of ``tests/test_erasure.py`` on PostgreSQL's terms)."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from driverhome.accounts.models import AccessLog, AuditLog, PersonalKey
from driverhome.appeals.tests.factories import file
from driverhome.drivers import actions
from driverhome.drivers.exporting import drivers_xlsx
from driverhome.drivers.models import Driver
from driverhome.notifications.models import Notification

pytestmark = pytest.mark.django_db

NAME, ID_NUMBER, PHONE = "欧阳翠霞", "330206198507142318", "13957719468"
HOMETOWN, BRANCH = "岷县梅川镇", "宁波港集卡第七支部"


@pytest.fixture
def lived(orgs, personas):
    """A driver whose values went everywhere: edits, note, reveal, export, a request."""
    from driverhome.accounts.models import Role, User

    login = User.objects.create_user(
        f"d{PHONE}", password="x", role=Role.DRIVER, full_name=NAME, phone=PHONE
    )
    staff = personas["site_staff"]
    driver = actions.create_driver(
        actor=staff,
        organisation=orgs["xiapu"],
        name=NAME,
        id_number=ID_NUMBER,
        phone=PHONE,
        user=login,
        care_broker=personas["broker"],
    )
    driver = actions.update_driver(driver, actor=staff, hometown=HOMETOWN, party_branch=BRANCH)
    actions.add_note(driver, actor=staff, text=f"{NAME}说欠薪")
    actions.reveal(driver, actor=staff, field="phone", reason=f"回电{NAME}")
    drivers_xlsx(Driver.objects.filter(pk=driver.pk), user=personas["supervisor"], full=True)
    file(login, driver=driver)
    return driver


def test_logs_and_notices_about_him_are_sealed_under_his_key(lived):
    key = PersonalKey.objects.get(holder=f"drivers.driver:{lived.pk}")
    created = AuditLog.objects.get(action="driver.create")
    assert created.personal_key == key and created.object_repr == "" and created.note == ""
    assert set(created.changes) >= {"name", "hometown"} and NAME not in json.dumps(created.changes)
    assert created.shown_repr == NAME and created.shown_changes["name"] == [None, NAME]
    reveal = AccessLog.objects.get(field="phone")
    assert reveal.subject_repr == "" and reveal.shown_reason == f"回电{NAME}"
    broker_notice = Notification.objects.get(template="appeal.broker_new")
    assert broker_notice.text == "" and NAME in broker_notice.body
    sms = Notification.objects.get(template="appeal.received", channel="sms")
    assert sms.phone == "" and sms.address == PHONE
    # The request's own audit row needs no query for his key once it is known.
    assert AuditLog.objects.get(action="appeal.file").personal_key == key


def test_erasure_destroys_his_key_and_keeps_what_is_not_personal(lived, personas):
    before = list(
        AuditLog.objects.order_by("pk").values_list("action", "actor_id", "object_id", "at")
    )
    actions.anonymise_driver(lived, actor=personas["supervisor"], reason="本人申请")
    key = PersonalKey.objects.get(holder=f"drivers.driver:{lived.pk}")
    assert key.key == "" and key.erased_at is not None
    created = AuditLog.objects.select_related("personal_key").get(action="driver.create")
    assert created.opened is None and created.erased and created.shown_repr == "—"
    assert set(created.shown_changes) >= {"name", "hometown"}  # which fields, not values
    assert AccessLog.objects.get(field="phone").shown_reason == "—"
    assert Notification.objects.get(template="appeal.broker_new").body == "—"
    sms = Notification.objects.get(template="appeal.received", channel="sms")
    assert sms.address == "" and sms.phone_masked == ""
    # Action, actor, object and time of every earlier row are as they were.
    after = list(
        AuditLog.objects.order_by("pk").values_list("action", "actor_id", "object_id", "at")
    )
    assert after[: len(before)] == before and after[-1][0] == "driver.anonymise"


def needles() -> list[str]:
    values = [NAME, ID_NUMBER, PHONE, HOMETOWN, BRANCH]
    return values + [json.dumps(v)[1:-1] for v in values if json.dumps(v)[1:-1] != v]


def holding(values: list[str]) -> list[str]:
    """``table.column`` of every column, of every table, whose text holds one of ``values``."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                name = connection.ops.quote_name(column.name)
                condition = " OR ".join([f"CAST({name} AS TEXT) LIKE %s"] * len(values))
                cursor.execute(
                    f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)} WHERE {condition}",  # noqa: S608
                    [f"%{v}%" for v in values],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column.name}")
    return found


def test_no_column_of_any_table_holds_his_values_after_erasure(lived, personas):
    assert "drivers_driver.name" in holding(needles())  # the scan sees clear values
    actions.anonymise_driver(lived, actor=personas["supervisor"], reason="本人申请")
    assert holding(needles()) == []
