"""Notifications: rendered in the recipient's language, sent after commit, retried, failures visible."""

import pytest
from django.test import override_settings
from django.urls import reverse

from driverhome.notifications import actions
from driverhome.notifications.backends import BaseBackend, SendError
from driverhome.notifications.models import MAX_ATTEMPTS, Notification

pytestmark = pytest.mark.django_db
CALLS = []


class FlakyBackend(BaseBackend):
    """Fails until told otherwise."""

    failing = True

    def send(self, phone, text):
        CALLS.append(phone)
        if FlakyBackend.failing:
            raise SendError("gateway timeout")
        return "ok"


FLAKY = "driverhome.appeals.tests.test_notifications.FlakyBackend"


def queue(**extra):
    return actions.notify(
        phone="13800138000",
        template="appeal.reminder",
        context={"tracking_no": "BL20251011-0001", "due": "10-11"},
        **extra,
    )


def test_the_default_backend_logs_and_stores(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rows = queue()
    row = Notification.objects.get(pk=rows[0].pk)
    assert row.status == "sent" and row.attempts == 1 and "BL20251011-0001" in row.text
    assert row.phone_masked == "138****8000"


def test_templates_follow_the_recipients_language(personas):
    user = personas["unit_handler"]
    user.preferred_language = "en"
    user.save()
    [row] = actions.notify(
        recipient_user=user,
        template="appeal.reminder",
        context={"tracking_no": "X", "due": "D"},
        channels=("console",),
    )
    assert row.text.startswith("Reminder") and row.status == "sent"


def test_a_failed_send_is_retried_and_then_marked_failed(personas):
    CALLS.clear()
    FlakyBackend.failing = True
    with override_settings(SMS_BACKEND=FLAKY):
        [row] = queue()
        for _ in range(MAX_ATTEMPTS + 1):
            actions.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == MAX_ATTEMPTS
    assert row.last_error == "SendError: gateway timeout"
    assert len(CALLS) == MAX_ATTEMPTS  # no attempt after the last


def test_a_retry_that_succeeds_marks_it_sent(personas):
    FlakyBackend.failing = True
    with override_settings(SMS_BACKEND=FLAKY):
        [row] = queue()
        actions.deliver(row.pk)
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("queued", 1)
        FlakyBackend.failing = False
        actions.deliver(row.pk)
        actions.deliver(row.pk)  # already sent: nothing happens
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")


def test_failed_sends_are_visible_and_can_be_sent_again(
    client_for, personas, orgs, django_capture_on_commit_callbacks
):
    FlakyBackend.failing = True
    with override_settings(SMS_BACKEND=FLAKY):
        [row] = queue(organisation=orgs["xiapu"])
        for _ in range(MAX_ATTEMPTS):
            actions.deliver(row.pk)
    page = client_for("supervisor").get(reverse("notifications:notice-failed"))
    assert row in page.context["page"].items
    assert client_for("outsider").get(reverse("notifications:notice-failed")).status_code == 404
    FlakyBackend.failing = False
    with override_settings(SMS_BACKEND=FLAKY), django_capture_on_commit_callbacks(execute=True):
        client_for("supervisor").post(reverse("notifications:notice-retry", args=[row.pk]))
    row.refresh_from_db()
    assert row.status == "sent"


def test_my_notices_page_shows_console_notices_and_marks_them_read(client_for, personas):
    actions.notify(
        recipient_user=personas["broker"],
        template="appeal.reminder",
        context={"tracking_no": "A", "due": "B"},
        channels=("console",),
    )
    page = client_for("broker").get(reverse("notifications:notice-list"))
    assert len(page.context["page"].items) == 1 and page.context["unread"]
    assert not Notification.objects.filter(
        recipient_user=personas["broker"], read_at__isnull=True
    ).exists()


def test_an_sms_without_a_phone_is_skipped(personas):
    assert (
        actions.notify(
            recipient_user=personas["broker"],
            template="appeal.reminder",
            context={"tracking_no": "A", "due": "B"},
        )
        == []
    )


def test_the_sweep_sends_what_a_lost_job_left_queued(personas):
    from datetime import timedelta

    from django.utils import timezone

    from driverhome.notifications.tasks import resend_stuck

    [row] = queue()  # the on-commit job never ran (as after a crash)
    Notification.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    resend_stuck.call_local()
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 1


def test_the_receipt_names_the_answer_deadline_the_driver_sees_on_the_request(personas):
    """The receipt says "we will answer by": the answer's deadline, which the request page
    shows, not the first stage's (acceptance by the unit), which comes earlier."""
    from django.utils import formats, timezone

    from driverhome.appeals.tests.factories import file

    appeal = file(personas["site_staff"], reporter_phone="13905741234")
    assert appeal.due_at < appeal.answer_due_at
    sms = Notification.objects.get(template="appeal.received", channel="sms")
    expected = formats.date_format(
        timezone.localtime(appeal.answer_due_at), "SHORT_DATETIME_FORMAT"
    )
    assert expected in sms.body and appeal.tracking_no in sms.body


def test_a_message_is_written_wholly_in_the_recipients_language(personas, orgs):
    """Staff working in English file for a driver whose phone reads Chinese: the receipt's
    date and category are in Chinese like its text; an English reader gets them in English."""
    from django.utils import translation

    from driverhome.appeals.tests.factories import driver_for, file

    driver = driver_for(personas["driver"], orgs["xiapu"])
    with translation.override("en"):
        appeal = file(personas["site_staff"], driver=driver, channel="phone")
    sms = Notification.objects.get(template="appeal.received", channel="sms")
    assert sms.language == "zh-hans"
    assert appeal.category.name in sms.body and "年" in sms.body  # 2026年…月…日
    assert "a.m." not in sms.body and "p.m." not in sms.body

    personas["driver"].preferred_language = "en"
    personas["driver"].save()
    with translation.override("zh-hans"):
        file(personas["site_staff"], driver=driver, channel="phone")
    english = Notification.objects.filter(template="appeal.received", channel="sms").latest("pk")
    assert english.language == "en" and english.body.startswith("Your request")
    assert appeal.category.name_en in english.body and "年" not in english.body
