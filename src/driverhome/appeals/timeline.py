"""The driver's timeline entries from the closed loop (public transitions of his requests)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Appeal, Transition


def entries_for_driver(driver, user) -> list[dict]:
    appeals = Appeal.objects.for_user(user).filter(driver=driver)
    rows = (
        Transition.objects.filter(appeal__in=appeals, public=True)
        .select_related("appeal", "appeal__category")
        .order_by("-at")[:200]
    )
    console = user.is_platform_staff
    entries = []
    for row in rows:
        appeal = row.appeal
        url = (
            reverse("appeals:appeal-detail", args=[appeal.tracking_no])
            if console
            else reverse("appeals_driver:appeal-detail", args=[appeal.tracking_no])
        )
        entries.append(
            {
                "at": row.at,
                "kind": "appeal",
                "title": _("Request %(no)s: %(status)s")
                % {"no": appeal.tracking_no, "status": row.get_to_status_display()},
                "detail": row.public_note or appeal.category.display_name,
                "url": url,
            }
        )
    return entries
