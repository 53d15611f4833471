"""Every change to notifications: queue, deliver, retry, mark read."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from driverhome.accounts import audit, personal
from driverhome.core import pii
from driverhome.core.fastinsert import insert

from .messages import render
from .models import MAX_ATTEMPTS, Notification

logger = logging.getLogger("driverhome.notifications")


def _language_of(user) -> str:
    language = getattr(user, "preferred_language", "") if user is not None else ""
    return language or "zh-hans"


def notify(**message) -> list[Notification]:
    """Queue a message; SMS go out through the background job once the caller's transaction commits.

    ``message`` as ``prepare`` takes it: ``driver`` supplies the phone number and login
    when they are not given; channels that have no address (SMS without a phone, a
    console notice without a user) are skipped.
    """
    return store(prepare(**message))


def prepare(
    *,
    recipient_user=None,
    phone=None,
    driver=None,
    template: str,
    context: dict,
    channels=("sms",),
    organisation=None,
    url: str = "",
    person=None,
) -> list[Notification]:
    """The notices ``notify`` stores, built (text rendered) but not yet written: a caller that
    writes under a lock builds them first and stores them inside its transaction.

    ``person`` (default: ``driver``) is the driver the text is about: the text and the phone
    are then sealed under his personal key, so that erasing him makes them unreadable."""
    if person is None:
        person = driver
    if driver is not None:
        if recipient_user is None:
            recipient_user = driver.user
        if not phone:
            phone = driver.phone
    language = _language_of(recipient_user)
    text = render(template, context, language)
    notices = []
    now = timezone.now()
    for channel in channels:
        if channel == Notification.Channel.SMS and not phone:
            continue
        if channel == Notification.Channel.CONSOLE and recipient_user is None:
            continue
        is_sms = channel == Notification.Channel.SMS
        address = phone if is_sms else ""
        sealed = personal.seal_for(person, {"text": text, "phone": address})
        key_id = token = None
        if sealed is not None:
            key_id, token = sealed
        notices.append(
            Notification(
                recipient_user=recipient_user,
                phone="" if sealed else address,
                phone_masked=pii.mask_phone(phone) if is_sms else "",
                driver=driver,
                organisation=organisation,
                channel=channel,
                template=template,
                language=language,
                text="" if sealed else text,
                personal_key_id=key_id,
                sealed=token,
                url=url,
                status=Notification.Status.QUEUED if is_sms else Notification.Status.SENT,
                sent_at=None if is_sms else now,
            )
        )
    return notices


def store(notices: list[Notification]) -> list[Notification]:
    """Write prepared notices; each SMS is handed to the background job once the commit is done."""
    with transaction.atomic(savepoint=False):  # inside the caller's transaction: no savepoint
        for notification in notices:
            insert(notification)
            if notification.channel != Notification.Channel.CONSOLE:
                transaction.on_commit(lambda pk=notification.pk: _enqueue(pk))
    return notices


def _enqueue(pk: int) -> None:
    from .tasks import send_notification

    send_notification(pk)


def deliver(pk: int) -> Notification | None:
    """One attempt at sending a queued SMS. Claims the row, so two workers never send it twice."""
    from .backends import get_backend

    now = timezone.now()
    # Claim: only a queued row whose attempt count we saw may be taken.
    row = (
        Notification.objects.filter(pk=pk, status=Notification.Status.QUEUED)
        .select_related("personal_key")
        .first()
    )
    if row is None:
        return None
    claimed = Notification.objects.filter(
        pk=pk, status=Notification.Status.QUEUED, attempts=row.attempts
    ).update(attempts=row.attempts + 1)
    if not claimed:
        return None
    row.attempts += 1
    if row.sealed and row.opened is None:  # the person was erased before it went out
        Notification.objects.filter(pk=pk).update(
            status=Notification.Status.FAILED, last_error="erased"
        )
        row.status = Notification.Status.FAILED
        return row
    try:
        get_backend().send(row.address, row.body)
    except Exception as exc:  # noqa: BLE001 - any gateway failure is recorded and retried
        final = row.attempts >= MAX_ATTEMPTS
        row.status = Notification.Status.FAILED if final else Notification.Status.QUEUED
        row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        Notification.objects.filter(pk=pk).update(status=row.status, last_error=row.last_error)
        logger.warning("sms send failed", extra={"notification": pk, "attempt": row.attempts})
        if not final:
            _schedule_retry(pk, row.attempts)
        return row
    row.status = Notification.Status.SENT
    row.sent_at = now
    Notification.objects.filter(pk=pk).update(status=row.status, sent_at=now, last_error="")
    return row


def _schedule_retry(pk: int, attempts: int) -> None:
    from django.conf import settings

    if settings.HUEY.get("immediate"):
        return  # no scheduler in immediate mode: the sweep or staff retry it
    from .tasks import send_notification

    send_notification.schedule((pk,), delay=60 * 2**attempts)


@transaction.atomic
def retry(notification: Notification, *, actor) -> Notification:
    """Put a failed SMS back in the queue (from the console)."""
    updated = Notification.objects.filter(
        pk=notification.pk, status=Notification.Status.FAILED
    ).update(status=Notification.Status.QUEUED, attempts=0)
    if updated:
        audit.record(
            actor, "notification.retry", notification, organisation=notification.organisation
        )
        transaction.on_commit(lambda: _enqueue(notification.pk))
    notification.refresh_from_db()
    return notification


def mark_read(user) -> int:
    return Notification.objects.filter(recipient_user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
