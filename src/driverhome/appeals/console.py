"""The staff worklist panels of the closed loop: due soon, overdue, waiting for me."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from driverhome.accounts.models import Role

from .models import Appeal, BrokerTransfer, Extension

S = Appeal.Status
PANEL_SIZE = 6


def waiting_for(user, qs):
    """The requests on which the user's next step is awaited."""
    path = user.scope_path or "/"
    mine_unit = Q(status__in=Appeal.UNIT_STATUSES)
    if path != "/":
        mine_unit &= Q(handling_unit__path__startswith=path)
    dispatch = Q(status__in=(S.COLLECTED, S.RETURNED))
    visits = Q(status__in=(S.ANSWERED, S.VISITED))
    if user.role == Role.UNIT_HANDLER:
        condition = mine_unit
    elif user.role == Role.BROKER:
        condition = (Q(care_broker=user) & Q(status__in=Appeal.OPEN_STATUSES)) | Q(
            transfers__status=BrokerTransfer.Status.PENDING, transfers__to_broker=user
        )
    elif user.role == Role.SITE_STAFF:
        condition = dispatch | (visits & Q(care_broker__isnull=True)) | mine_unit
    elif user.role == Role.SUPERVISOR:
        condition = Q(extensions__status=Extension.Status.PENDING) | (
            Q(supervised=True) & Q(status__in=Appeal.OPEN_STATUSES)
        )
    else:
        condition = dispatch
    return qs.filter(condition).distinct()


def _items(rows, now):
    items = []
    for appeal in rows:
        due = appeal.due_at
        meta = appeal.get_status_display()
        if due:
            meta = f"{meta} · " + _("due %(when)s") % {
                "when": formats.date_format(timezone.localtime(due), "SHORT_DATETIME_FORMAT")
            }
        items.append(
            {
                "url": reverse("appeals:appeal-detail", args=[appeal.tracking_no]),
                "label": f"{appeal.tracking_no} {appeal.category.display_name}",
                "meta": meta,
            }
        )
    return items


def worklist_panels(request) -> list[dict]:
    user = request.user
    now = timezone.now()
    base = Appeal.objects.for_user(user).select_related("category")
    mine = waiting_for(user, base)
    list_url = reverse("appeals:appeal-list")
    overdue = mine.filter(status__in=Appeal.OPEN_STATUSES, due_at__lt=now).order_by("due_at")
    soon = mine.filter(
        status__in=Appeal.OPEN_STATUSES, due_at__gte=now, due_at__lt=now + timedelta(days=2)
    ).order_by("due_at")
    waiting = mine.order_by("due_at")
    overdue_count = overdue.count()
    panels = [
        {
            "title": _("Requests overdue"),
            "count": overdue_count,
            "items": _items(overdue[:PANEL_SIZE], now),
            "url": f"{list_url}?mine=on&overdue=on",
            "tone": "red" if overdue_count else "",
            "empty": _("Nothing overdue."),
        },
        {
            "title": _("Requests due soon"),
            "count": soon.count(),
            "items": _items(soon[:PANEL_SIZE], now),
            "url": f"{list_url}?mine=on",
            "tone": "amber",
            "empty": _("Nothing due in the next two days."),
        },
        {
            "title": _("Requests waiting for me"),
            "count": waiting.count(),
            "items": _items(waiting[:PANEL_SIZE], now),
            "url": f"{list_url}?mine=on",
            "tone": "",
            "empty": _("Nothing waiting."),
        },
    ]
    if user.role in (Role.SUPERVISOR, Role.ADMIN) or user.is_superuser:
        from driverhome.notifications.models import Notification

        failed = Notification.objects.for_user(user).filter(status=Notification.Status.FAILED)
        count = failed.count()
        if count:
            panels.append(
                {
                    "title": _("Messages that could not be sent"),
                    "count": count,
                    "items": [],
                    "url": reverse("notifications:notice-failed"),
                    "tone": "red",
                    "empty": "",
                }
            )
    return panels
