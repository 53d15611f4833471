"""Background jobs: send one SMS; sweep queued messages a lost worker left behind."""

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
    for pk in Notification.objects.filter(
        status=Notification.Status.QUEUED, channel=Notification.Channel.SMS, created_at__lt=cutoff
    ).values_list("pk", flat=True)[:500]:
        deliver(pk)
