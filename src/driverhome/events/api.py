"""API under ``/api/v1/events``: events, registrations, check-in, figures, feedback, the stall desk.

Staff see the events of their subtree (organised there or held at its sites); drivers
see published events and act only for themselves. Objects outside the scope answer 404.
"""

from __future__ import annotations

from datetime import date, datetime, time
from uuid import UUID

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from driverhome.accounts.access import require_roles
from driverhome.accounts.models import Role
from driverhome.accounts.scoping import get_for_user
from driverhome.core.dates import Day, Moment
from driverhome.core.errors import DomainError
from driverhome.core.pagination import paginate
from driverhome.core.validation import Rule, WriteSchema

from . import actions, figures, tokens
from .models import (
    ACTIVE_REGISTRATION,
    CheckIn,
    Event,
    EventChange,
    Kind,
    Registration,
    Schedule,
)
from .views import EVENT_ROLES, MANAGE_ROLES

router = Router()


class EventOut(Schema):
    code: str
    kind: str
    title: str
    station: str
    station_name: str
    organiser: str
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    status: str
    description: str
    service_items: list[str]
    course: str | None
    schedule: str | None


class EventPage(Schema):
    items: list[EventOut]
    next_cursor: str | None


class EventFilter(Schema):
    kind: str = ""
    station: str = ""
    start: Moment | None = Field(None, alias="from")
    end: Moment | None = Field(None, alias="to")
    cursor: str | None = None


class EventIn(WriteSchema):
    rules_model = Event

    kind: str
    title: str
    station: str
    starts_at: Moment
    ends_at: Moment
    capacity: int | None = None
    description: str = ""
    service_items: list[str] = []
    course: str | None = None


class ScheduleIn(WriteSchema):
    rules_model = Schedule

    kind: str
    title: str
    station: str
    rule: str
    weekday: int
    nths: list[int] = []
    interval: int = 1
    first_date: Day
    last_date: Day
    start_time: time
    end_time: time
    capacity: int | None = None
    description: str = ""
    skip_holidays: bool = True
    course: str | None = None


class ScheduleOut(Schema):
    code: str
    created: list[EventOut]
    skipped_holidays: list[date]


class MoveIn(WriteSchema):
    rules_model = EventChange

    starts_at: Moment
    ends_at: Moment
    reason: str = ""


class ReasonIn(WriteSchema):
    rules_model = EventChange

    reason: str = ""


class RegisterIn(WriteSchema):
    #: staff only: the driver's mobile number, plate, QR code or public id
    driver: str | None = None


class RegistrationOut(Schema):
    id: UUID
    event: str
    driver: UUID
    driver_name: str
    status: str
    channel: str
    queued_at: datetime
    confirm_by: datetime | None
    waitlist_position: int | None


class RegistrationPage(Schema):
    items: list[RegistrationOut]
    next_cursor: str | None


class CheckInIn(WriteSchema):
    #: the driver's QR code, mobile number, plate or public id (staff); drivers send the event's token
    code: str = ""
    token: str = ""


class CheckInOut(Schema):
    driver: UUID
    driver_name: str
    at: datetime
    walk_in: bool
    method: str
    created: bool


class FiguresOut(Schema):
    registered: int
    waiting: int
    attended: int
    walk_ins: int
    no_shows: int | None
    services_delivered: int
    requests_collected: int
    rating_average: float | None
    ratings: int


class FeedbackIn(WriteSchema):
    # The limit of the feedback form (events/forms.py).
    rules_map = {"comment": Rule(max_length=2000)}

    rating: int
    comment: str = ""


class FeedbackOut(Schema):
    rating: int
    comment: str
    at: datetime


class ServiceIn(WriteSchema):
    # The limit of the event desk's form (events/forms.py), tighter than the record's own.
    rules_map = {"notes": Rule(max_length=500)}

    driver: UUID
    item: str
    notes: str = ""


class ServiceOut(Schema):
    id: UUID
    item: str
    delivered_at: datetime


class RequestIn(WriteSchema):
    # Filed as a request: the request's own description rule (appeals is optional here).
    rules_map = {"description": ("appeals.Appeal", "description")}

    driver: UUID
    category: str
    description: str


class RequestOut(Schema):
    tracking_no: str


def _event_out(event: Event) -> dict:
    return {
        "code": event.code,
        "kind": event.kind,
        "title": event.title,
        "station": event.station.code,
        "station_name": event.station.name,
        "organiser": event.organiser.code,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "capacity": event.capacity,
        "status": event.status,
        "description": event.description,
        "service_items": [item.code for item in event.service_items.all()],
        "course": event.course.code if event.course_id else None,
        "schedule": event.schedule.code if event.schedule_id else None,
    }


def _registration_out(registration: Registration, positions: dict | None = None) -> dict:
    return {
        "id": registration.public_id,
        "event": registration.event.code,
        "driver": registration.driver.public_id,
        "driver_name": registration.driver.name,
        "status": registration.status,
        "channel": registration.channel,
        "queued_at": registration.queued_at,
        "confirm_by": registration.confirm_by,
        "waitlist_position": (
            positions.get(registration.pk)
            if positions is not None
            else actions.waitlist_position(registration)
        ),
    }


def _events():
    return Event.objects.select_related(
        "station", "organiser", "course", "schedule"
    ).prefetch_related("service_items")


def _event(request, code: str) -> Event:
    return get_for_user(_events(), request.user, code=code)


def _staff_event(request, code: str, roles=EVENT_ROLES) -> Event:
    require_roles(request, *roles)
    return _event(request, code)


def _my_driver(request):
    from driverhome.drivers.access import driver_for_user

    driver = driver_for_user(request.user)
    if driver is None:
        raise DomainError(_("Your driver file is not set up yet."), code="no_driver_file")
    return driver


def _station(request, code: str):
    from driverhome.stations.models import Station

    return get_for_user(Station.objects.all(), request.user, code=code)


def _course(request, code: str | None):
    if not code:
        return None
    from driverhome.services.models import TrainingCourse

    return get_for_user(TrainingCourse.objects.all(), request.user, code=code)


def _service_items(codes: list[str]):
    from driverhome.services.models import ServiceItem

    items = list(ServiceItem.objects.filter(code__in=codes))
    if len(items) != len(set(codes)):
        raise DomainError(_("Unknown service item."), code="bad_item")
    return items


def _find_driver(request, text: str):
    from driverhome.drivers.models import Driver

    text = (text or "").strip()
    if tokens.looks_like_driver_token(text):
        public_id = tokens.driver_public_id(text)
        if public_id is None:
            raise DomainError(_("This QR code is not valid."), code="bad_code")
        driver = Driver.objects.filter(public_id=public_id, anonymised_at__isnull=True).first()
    else:
        driver = None
        try:
            driver = Driver.objects.for_user(request.user).filter(public_id=UUID(text)).first()
        except ValueError:
            from driverhome.drivers.lookup import driver_by_phone_or_plate

            driver = driver_by_phone_or_plate(request.user, text)
    if driver is None:
        raise Http404
    return driver


# --- Events -------------------------------------------------------------------------------------


@router.get(
    "",
    response=EventPage,
    summary="Events: staff see their sites' calendar, drivers upcoming events",
)
def list_events(request, filters: Query[EventFilter]):
    kind, station, start, end = filters.kind, filters.station, filters.start, filters.end
    events = _events().for_user(request.user)
    if request.user.role == Role.DRIVER:
        events = events.filter(status=Event.Status.SCHEDULED, ends_at__gte=timezone.now())
    if kind:
        if kind not in Kind.values:
            raise DomainError(_("Unknown kind of event."), code="bad_kind")
        events = events.filter(kind=kind)
    if station:
        events = events.filter(station__code=station)
    if start:
        events = events.filter(starts_at__gte=start)
    if end:
        events = events.filter(starts_at__lt=end)
    page = paginate(events, order="starts_at", cursor=filters.cursor)
    return {"items": [_event_out(e) for e in page], "next_cursor": page.next_cursor}


@router.post("", response={201: EventOut}, summary="Create an event")
def create_event(request, payload: EventIn):
    require_roles(request, *MANAGE_ROLES)
    event = actions.create_event(
        actor=request.user,
        kind=payload.kind,
        title=payload.title,
        station=_station(request, payload.station),
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        capacity=payload.capacity,
        description=payload.description,
        service_items=_service_items(payload.service_items),
        course=_course(request, payload.course),
    )
    return Status(201, _event_out(_events().get(pk=event.pk)))


@router.post("/schedules", response={201: ScheduleOut}, summary="Create a repeating schedule")
def create_schedule(request, payload: ScheduleIn):
    require_roles(request, *MANAGE_ROLES)
    from .schedule import skipped_holidays

    schedule, created = actions.create_schedule(
        actor=request.user,
        title=payload.title,
        kind=payload.kind,
        station=_station(request, payload.station),
        rule=payload.rule,
        weekday=payload.weekday,
        nths=payload.nths,
        interval=payload.interval,
        first_date=payload.first_date,
        last_date=payload.last_date,
        start_time=payload.start_time,
        end_time=payload.end_time,
        capacity=payload.capacity,
        description=payload.description,
        skip_holidays=payload.skip_holidays,
        course=_course(request, payload.course),
    )
    skipped = (
        skipped_holidays(
            schedule.rule,
            first=schedule.first_date,
            last=schedule.last_date,
            weekday=schedule.weekday,
            nths=schedule.nths,
            interval=schedule.interval,
        )
        if schedule.skip_holidays
        else []
    )
    events = _events().filter(pk__in=[e.pk for e in created]).order_by("starts_at")
    return Status(
        201,
        {
            "code": schedule.code,
            "created": [_event_out(e) for e in events],
            "skipped_holidays": skipped,
        },
    )


@router.get("/registrations/mine", response=RegistrationPage, summary="My registrations (drivers)")
def my_registrations(request, cursor: str | None = None):
    require_roles(request, Role.DRIVER)
    from driverhome.drivers.access import driver_for_user

    driver = driver_for_user(request.user)
    if driver is None:
        return {"items": [], "next_cursor": None}
    page = paginate(
        Registration.objects.for_user(request.user)
        .filter(driver=driver)
        .select_related("event", "driver"),
        order="-created_at",
        cursor=cursor,
    )
    return {"items": [_registration_out(r) for r in page], "next_cursor": page.next_cursor}


@router.get("/{code}", response=EventOut, summary="One event")
def get_event(request, code: str):
    return _event_out(_event(request, code))


@router.post("/{code}/move", response=EventOut, summary="Move one occurrence (drivers are told)")
def move_event(request, code: str, payload: MoveIn):
    event = _staff_event(request, code, MANAGE_ROLES)
    actions.move_event(
        event,
        actor=request.user,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
    )
    return _event_out(_events().get(pk=event.pk))


@router.post(
    "/{code}/cancel", response=EventOut, summary="Cancel one occurrence (drivers are told)"
)
def cancel_event(request, code: str, payload: ReasonIn):
    event = _staff_event(request, code, MANAGE_ROLES)
    actions.cancel_event(event, actor=request.user, reason=payload.reason)
    return _event_out(_events().get(pk=event.pk))


@router.post("/{code}/close", response=EventOut, summary="Close an event as held")
def close_event(request, code: str):
    event = _staff_event(request, code, MANAGE_ROLES)
    actions.close_event(event, actor=request.user)
    return _event_out(_events().get(pk=event.pk))


@router.get(
    "/{code}/figures",
    response=FiguresOut,
    summary="Registered, attended, no-shows, walk-ins, services, requests",
)
def event_figures(request, code: str):
    event = _staff_event(request, code)
    return figures.event_figures(event)


# --- Registration -------------------------------------------------------------------------------


@router.get(
    "/{code}/registrations", response=RegistrationPage, summary="Registrations of an event (staff)"
)
def list_registrations(request, code: str, status: str = "", cursor: str | None = None):
    event = _staff_event(request, code)
    registrations = Registration.objects.filter(event=event).select_related("event", "driver")
    if status:
        registrations = registrations.filter(status=status)
    page = paginate(registrations, order="queued_at", cursor=cursor)
    waiting = Registration.objects.filter(event=event, status=Registration.Status.WAITLISTED)
    positions = {
        pk: n
        for n, pk in enumerate(waiting.order_by("queued_at", "pk").values_list("pk", flat=True), 1)
    }
    return {
        "items": [_registration_out(r, positions) for r in page],
        "next_cursor": page.next_cursor,
    }


@router.post(
    "/{code}/registrations",
    response={201: RegistrationOut, 200: RegistrationOut},
    summary="Sign up (a driver for himself; staff for a driver by mobile number, plate or QR code)",
)
def register(request, code: str, payload: RegisterIn):
    event = _event(request, code)
    if request.user.role == Role.DRIVER:
        driver = _my_driver(request)
        existed = Registration.objects.filter(
            event=event, driver=driver, status__in=ACTIVE_REGISTRATION
        ).exists()
        registration = actions.register(
            event, driver, actor=request.user, channel=Registration.Channel.SELF
        )
    else:
        require_roles(request, *EVENT_ROLES)
        if not payload.driver:
            raise DomainError(
                "Name the driver: mobile number, plate or QR code.", code="driver_missing"
            )
        driver = _find_driver(request, payload.driver)
        channel = Registration.Channel.STAFF
        existed = Registration.objects.filter(
            event=event, driver=driver, status__in=ACTIVE_REGISTRATION
        ).exists()
        registration = actions.register(event, driver, actor=request.user, channel=channel)
    registration = Registration.objects.select_related("event", "driver").get(pk=registration.pk)
    return Status(200 if existed else 201, _registration_out(registration))


def _registration(request, code: str, registration_id: UUID) -> Registration:
    event = _event(request, code)
    registration = (
        Registration.objects.for_user(request.user)
        .select_related("event", "driver")
        .filter(event=event, public_id=registration_id)
        .first()
    )
    if registration is None:
        raise Http404
    return registration


@router.post(
    "/{code}/registrations/{registration_id}/confirm",
    response=RegistrationOut,
    summary="Confirm a place (the driver)",
)
def confirm_registration(request, code: str, registration_id: UUID):
    require_roles(request, Role.DRIVER)
    registration = _registration(request, code, registration_id)
    actions.confirm_registration(registration, actor=request.user)
    registration.refresh_from_db()
    return _registration_out(registration)


@router.post(
    "/{code}/registrations/{registration_id}/cancel",
    response=RegistrationOut,
    summary="Cancel a registration",
)
def cancel_registration(request, code: str, registration_id: UUID, payload: ReasonIn):
    if request.user.role != Role.DRIVER:
        require_roles(request, *EVENT_ROLES)
    registration = _registration(request, code, registration_id)
    actions.cancel_registration(registration, actor=request.user, reason=payload.reason)
    registration.refresh_from_db()
    return _registration_out(registration)


# --- Check-in, feedback, the stall desk -----------------------------------------------------------


@router.post(
    "/{code}/check-ins",
    response={201: CheckInOut, 200: CheckInOut},
    summary="Check a driver in (idempotent: a retry answers 200 with the first check-in)",
)
def check_in(request, code: str, payload: CheckInIn):
    event = _event(request, code)
    if request.user.role == Role.DRIVER:
        if not tokens.event_token_valid(event, payload.token):
            raise DomainError(_("Scan the event's QR code to check in."), code="bad_token")
        driver = _my_driver(request)
        method = CheckIn.Method.EVENT_QR
    else:
        require_roles(request, *EVENT_ROLES)
        driver = _find_driver(request, payload.code)
        method = (
            CheckIn.Method.DRIVER_QR
            if tokens.looks_like_driver_token(payload.code)
            else CheckIn.Method.API
        )
    row, created = actions.check_in(event, driver, actor=request.user, method=method)
    body = {
        "driver": driver.public_id,
        "driver_name": driver.name,
        "at": row.at,
        "walk_in": row.walk_in,
        "method": row.method,
        "created": created,
    }
    return Status(201 if created else 200, body)


@router.post(
    "/{code}/feedback", response={201: FeedbackOut}, summary="Rate an event you attended (1-5)"
)
def rate(request, code: str, payload: FeedbackIn):
    require_roles(request, Role.DRIVER)
    event = _event(request, code)
    feedback = actions.rate_event(
        event,
        _my_driver(request),
        actor=request.user,
        rating=payload.rating,
        comment=payload.comment,
    )
    return Status(201, {"rating": feedback.rating, "comment": feedback.comment, "at": feedback.at})


def _desk_driver(event: Event, public_id: UUID):
    from .views import _present_driver

    return _present_driver(event, public_id)


@router.post(
    "/{code}/services",
    response={201: ServiceOut},
    summary="Record a service a driver received at the event",
)
def record_service(request, code: str, payload: ServiceIn):
    event = _staff_event(request, code)
    driver = _desk_driver(event, payload.driver)
    from driverhome.services.models import ServiceItem

    item = ServiceItem.objects.filter(code=payload.item, is_active=True).first()
    if item is None:
        raise DomainError(_("Unknown service item."), code="bad_item")
    record = actions.record_service_at_event(
        event, driver, item, actor=request.user, notes=payload.notes
    )
    return Status(
        201, {"id": record.public_id, "item": item.code, "delivered_at": record.delivered_at}
    )


@router.post(
    "/{code}/requests",
    response={201: RequestOut},
    summary="File a driver's difficulty as a request (channel: market)",
)
def file_request(request, code: str, payload: RequestIn):
    event = _staff_event(request, code)
    driver = _desk_driver(event, payload.driver)
    from driverhome.appeals.catalogue import active_leaf

    category = active_leaf(payload.category)
    if category is None:
        raise DomainError(_("Unknown request category."), code="bad_category")
    appeal = actions.file_request_at_event(
        event, driver, actor=request.user, category=category, description=payload.description
    )
    return Status(201, {"tracking_no": appeal.tracking_no})
