"""Entries for the driver's timeline: registrations, attendance, certificates."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .models import CheckIn, Completion, Event, Registration


def entries_for_driver(driver, user) -> list[dict]:
    staff = user.is_authenticated and user.is_platform_staff
    visible = Event.objects.for_user(user) if staff else None

    def url(event):
        if staff:
            return reverse("events:event-detail", args=[event.code])
        return reverse("events_driver:event-detail", args=[event.code])

    entries = []
    registrations = Registration.objects.filter(driver=driver).select_related("event")
    checkins = CheckIn.objects.filter(driver=driver).select_related("event")
    if visible is not None:
        registrations = registrations.filter(event__in=visible)
        checkins = checkins.filter(event__in=visible)
    for r in registrations.order_by("-created_at")[:100]:
        entries.append(
            {
                "at": r.created_at,
                "kind": "event.registration",
                "title": _("Signed up: %(event)s") % {"event": r.event.title},
                "detail": r.get_status_display(),
                "url": url(r.event),
            }
        )
    for c in checkins.order_by("-at")[:100]:
        entries.append(
            {
                "at": c.at,
                "kind": "event.attended",
                "title": _("Attended: %(event)s") % {"event": c.event.title},
                "detail": pgettext("attendee", "Walk-in") if c.walk_in else c.get_method_display(),
                "url": url(c.event),
            }
        )
    completions = Completion.objects.filter(driver=driver).select_related("course")
    if staff:
        completions = completions.filter(pk__in=Completion.objects.for_user(user).values("pk"))
    for cert in completions[:50]:
        entries.append(
            {
                "at": cert.completed_at,
                "kind": "event.certificate",
                "title": _("Completed course: %(course)s") % {"course": cert.course.name},
                "detail": cert.certificate_no,
                "url": reverse("events:certificate", args=[cert.certificate_no])
                if staff
                else reverse("events_driver:certificate", args=[cert.certificate_no]),
            }
        )
    return entries
