"""Driver pages: upcoming events near him, sign up in one tap, my registrations, my QR code."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from driverhome.accounts.access import driver_required
from driverhome.accounts.scoping import get_for_user
from driverhome.core.errors import DomainError
from driverhome.core.pagination import paginate

from . import actions, tokens
from .forms import RatingForm
from .models import ACTIVE_REGISTRATION, CheckIn, Completion, Event, Feedback, Registration


def _my_file(request):
    from driverhome.drivers.access import driver_for_user

    return driver_for_user(request.user)


def _no_file(request):
    return render(request, "events/driver/no_file.html", status=200)


def _coords(request) -> tuple[float, float] | None:
    try:
        lat, lon = float(request.GET["lat"]), float(request.GET["lon"])
    except (KeyError, ValueError):
        return None
    if -90 <= lat <= 90 and -180 <= lon <= 180:
        return lat, lon
    return None


def _distance_km(a, b) -> float:
    from math import asin, cos, radians, sin, sqrt

    lat1, lon1, lat2, lon2 = map(radians, (a[0], a[1], b[0], b[1]))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * asin(sqrt(h))


@driver_required
def event_list(request):
    """Upcoming events; with the phone's position (lat/lon) the nearest sites come first."""
    driver = _my_file(request)
    events = (
        Event.objects.for_user(request.user)
        .filter(status=Event.Status.SCHEDULED, ends_at__gte=timezone.now())
        .select_related("station")
    )
    page = paginate(events, order="starts_at", cursor=request.GET.get("cursor"), page_size=30)
    mine = {}
    if driver is not None:
        mine = {
            r.event_id: r
            for r in Registration.objects.filter(
                driver=driver, event__in=page.items, status__in=ACTIVE_REGISTRATION
            )
        }
    here = _coords(request)
    rows = []
    for event in page.items:
        distance = None
        station = event.station
        if here and station.lat is not None and station.lon is not None:
            distance = _distance_km(here, (station.lat, station.lon))
        rows.append({"event": event, "registration": mine.get(event.pk), "distance": distance})
    if here:
        rows.sort(key=lambda r: (round(r["distance"] or 1e9), r["event"].starts_at))
    return render(
        request,
        "events/driver/event_list.html",
        {"rows": rows, "page": page, "has_file": driver is not None, "located": bool(here)},
    )


def _event_for_driver(request, code: str) -> Event:
    """An event the driver may open: published ones, and any he is or was registered for."""
    event = Event.objects.select_related("station").filter(code=code).first()
    if event is None:
        raise Http404
    if event.status == Event.Status.CANCELLED:
        driver = _my_file(request)
        if driver is None or not Registration.objects.filter(event=event, driver=driver).exists():
            raise Http404
    return event


@driver_required
def event_detail(request, code: str):
    event = _event_for_driver(request, code)
    driver = _my_file(request)
    registration = None
    checked_in = False
    feedback = None
    position = None
    if driver is not None:
        registration = (
            Registration.objects.filter(event=event, driver=driver).order_by("-pk").first()
        )
        checked_in = CheckIn.objects.filter(event=event, driver=driver).exists()
        feedback = Feedback.objects.filter(event=event, driver=driver).first()
        if registration is not None:
            position = actions.waitlist_position(registration)
    form = RatingForm(
        initial={"rating": feedback.rating, "comment": feedback.comment} if feedback else None
    )
    return render(
        request,
        "events/driver/event_detail.html",
        {
            "event": event,
            "driver": driver,
            "registration": registration,
            "position": position,
            "checked_in": checked_in,
            "feedback": feedback,
            "form": form,
            "participants": list(event.participants.select_related("organisation")),
            "offered": list(event.service_items.all()),
        },
    )


@driver_required
@require_POST
def event_register(request, code: str):
    event = _event_for_driver(request, code)
    driver = _my_file(request)
    if driver is None:
        return _no_file(request)
    try:
        registration = actions.register(event, driver, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        if registration.status == Registration.Status.WAITLISTED:
            messages.info(request, _("The event is full: you are on the waiting list."))
        else:
            messages.success(request, _("You are signed up."))
    return redirect("events_driver:event-detail", code=event.code)


def _my_registration(request, event):
    driver = _my_file(request)
    if driver is None:
        raise Http404
    registration = (
        Registration.objects.filter(event=event, driver=driver, status__in=ACTIVE_REGISTRATION)
        .select_related("event")
        .first()
    )
    if registration is None:
        raise Http404
    return registration


@driver_required
@require_POST
def registration_confirm(request, code: str):
    event = _event_for_driver(request, code)
    registration = _my_registration(request, event)
    try:
        actions.confirm_registration(registration, actor=request.user)
        messages.success(request, _("Confirmed. See you there."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("events_driver:event-detail", code=event.code)


@driver_required
@require_POST
def registration_cancel(request, code: str):
    event = _event_for_driver(request, code)
    registration = _my_registration(request, event)
    actions.cancel_registration(registration, actor=request.user, reason="cancelled by the driver")
    messages.success(request, _("Your registration is cancelled."))
    return redirect("events_driver:event-detail", code=event.code)


@driver_required
@require_POST
def event_rate(request, code: str):
    event = _event_for_driver(request, code)
    driver = _my_file(request)
    if driver is None:
        return _no_file(request)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a rating from 1 to 5."))
    else:
        try:
            actions.rate_event(
                event,
                driver,
                actor=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
            messages.success(request, _("Thank you for your rating."))
        except DomainError as exc:
            messages.error(request, str(exc))
    return redirect("events_driver:event-detail", code=event.code)


@driver_required
def event_self_check_in(request, code: str, token: str):
    """Where the event's QR code leads: the driver checks himself in with one tap."""
    event = _event_for_driver(request, code)
    if not tokens.event_token_valid(event, token):
        raise Http404
    driver = _my_file(request)
    if driver is None:
        return _no_file(request)
    if request.method == "POST":
        try:
            _row, created = actions.check_in(
                event, driver, actor=request.user, method=CheckIn.Method.EVENT_QR
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("You are checked in. Welcome!") if created else _("You were already checked in."),
            )
            return redirect("events_driver:event-detail", code=event.code)
    refusal = actions.check_in_refusal(event)
    return render(
        request,
        "events/driver/self_check_in.html",
        {"event": event, "token": token, "refusal": str(refusal) if refusal else ""},
    )


@driver_required
def my_registrations(request):
    driver = _my_file(request)
    if driver is None:
        return _no_file(request)
    registrations = paginate(
        Registration.objects.for_user(request.user)
        .filter(driver=driver)
        .select_related("event", "event__station"),
        order="-event__starts_at",
        cursor=request.GET.get("cursor"),
        page_size=30,
    )
    present = set(
        CheckIn.objects.filter(
            driver=driver, event__in=[r.event_id for r in registrations.items]
        ).values_list("event_id", flat=True)
    )
    certificates = list(
        Completion.objects.for_user(request.user)
        .filter(driver=driver)
        .select_related("course")[:50]
    )
    return render(
        request,
        "events/driver/my_registrations.html",
        {"page": registrations, "present": present, "certificates": certificates},
    )


@driver_required
@never_cache
def my_qr(request):
    driver = _my_file(request)
    if driver is None:
        return _no_file(request)
    return render(
        request,
        "events/driver/my_qr.html",
        {"driver": driver, "token": tokens.driver_token(driver)},
    )


@driver_required
def my_qr_image(request):
    driver = _my_file(request)
    if driver is None:
        raise Http404
    response = HttpResponse(
        tokens.qr_svg(tokens.driver_token(driver)), content_type="image/svg+xml"
    )
    # Private: the code identifies the driver. Cached on the phone so it shows without signal.
    response["Cache-Control"] = "private, max-age=86400"
    return response


@driver_required
def certificate(request, number: str):
    completion = get_for_user(
        Completion.objects.select_related("course", "course__organisation", "driver"),
        request.user,
        certificate_no=number,
    )
    return render(request, "events/driver/certificate.html", {"completion": completion})
