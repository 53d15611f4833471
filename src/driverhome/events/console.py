"""Worklist panels on the console home: today's and the coming week's events, places to confirm."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Event, Registration
from .views import EVENT_ROLES


def worklist_panels(request) -> list[dict]:
    user = request.user
    if not (user.is_superuser or user.role in EVENT_ROLES):
        return []
    now = timezone.now()
    events = Event.objects.for_user(user).filter(status=Event.Status.SCHEDULED)
    coming = events.filter(ends_at__gte=now, starts_at__lt=now + timedelta(days=7)).select_related(
        "station"
    )
    upcoming = list(coming.order_by("starts_at")[:6])
    to_close = events.filter(ends_at__lt=now).count()
    pending = Registration.objects.filter(
        event__in=events.filter(ends_at__gte=now), status=Registration.Status.PENDING
    ).count()
    items = [
        {
            "url": reverse("events:event-detail", args=[e.code]),
            "label": e.title,
            "meta": f"{timezone.localtime(e.starts_at):%m-%d %H:%M} · {e.station.name}",
        }
        for e in upcoming
    ]
    panels = [
        {
            "title": _("Events in the next 7 days"),
            "count": coming.count(),
            "items": items,
            "url": reverse("events:event-list"),
            "tone": "",
            "empty": _("No events in the next 7 days."),
        }
    ]
    if to_close or pending:
        panels.append(
            {
                "title": _("Events to close"),
                "count": to_close,
                "items": [],
                "url": reverse("events:event-list"),
                "tone": "warning",
                "empty": _("%(count)s registrations await the driver's confirmation.")
                % {"count": pending},
            }
        )
    return panels
