"""Worklist panels: the most urgent suggestions and drivers' open requests for services."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from driverhome.accounts.models import Role

from .models import Recommendation, ServiceRequest

PANEL_ROLES = (Role.BROKER, Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN)


def worklist_panels(request) -> list[dict]:
    user = request.user
    if not user.has_role(*PANEL_ROLES):
        return []
    recos = Recommendation.objects.for_user(user).filter(status=Recommendation.Status.OPEN)
    if user.role == Role.BROKER:
        mine = recos.filter(driver__care_broker=user)
        if mine.exists():
            recos = mine
    top = list(recos.select_related("driver", "item").order_by("-urgency", "id")[:5])
    requests = ServiceRequest.objects.for_user(user).filter(status=ServiceRequest.Status.OPEN)
    waiting = list(requests.select_related("driver", "item").order_by("created_at")[:5])
    url = reverse("services:recommendations")
    return [
        {
            "title": _("Services to offer"),
            "count": recos.count(),
            "items": [
                {
                    "url": reverse("services:journey", kwargs={"public_id": r.driver.public_id}),
                    "label": f"{r.driver.name} · {r.item.label}",
                    "meta": r.reason,
                }
                for r in top
            ],
            "url": url,
            "tone": "warning" if any(r.urgency >= 80 for r in top) else "",
            "empty": _("No suggestions waiting."),
        },
        {
            "title": _("Drivers asking for a service"),
            "count": requests.count(),
            "items": [
                {
                    "url": reverse("services:journey", kwargs={"public_id": r.driver.public_id}),
                    "label": f"{r.driver.name} · {r.item.label}",
                    "meta": r.created_at.strftime("%Y-%m-%d"),
                }
                for r in waiting
            ],
            "url": url,
            "tone": "warning" if waiting else "",
            "empty": _("No requests waiting."),
        },
    ]
