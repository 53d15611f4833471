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
#: who sees the weak closures (panel, page, API)
WEAK_CLOSURE_ROLES = (Role.SUPERVISOR, Role.ADMIN)


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
        # His own requests and every open request of the drivers in his caseload, wherever filed.
        from driverhome.drivers.models import Driver

        caseload = Driver.objects.filter(care_broker=user).values("pk")
        condition = (
            (Q(care_broker=user) | Q(driver_id__in=caseload)) & Q(status__in=Appeal.OPEN_STATUSES)
        ) | Q(transfers__status=BrokerTransfer.Status.PENDING, transfers__to_broker=user)
    elif user.role == Role.SITE_STAFF:
        condition = dispatch | (visits & Q(care_broker__isnull=True)) | mine_unit
    elif user.role == Role.SUPERVISOR:
        condition = Q(extensions__status=Extension.Status.PENDING) | (
            Q(supervised=True) & Q(status__in=Appeal.OPEN_STATUSES)
        )
    else:
        condition = dispatch
    return qs.filter(condition).distinct()


SOON = timedelta(days=2)


def panel_list(user, qs, which: str, now=None):
    """The rows behind one worklist panel ("overdue", "soon" or "waiting"): the panel
    counts exactly what the list it opens shows."""
    now = now or timezone.now()
    mine = waiting_for(user, qs).filter(due_at__isnull=False)
    if which == "overdue":
        return mine.filter(status__in=Appeal.OPEN_STATUSES, due_at__lt=now)
    if which == "soon":
        return mine.filter(status__in=Appeal.OPEN_STATUSES, due_at__gte=now, due_at__lt=now + SOON)
    return mine


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


def _weak_items(rows):
    from .models import ReturnVisit

    labels = dict(ReturnVisit.Resolved.choices)
    return [
        {
            "url": reverse("appeals:appeal-detail", args=[appeal.tracking_no]),
            "label": f"{appeal.tracking_no} {appeal.category.display_name}",
            "meta": f"{labels.get(appeal.last_resolved, '—')} · {appeal.last_score}/5",
        }
        for appeal in rows
    ]


def worklist_panels(request) -> list[dict]:
    user = request.user
    now = timezone.now()
    base = Appeal.objects.for_user(user).select_related("category")
    list_url = reverse("appeals:appeal-list")
    overdue = panel_list(user, base, "overdue", now).order_by("due_at")
    soon = panel_list(user, base, "soon", now).order_by("due_at")
    waiting = panel_list(user, base, "waiting", now).order_by("due_at")
    overdue_count = overdue.count()
    # Every panel here counts only what waits for the viewer, and says so.
    panels = [
        {
            "title": _("Overdue, waiting for me"),
            "count": overdue_count,
            "items": _items(overdue[:PANEL_SIZE], now),
            "url": f"{list_url}?mine=on&overdue=on",
            "tone": "red" if overdue_count else "",
            "empty": _("Nothing overdue."),
        },
        {
            "title": _("Due soon, waiting for me"),
            "count": soon.count(),
            "items": _items(soon[:PANEL_SIZE], now),
            "url": f"{list_url}?mine=on&soon=on",
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
    if user.role in WEAK_CLOSURE_ROLES or user.is_superuser:
        from .weak import default_period, weak_closures

        start, end = default_period()
        weak = weak_closures(base, start, end)
        count = weak.count()
        panels.append(
            {
                "title": _("Weak closures, last %(days)s days") % {"days": (end - start).days + 1},
                "count": count,
                "items": _weak_items(weak.order_by("-closed_at")[:PANEL_SIZE]),
                "url": f"{reverse('appeals:weak-closures')}?start={start:%Y-%m-%d}&end={end:%Y-%m-%d}",
                "tone": "amber" if count else "",
                "empty": _("No request closed partly resolved or rated below 3."),
            }
        )
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
