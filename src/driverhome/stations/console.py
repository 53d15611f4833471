"""Worklist panels on the console home: stale free places, reviews awaiting a reply."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from driverhome.accounts.models import Role

from .models import Review, Station

PANEL_ROLES = (Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN)
LIMIT = 8


def worklist_panels(request) -> list[dict]:
    user = request.user
    if not user.has_role(*PANEL_ROLES):
        return []
    stations = Station.objects.for_user(user).filter(is_active=True)
    stale_since = timezone.now() - timedelta(minutes=settings.AVAILABILITY_STALE_MINUTES)
    stale = stations.filter(
        Q(availability_at__lt=stale_since) | Q(availability_at__isnull=True),
        Q(truck_bays__gt=0) | Q(beds__gt=0),
    ).order_by("availability_at", "code")
    stale_rows = list(stale[:LIMIT])
    now = timezone.now()
    panels = [
        {
            "title": _("Free places not current"),
            "count": stale.count() if len(stale_rows) == LIMIT else len(stale_rows),
            "items": [
                {
                    "url": reverse("stations:station-detail", kwargs={"code": s.code}),
                    "label": s.name,
                    "meta": (
                        _("never reported")
                        if s.availability_at is None
                        else _("%(n)s min ago") % {"n": s.availability_age_minutes(now)}
                    ),
                }
                for s in stale_rows
            ],
            "url": reverse("stations:station-list"),
            "tone": "warning" if stale_rows else "",
            "empty": _("Every site's free places are current."),
        }
    ]
    awaiting = (
        Review.objects.filter(station__in=stations, status=Review.Status.VISIBLE, reply="")
        .exclude(comment="")
        .select_related("station")
        .order_by("created_at")
    )
    rows = list(awaiting[:LIMIT])
    panels.append(
        {
            "title": _("Reviews awaiting a reply"),
            "count": awaiting.count() if len(rows) == LIMIT else len(rows),
            "items": [
                {
                    "url": reverse("stations:review-list", kwargs={"code": r.station.code})
                    + "?show=awaiting",
                    "label": f"{r.station.name} · {r.average}",
                    "meta": (r.comment[:30] + "…") if len(r.comment) > 30 else r.comment,
                }
                for r in rows
            ],
            "url": None,
            "tone": "",
            "empty": _("No review is waiting for a reply."),
        }
    )
    return panels
