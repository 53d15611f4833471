"""Entries for the driver's timeline: services received, programmes, career changes."""

from __future__ import annotations

from datetime import datetime, time

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from driverhome.accounts.models import Role

from .models import CareEnrolment, CareerChange, ServiceRecord, WorkshopMember


def _at(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


def entries_for_driver(driver, user) -> list[dict]:
    if getattr(user, "role", "") == Role.DRIVER:
        # A driver reading his own timeline goes to his own services page.
        mine = reverse("services_driver:my-services")
        return [{**e, "url": mine} for e in _entries(driver)]
    return _entries(driver)


def _entries(driver) -> list[dict]:
    journey_url = reverse("services:journey", kwargs={"public_id": driver.public_id})
    entries = []
    for r in (
        ServiceRecord.objects.filter(driver=driver)
        .select_related("item", "family_member")
        .order_by("-delivered_at")[:200]
    ):
        detail = r.get_outcome_display()
        if r.family_member_id:
            detail = f"{r.family_member.name} · {detail}"
        entries.append(
            {
                "at": r.delivered_at,
                "kind": "service",
                "title": r.item.label,
                "detail": detail,
                "url": journey_url,
            }
        )
    for e in CareEnrolment.objects.filter(driver=driver).select_related("term", "child"):
        entries.append(
            {
                "at": e.applied_at,
                "kind": "care",
                "title": _("After-school care: %(child)s") % {"child": e.child.name},
                "detail": f"{e.term} · {e.get_status_display()}",
                "url": reverse("services:care-term", kwargs={"code": e.term.code}),
            }
        )
    for m in WorkshopMember.objects.filter(driver=driver).select_related("spouse", "workshop"):
        entries.append(
            {
                "at": _at(m.joined_on),
                "kind": "workshop",
                "title": _("%(name)s joined the workshop") % {"name": m.spouse.name},
                "detail": f"{m.workshop} · {m.get_mode_display()}",
                "url": reverse("services:workshop"),
            }
        )
    for c in CareerChange.objects.filter(driver=driver):
        entries.append(
            {
                "at": _at(c.changed_on),
                "kind": "career_change",
                "title": _("Career change: %(from)s → %(to)s")
                % {"from": c.from_job, "to": c.to_job},
                "detail": c.get_help_display(),
                "url": reverse("services:training"),
            }
        )
    return entries
