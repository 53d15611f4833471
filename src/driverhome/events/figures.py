"""Event figures for the dashboard and the report: ``(scope_path, start=None, end=None)``.

``scope_path`` is an organisation path ("/" for everything); an event counts for an
organisation when it organised the event or runs the site where it took place.
``start``/``end`` bound the event's start time (``start`` inclusive, ``end`` exclusive).
"""

from __future__ import annotations

from django.db.models import Avg, Count, Q

from .models import CheckIn, Event, Feedback, Kind, Registration


def _events(scope_path: str | None, start=None, end=None):
    events = Event.objects.all()
    if scope_path and scope_path != "/":
        events = events.in_subtree(scope_path)
    if start is not None:
        events = events.filter(starts_at__gte=start)
    if end is not None:
        events = events.filter(starts_at__lt=end)
    return events


def held(scope_path, start=None, end=None, *, kind: str | None = None) -> int:
    events = _events(scope_path, start, end).filter(status=Event.Status.HELD)
    if kind:
        events = events.filter(kind=kind)
    return events.count()


def training_sessions(scope_path, start=None, end=None) -> int:
    """Training sessions held (the report's "125 vocational training sessions")."""
    return held(scope_path, start, end, kind=Kind.TRAINING)


def markets_held(scope_path, start=None, end=None) -> int:
    """Red Collar Markets held."""
    return held(scope_path, start, end, kind=Kind.MARKET)


def attendance(scope_path, start=None, end=None) -> int:
    """Check-ins (driver present) at events in scope and period, walk-ins included."""
    return CheckIn.objects.filter(
        event__in=_events(scope_path, start, end).exclude(status=Event.Status.CANCELLED)
    ).count()


def event_figures(event: Event) -> dict:
    """One event: registered, attended, no-shows, walk-ins, waiting, services, requests, rating."""
    registrations = Registration.objects.filter(event=event).aggregate(
        registered=Count("pk", filter=Q(status__in=["pending", "confirmed"])),
        waiting=Count("pk", filter=Q(status="waitlisted")),
    )
    checkins = CheckIn.objects.filter(event=event).aggregate(
        attended=Count("pk"),
        walk_ins=Count("pk", filter=Q(walk_in=True)),
    )
    registered_present = CheckIn.objects.filter(
        event=event, registration__status__in=["pending", "confirmed"], walk_in=False
    ).count()
    rating = Feedback.objects.filter(event=event).aggregate(avg=Avg("rating"), n=Count("pk"))
    over = event.status == Event.Status.HELD
    return {
        "registered": registrations["registered"],
        "waiting": registrations["waiting"],
        "attended": checkins["attended"],
        "walk_ins": checkins["walk_ins"],
        # Only once the event is over does "registered but not here" mean "did not come".
        "no_shows": max(0, registrations["registered"] - registered_present) if over else None,
        "services_delivered": services_delivered(event),
        "requests_collected": requests_collected(event),
        "rating_average": round(rating["avg"], 1) if rating["avg"] is not None else None,
        "ratings": rating["n"],
    }


def services_delivered(event: Event) -> int:
    from driverhome.services.models import ServiceRecord

    return ServiceRecord.objects.filter(event=event).count()


def requests_collected(event: Event) -> int:
    from driverhome.appeals.models import Appeal

    return Appeal.objects.filter(event=event).count()
