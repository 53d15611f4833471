"""Staff pages: the calendar of one's sites, the event page, check-in, the stall desk, courses."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from driverhome.accounts.access import role_required
from driverhome.accounts.models import Role
from driverhome.accounts.scoping import get_for_user
from driverhome.core.errors import DomainError
from driverhome.core.pagination import paginate

from . import actions, figures, tokens
from .forms import (
    CancelForm,
    EditForm,
    EventForm,
    LookupForm,
    MoveForm,
    RequestForm,
    ScheduleForm,
    ServiceForm,
    StallForm,
)
from .models import CheckIn, Completion, Event, Kind, Participant, Registration

#: who works with events in the console
EVENT_ROLES = (Role.BROKER, Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN)
#: who plans events: create, move, cancel, close, stalls
MANAGE_ROLES = (Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN)

events_staff = role_required(*EVENT_ROLES)
events_manager = role_required(*MANAGE_ROLES)


def _event(request, code: str) -> Event:
    return get_for_user(
        Event.objects.select_related("station", "organiser", "course"), request.user, code=code
    )


def _may_manage(user) -> bool:
    return user.is_superuser or user.role in MANAGE_ROLES


def _month(value: str | None) -> date:
    today = timezone.localdate()
    if value:
        try:
            parsed = datetime.strptime(value, "%Y-%m").date()
            if 2000 <= parsed.year <= 2100:
                return parsed
        except ValueError:
            pass
    return today.replace(day=1)


def _day_start(day: date):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


@events_staff
def event_list(request):
    """The calendar of the user's sites, one month at a time, grouped by day."""
    month = _month(request.GET.get("month"))
    last_day = calendar.monthrange(month.year, month.month)[1]
    start, end = _day_start(month), _day_start(month.replace(day=last_day) + timedelta(days=1))
    events = (
        Event.objects.for_user(request.user)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("station")
        .annotate(
            n_registered=Count(
                "registrations", filter=Q(registrations__status__in=["pending", "confirmed"])
            )
        )
    )
    kind = request.GET.get("kind", "")
    if kind in Kind.values:
        events = events.filter(kind=kind)
    page = paginate(events, order="starts_at", cursor=request.GET.get("cursor"), page_size=200)
    days: dict[date, list] = {}
    for event in page.items:
        days.setdefault(timezone.localtime(event.starts_at).date(), []).append(event)
    previous = (month - timedelta(days=1)).replace(day=1)
    following = month.replace(day=last_day) + timedelta(days=1)
    querystring = f"month={month:%Y-%m}" + (f"&kind={kind}" if kind else "")
    return render(
        request,
        "events/event_list.html",
        {
            "days": sorted(days.items()),
            "page": page,
            "month": month,
            "previous": previous,
            "following": following,
            "kinds": Kind.choices,
            "kind": kind,
            "querystring": querystring,
            "may_manage": _may_manage(request.user),
        },
    )


@events_manager
def event_new(request):
    form = EventForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = actions.create_event(
                actor=request.user,
                kind=data["kind"],
                title=data["title"],
                station=data["station"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                capacity=data["capacity"],
                description=data["description"],
                service_items=list(data["service_items"]),
                course=data["course"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Event created."))
            return redirect("events:event-detail", code=event.code)
    return render(request, "events/event_form.html", {"form": form, "heading": _("New event")})


@events_manager
def schedule_new(request):
    form = ScheduleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _schedule, created = actions.create_schedule(
                actor=request.user,
                title=data["title"],
                kind=data["kind"],
                station=data["station"],
                rule=data["rule"],
                weekday=data["weekday"],
                nths=[int(n) for n in data["nths"]],
                interval=data["interval"] or 1,
                first_date=data["first_date"],
                last_date=data["last_date"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                capacity=data["capacity"],
                description=data["description"],
                skip_holidays=data["skip_holidays"],
                course=data["course"],
                service_items=list(data["service_items"]),
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            from .schedule import skipped_holidays

            skipped = (
                skipped_holidays(
                    data["rule"],
                    first=data["first_date"],
                    last=data["last_date"],
                    weekday=data["weekday"],
                    nths=[int(n) for n in data["nths"]],
                    interval=data["interval"] or 1,
                )
                if data["skip_holidays"]
                else []
            )
            text = _("%(count)s events created.") % {"count": len(created)}
            if skipped:
                text += " " + _("Left out as statutory holidays: %(dates)s.") % {
                    "dates": ", ".join(d.isoformat() for d in skipped)
                }
            messages.success(request, text)
            first = created[0].starts_at if created else None
            url = reverse("events:event-list")
            if first:
                url += f"?month={timezone.localtime(first):%Y-%m}"
            return redirect(url)
    return render(
        request, "events/event_form.html", {"form": form, "heading": _("New repeating schedule")}
    )


def _detail_context(request, event: Event) -> dict:
    registrations = paginate(
        Registration.objects.filter(event=event).select_related("driver"),
        order="queued_at",
        cursor=request.GET.get("cursor"),
        page_size=100,
    )
    present = set(CheckIn.objects.filter(event=event).values_list("driver_id", flat=True))
    walk_ins = list(
        CheckIn.objects.filter(event=event, walk_in=True).select_related("driver").order_by("at")
    )
    return {
        "event": event,
        "figures": figures.event_figures(event),
        "registrations": registrations,
        "present": present,
        "walk_ins": walk_ins,
        "participants": list(event.participants.select_related("organisation")),
        "offered": list(event.service_items.all()),
        "changes": list(event.changes.select_related("actor")),
        "services": _services_here(event),
        "requests": _requests_here(event),
        "may_manage": _may_manage(request.user),
        "lookup_form": LookupForm(),
        "stall_form": StallForm(),
        "check_in_url": tokens.event_check_in_url(event),
    }


def _services_here(event: Event) -> list:
    from driverhome.services.models import ServiceRecord

    return list(
        ServiceRecord.objects.filter(event=event)
        .select_related("item", "driver")
        .order_by("-delivered_at")[:100]
    )


def _requests_here(event: Event) -> list:
    from driverhome.appeals.models import Appeal

    return list(Appeal.objects.filter(event=event).select_related("category").order_by("-pk")[:100])


@events_staff
def event_detail(request, code: str):
    event = _event(request, code)
    return render(request, "events/event_detail.html", _detail_context(request, event))


@events_manager
def event_edit(request, code: str):
    event = _event(request, code)
    form = EditForm(
        request.POST or None,
        initial={
            "title": event.title,
            "capacity": event.capacity,
            "description": event.description,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.update_event(
                event,
                actor=request.user,
                title=data["title"],
                capacity=data["capacity"],
                clear_capacity=data["capacity"] is None,
                description=data["description"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("events:event-detail", code=event.code)
    return render(
        request,
        "events/event_form.html",
        {"form": form, "heading": _("Edit event"), "event": event},
    )


@events_manager
def event_move(request, code: str):
    event = _event(request, code)
    form = MoveForm(
        request.POST or None,
        initial={
            "starts_at": timezone.localtime(event.starts_at),
            "ends_at": timezone.localtime(event.ends_at),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.move_event(
                event,
                actor=request.user,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reason=data["reason"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Moved. The registered drivers are told."))
            return redirect("events:event-detail", code=event.code)
    return render(
        request,
        "events/event_form.html",
        {"form": form, "heading": _("Move this occurrence"), "event": event},
    )


@events_manager
def event_cancel(request, code: str):
    event = _event(request, code)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.cancel_event(event, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Cancelled. The registered drivers are told."))
            return redirect("events:event-detail", code=event.code)
    return render(
        request,
        "events/event_form.html",
        {"form": form, "heading": _("Cancel this occurrence"), "event": event, "danger": True},
    )


@events_manager
@require_POST
def event_close(request, code: str):
    event = _event(request, code)
    try:
        actions.close_event(event, actor=request.user)
        messages.success(request, _("Closed as held."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("events:event-detail", code=event.code)


def _lookup_driver(request, text: str):
    """A driver from a QR code (any driver: the signature proves he showed it), or the shared
    picker (drivers/picker.py: his file chosen in the list, or a name, plate or number; scoped).

    Returns (driver, error, picked): ``picked`` lists the files to choose from when the text
    names several."""
    from driverhome.drivers import picker
    from driverhome.drivers.models import Driver

    text = (text or "").strip()
    chosen = request.POST.get("q_pick", "")
    if not text and not chosen:
        return None, "", None
    if tokens.looks_like_driver_token(text):
        public_id = tokens.driver_public_id(text)
        if public_id is None:
            return None, _("This QR code is not valid."), None
        driver = Driver.objects.filter(public_id=public_id, anonymised_at__isnull=True).first()
        return driver, "" if driver else _("No driver has this QR code."), None
    picked = picker.resolve(request.user, text, picked=chosen)
    return picked.driver, picked.message, picked


def _registrations_partial(request, event, **extra):
    context = _detail_context(request, event)
    context.update(extra)
    return render(request, "events/_registrations_update.html", context)


@events_staff
@require_POST
def event_register(request, code: str):
    event = _event(request, code)
    form = LookupForm(request.POST)
    error = ""
    picked = None
    if form.is_valid() or request.POST.get("q_pick"):
        driver, error, picked = _lookup_driver(request, form.data.get("q", ""))
        if driver is not None:
            try:
                registration = actions.register(
                    event, driver, actor=request.user, channel=Registration.Channel.STAFF
                )
                messages.success(
                    request,
                    _("%(driver)s: %(status)s.")
                    % {"driver": driver.name, "status": registration.get_status_display()},
                )
                picked = None
            except DomainError as exc:
                error = str(exc)
    else:
        error = _("Type a name, plate, mobile number or QR code.")
    if request.htmx:
        return _registrations_partial(request, event, register_error=error, picked=picked)
    if error:
        messages.error(request, error)
    return redirect("events:event-detail", code=event.code)


@events_staff
@require_POST
def registration_cancel(request, code: str, registration: str):
    event = _event(request, code)
    try:
        item = Registration.objects.get(event=event, public_id=registration)
    except (Registration.DoesNotExist, ValueError, DomainError):
        raise Http404 from None
    actions.cancel_registration(item, actor=request.user, reason=request.POST.get("reason", ""))
    if request.htmx:
        return _registrations_partial(request, event)
    messages.success(request, _("Registration cancelled."))
    return redirect("events:event-detail", code=event.code)


@events_staff
def event_check_in(request, code: str):
    """The door: scan (or type) the driver's code, or his mobile number or plate."""
    event = _event(request, code)
    form = LookupForm(request.POST or None)
    result = None
    if request.method == "POST":
        if form.is_valid() or request.POST.get("q_pick"):
            driver, error, picked = _lookup_driver(request, form.data.get("q", ""))
            if driver is None:
                result = {"ok": False, "message": error, "picked": picked}
            else:
                method = (
                    CheckIn.Method.DRIVER_QR
                    if tokens.looks_like_driver_token(form.data.get("q", ""))
                    else CheckIn.Method.LOOKUP
                )
                try:
                    row, created = actions.check_in(
                        event, driver, actor=request.user, method=method
                    )
                except DomainError as exc:
                    result = {"ok": False, "message": str(exc)}
                else:
                    result = {"ok": True, "created": created, "check_in": row, "driver": driver}
            form = LookupForm()
        else:
            result = {"ok": False, "message": _("Type a name, plate, mobile number or QR code.")}
    recent = list(
        CheckIn.objects.filter(event=event).select_related("driver").order_by("-at", "-pk")[:10]
    )
    context = {
        "event": event,
        "form": form,
        "result": result,
        "recent": recent,
        "figures": figures.event_figures(event),
    }
    if request.htmx:
        return render(request, "events/_check_in_result.html", context)
    return render(request, "events/check_in.html", context)


@events_staff
def event_qr(request, code: str):
    """A printable poster with the event's QR code: drivers scan it to check themselves in."""
    event = _event(request, code)
    return render(
        request,
        "events/event_qr.html",
        {"event": event, "check_in_url": tokens.event_check_in_url(event)},
    )


@events_staff
def event_qr_image(request, code: str):
    event = _event(request, code)
    response = HttpResponse(
        tokens.qr_svg(tokens.event_check_in_url(event)), content_type="image/svg+xml"
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _present_driver(event: Event, public_id):
    """A driver registered for or checked in at the event (the desk serves only them)."""
    from driverhome.drivers.models import Driver

    try:
        return (
            Driver.objects.filter(
                Q(event_registrations__event=event) | Q(pk__in=event.check_ins.values("driver_id")),
                public_id=public_id,
            )
            .distinct()
            .get()
        )
    except (Driver.DoesNotExist, ValueError):
        raise Http404 from None


def _desk_context(request, event, driver, **extra) -> dict:
    from driverhome.appeals.models import Appeal
    from driverhome.services.models import ServiceRecord

    context = {
        "event": event,
        "driver": driver,
        "service_form": ServiceForm(event=event),
        "request_form": RequestForm(),
        "received": list(
            ServiceRecord.objects.filter(event=event, driver=driver).select_related("item")
        ),
        "filed": list(Appeal.objects.filter(event=event, driver=driver).select_related("category")),
        "present": CheckIn.objects.filter(event=event, driver=driver).exists(),
    }
    context.update(extra)
    return context


@events_staff
def event_desk(request, code: str, driver: str):
    """The stall desk for one driver: services he received here and his difficulties, as a partial."""
    event = _event(request, code)
    person = _present_driver(event, driver)
    template = "events/_desk.html" if request.htmx else "events/desk.html"
    return render(request, template, _desk_context(request, event, person))


@events_staff
@require_POST
def event_service(request, code: str, driver: str):
    event = _event(request, code)
    person = _present_driver(event, driver)
    form = ServiceForm(request.POST, event=event)
    extra = {}
    if form.is_valid():
        try:
            actions.record_service_at_event(
                event,
                person,
                form.cleaned_data["item"],
                actor=request.user,
                notes=form.cleaned_data["notes"],
            )
            extra["desk_message"] = _("Service recorded.")
        except DomainError as exc:
            extra["service_form"] = form
            extra["desk_error"] = str(exc)
    else:
        extra["service_form"] = form
    context = _desk_context(request, event, person)
    context.update(extra)
    if request.htmx:
        return render(request, "events/_desk.html", context)
    if "desk_message" in extra:
        messages.success(request, extra["desk_message"])
    return render(request, "events/desk.html", context)


@events_staff
@require_POST
def event_request(request, code: str, driver: str):
    event = _event(request, code)
    person = _present_driver(event, driver)
    form = RequestForm(request.POST)
    extra = {}
    if form.is_valid():
        try:
            appeal = actions.file_request_at_event(
                event,
                person,
                actor=request.user,
                category=form.cleaned_data["category"],
                description=form.cleaned_data["description"],
            )
            extra["desk_message"] = _("Request %(number)s filed.") % {
                "number": getattr(appeal, "tracking_no", "")
            }
        except DomainError as exc:
            extra["request_form"] = form
            extra["desk_error"] = str(exc)
    else:
        extra["request_form"] = form
    context = _desk_context(request, event, person)
    context.update(extra)
    if request.htmx:
        return render(request, "events/_desk.html", context)
    if "desk_message" in extra:
        messages.success(request, extra["desk_message"])
    return render(request, "events/desk.html", context)


@events_manager
@require_POST
def event_stall(request, code: str):
    event = _event(request, code)
    form = StallForm(request.POST)
    if form.is_valid():
        actions.add_participant(
            event,
            actor=request.user,
            organisation=form.cleaned_data["organisation"],
            stall=form.cleaned_data["stall"],
            offers=form.cleaned_data["offers"],
        )
        messages.success(request, _("Stall saved."))
    else:
        messages.error(request, _("Choose an organisation."))
    return redirect(reverse("events:event-detail", args=[event.code]) + "#stalls")


@events_manager
@require_POST
def stall_remove(request, code: str, organisation: str):
    event = _event(request, code)
    try:
        participant = Participant.objects.get(event=event, organisation__code=organisation)
    except Participant.DoesNotExist:
        raise Http404 from None
    actions.remove_participant(participant, actor=request.user)
    messages.success(request, _("Stall removed."))
    return redirect(reverse("events:event-detail", args=[event.code]) + "#stalls")


# --- Training courses ---------------------------------------------------------------------------


@events_staff
def course_list(request):
    from driverhome.services.models import TrainingCourse

    courses = TrainingCourse.objects.for_user(request.user).annotate(
        n_sessions=Count("sessions", filter=Q(sessions__status="held")),
        n_completed=Count("completions", distinct=True),
    )
    page = paginate(courses, order="code", cursor=request.GET.get("cursor"))
    return render(request, "events/course_list.html", {"page": page})


@events_staff
def course_detail(request, code: str):
    """Sessions of a course, who attended which, and completion."""
    from driverhome.drivers.models import Driver
    from driverhome.services.models import TrainingCourse

    course = get_for_user(TrainingCourse.objects.all(), request.user, code=code)
    sessions = list(
        Event.objects.filter(course=course)
        .exclude(status=Event.Status.CANCELLED)
        .select_related("station")
        .annotate(n_present=Count("check_ins"))
        .order_by("starts_at")[:200]
    )
    attendance = (
        CheckIn.objects.filter(event__course=course, event__status__in=["scheduled", "held"])
        .values("driver_id")
        .annotate(n=Count("pk"))
    )
    counts = {row["driver_id"]: row["n"] for row in attendance}
    attendees = paginate(
        Driver.objects.filter(pk__in=list(counts)),
        order="name",
        cursor=request.GET.get("cursor"),
        page_size=100,
    )
    completions = {
        c.driver_id: c for c in Completion.objects.filter(course=course, driver__in=attendees.items)
    }
    rows = [
        {"driver": d, "sessions": counts.get(d.pk, 0), "completion": completions.get(d.pk)}
        for d in attendees.items
    ]
    return render(
        request,
        "events/course_detail.html",
        {"course": course, "sessions": sessions, "rows": rows, "page": attendees},
    )


@events_staff
@require_POST
def course_complete(request, code: str):
    from driverhome.drivers.models import Driver
    from driverhome.services.models import TrainingCourse

    course = get_for_user(TrainingCourse.objects.all(), request.user, code=code)
    try:
        driver = Driver.objects.get(public_id=request.POST.get("driver", ""))
    except (Driver.DoesNotExist, ValueError, DomainError):
        raise Http404 from None
    try:
        completion = actions.complete_course(course, driver, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("events:course-detail", code=course.code)
    messages.success(
        request, _("Certificate %(number)s issued.") % {"number": completion.certificate_no}
    )
    return redirect("events:certificate", number=completion.certificate_no)


@events_staff
def certificate(request, number: str):
    completion = get_for_user(
        Completion.objects.select_related("course", "course__organisation", "driver"),
        request.user,
        certificate_no=number,
    )
    return render(request, "events/certificate.html", {"completion": completion})
