"""Background jobs: send one SMS (retries are scheduled by ``actions.deliver`` with back-off);
sweep queued messages a lost worker left behind; fetch delivery reports."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def send_notification(pk: int):
    from .actions import deliver

    deliver(pk)


@db_periodic_task(crontab(minute="*/10"))
def resend_stuck():
    from .actions import deliver
    from .models import Notification

    cutoff = timezone.now() - timedelta(minutes=10)
    # A worker that died while sending may have reached the provider: the message goes back
    # to the queue marked "maybe sent", so the provider is asked before it is sent again.
    Notification.objects.filter(status=Notification.Status.SENDING, claimed_at__lt=cutoff).update(
        status=Notification.Status.QUEUED, maybe_sent=True
    )
    for pk in Notification.objects.filter(
        status=Notification.Status.QUEUED, channel=Notification.Channel.SMS, created_at__lt=cutoff
    ).values_list("pk", flat=True)[:500]:
        deliver(pk)


@db_periodic_task(crontab(minute="*/15"))
def poll_delivery_reports():
    """Delivery of sent SMS the provider has not pushed a report for (its query API)."""
    from .actions import poll_reports

    poll_reports()
