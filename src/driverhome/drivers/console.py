"""Worklist panels on the console home: corrections to confirm, the apartment waiting list, imports."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from driverhome.accounts.models import Role

from .access import APARTMENT_ROLES, FILE_ROLES
from .models import CorrectionRequest, Driver, WaitingListEntry


def worklist_panels(request) -> list[dict]:
    user = request.user
    if not (user.is_superuser or user.role in FILE_ROLES):
        return []
    panels = []
    pending = (
        CorrectionRequest.objects.for_user(user)
        .filter(status=CorrectionRequest.Status.PENDING)
        .select_related("driver")
        .order_by("requested_at")
    )
    items = list(pending[:5])
    panels.append(
        {
            "title": _("Corrections awaiting confirmation"),
            "count": pending.count(),
            "items": [
                {
                    "url": reverse("drivers:driver-detail", args=[c.driver.public_id]),
                    "label": c.driver.name,
                    "meta": c.requested_at.strftime("%Y-%m-%d"),
                }
                for c in items
            ],
            "url": reverse("drivers:correction-list"),
            "tone": "warning" if items else "",
            "empty": _("No corrections to confirm."),
        }
    )
    if user.role == Role.BROKER:
        caseload = Driver.objects.for_user(user).active().filter(care_broker=user)
        panels.append(
            {
                "title": _("My caseload"),
                "count": caseload.count(),
                "items": [
                    {
                        "url": reverse("drivers:driver-detail", args=[d.public_id]),
                        "label": d.name,
                        "meta": d.get_residence_type_display(),
                    }
                    for d in caseload.order_by("-updated_at")[:5]
                ],
                "url": reverse("drivers:driver-list") + "?mine=on",
                "tone": "",
                "empty": _("No drivers assigned to you."),
            }
        )
    if user.is_superuser or user.role in APARTMENT_ROLES:
        waiting = (
            WaitingListEntry.objects.for_user(user)
            .filter(status=WaitingListEntry.Status.WAITING)
            .select_related("driver", "building")
            .order_by("applied_at")
        )
        count = waiting.count()
        if count:
            panels.append(
                {
                    "title": _("Apartment waiting list"),
                    "count": count,
                    "items": [
                        {
                            "url": reverse("drivers:driver-detail", args=[w.driver.public_id]),
                            "label": w.driver.name,
                            "meta": f"{w.building.name} · {w.applied_at:%Y-%m-%d}",
                        }
                        for w in waiting[:5]
                    ],
                    "url": reverse("drivers:apartment-list"),
                    "tone": "",
                    "empty": "",
                }
            )
    return panels
