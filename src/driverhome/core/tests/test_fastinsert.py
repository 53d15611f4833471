"""core.fastinsert: a new row written exactly as save() writes it, or through save() itself."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from driverhome.accounts.models import AuditLog, Organisation
from driverhome.core import fastinsert
from driverhome.core.fastinsert import insert
from driverhome.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _columns(obj) -> dict:
    row = type(obj).objects.filter(pk=obj.pk).values().get()
    row.pop("id")
    return row


def _audit(**extra) -> AuditLog:
    return AuditLog(
        actor_label="王师傅",
        action="appeal.file",
        object_type="appeals.appeal",
        object_id="42",
        changes={"category": "C03-01", "when": "2026-10-08", "n": [1, 2]},
        ip="127.0.0.1",
        **extra,
    )


def test_the_row_is_the_one_save_writes():
    saved = _audit(note="by save")
    saved.save()
    inserted = insert(_audit(note="by save"))
    assert inserted.pk and inserted.pk != saved.pk
    assert inserted._state.adding is False and inserted._state.db == "default"
    a, b = _columns(saved), _columns(inserted)
    assert a.pop("at") <= b.pop("at")  # default=timezone.now, filled when each was made
    assert a == b


def test_encrypted_and_defaulted_fields_go_through_their_field_methods():
    notice = insert(
        Notification(
            phone="13905740001",
            phone_masked="139****0001",
            channel=Notification.Channel.SMS,
            template="appeal.received",
            text="您的诉求已受理",
        )
    )
    stored = Notification.objects.get(pk=notice.pk)
    assert stored.phone == "13905740001" and stored.created_at == notice.created_at
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM notifications_notification WHERE id = %s", [notice.pk])
        assert "13905740001" not in cursor.fetchone()[0]  # encrypted at rest, as save() does
    assert stored.status == Notification.Status.QUEUED and stored.attempts == 0


def test_the_statement_is_built_once_per_model_and_database():
    fastinsert._statements.pop((AuditLog, "default"), None)
    insert(_audit())
    statement = fastinsert._statements[(AuditLog, "default")]
    with CaptureQueriesContext(connection) as queries:
        insert(_audit())
        insert(_audit())
    assert fastinsert._statements[(AuditLog, "default")] is statement
    assert len(queries.captured_queries) == 2
    assert all(q["sql"].startswith('INSERT INTO "accounts_auditlog"') for q in queries)


def test_a_receiver_or_an_own_save_sends_the_row_through_save():
    heard = []

    def receiver(sender, instance, created, **kwargs):
        heard.append((instance.pk, created))

    post_save.connect(receiver, sender=AuditLog)
    try:
        row = insert(_audit())
    finally:
        post_save.disconnect(receiver, sender=AuditLog)
    assert heard == [(row.pk, True)]

    assert not fastinsert._plain_save(Organisation)  # computes its path after saving
    area = insert(Organisation(name="新碶街道测试", code="xq-test", kind="subdistrict"))
    area.refresh_from_db()
    assert area.path.endswith(f"{area.pk:x}/")


def test_an_unsaved_related_row_is_refused_as_save_refuses_it():
    from driverhome.accounts.models import User

    with pytest.raises(ValueError, match="unsaved related object"):
        insert(_audit(actor=User(username="not-saved")))
