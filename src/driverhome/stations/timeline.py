"""Check-ins for the driver's timeline (collected by drivers/timeline.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import CheckIn, Facility

LIMIT = 100


def entries_for_driver(driver, user) -> list[dict]:
    checkins = list(
        CheckIn.objects.filter(driver=driver).select_related("station").order_by("-at")[:LIMIT]
    )
    if not checkins:
        return []
    codes = {code for c in checkins for code in c.services_used}
    names = dict(Facility.objects.filter(code__in=codes).values_list("code", "name"))
    staff = bool(user and user.is_authenticated and user.is_platform_staff)
    entries = []
    for c in checkins:
        used = "、".join(names.get(code, code) for code in c.services_used)
        url = (
            reverse("stations:checkin-list", kwargs={"code": c.station.code})
            + f"?day={c.day:%Y-%m-%d}"
            if staff
            else reverse("stations_driver:station-detail", kwargs={"code": c.station.code})
        )
        entries.append(
            {
                "at": c.at,
                "kind": "check_in",
                "title": _("Visit at %(site)s") % {"site": c.station.name},
                "detail": (_("Used: %(services)s") % {"services": used}) if used else "",
                "url": url,
            }
        )
    return entries
