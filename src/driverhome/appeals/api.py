"""API of the closed loop: file (idempotent), list, read, act on requests; categories; figures; hotspots."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from driverhome.accounts.access import require_roles, require_staff
from driverhome.accounts.models import STAFF_ROLES, Role
from driverhome.accounts.scoping import get_for_user
from driverhome.core.dates import Day, Moment
from driverhome.core.errors import DomainError
from driverhome.core.pagination import paginate
from driverhome.core.ratelimit import check_rate
from driverhome.core.validation import Rule, WriteSchema

from . import access, actions, figures, operations, similar
from .catalogue import active_leaf
from .models import Appeal, Category, ReturnVisit, Supervision

router = Router()


class AppealIn(WriteSchema):
    rules_model = Appeal
    rules_map = {"type": "appeal_type"}

    category: str
    description: str
    type: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    station: str | None = None
    driver: str | None = None
    channel: str | None = None
    received_at: Moment | None = None
    anonymous: bool = False
    reporter_name: str = ""
    reporter_phone: str = ""


class AppealOut(Schema):
    tracking_no: str
    type: str
    category: str
    category_name: str
    channel: str
    status: str
    status_label: str
    received_at: datetime
    due_at: datetime | None
    #: the deadline falls in a year whose holidays are not published yet (counted Mon–Fri)
    due_provisional: bool
    overdue: bool
    answer_due_at: datetime | None
    answer_due_provisional: bool
    handling_unit: str | None
    area: str
    description: str
    answer: str
    rehandle_count: int
    supervised: bool
    merged_into: str | None
    driver: str | None
    version: int


class AppealPage(Schema):
    items: list[AppealOut]
    next_cursor: str | None


class ActionIn(WriteSchema):
    rules_model = Appeal
    rules_map = {
        "note": (Supervision, "note"),
        "text": "answer",
        "resolved": (ReturnVisit, "resolved"),
        "comment": (ReturnVisit, "comment"),
    }

    version: int | None = None
    unit: str | None = None
    note: str | None = None
    text: str | None = None
    days: int | None = None
    approve: bool | None = None
    resolved: str | None = None
    satisfaction: int | None = None
    comment: str | None = None
    close: bool | None = None
    into: str | None = None
    broker: str | None = None
    accept: bool | None = None


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str
    group: str | None
    default_type: str


class ErrorOut(Schema):
    code: str
    detail: str


def appeal_out(appeal: Appeal, user) -> dict:
    hide_driver = appeal.anonymous and user.role == Role.UNIT_HANDLER
    return {
        "tracking_no": appeal.tracking_no,
        "type": appeal.appeal_type,
        "category": appeal.category.code,
        "category_name": appeal.category.name,
        "channel": appeal.channel,
        "status": appeal.status,
        "status_label": str(appeal.get_status_display()),
        "received_at": appeal.received_at,
        "due_at": appeal.due_at,
        "due_provisional": appeal.due_provisional,
        "overdue": appeal.is_overdue,
        "answer_due_at": appeal.answer_due_at,
        "answer_due_provisional": appeal.answer_due_provisional,
        "handling_unit": appeal.handling_unit.code if appeal.handling_unit_id else None,
        "area": appeal.organisation.code,
        "description": appeal.description,
        "answer": appeal.answer,
        "rehandle_count": appeal.rehandle_count,
        "supervised": appeal.supervised,
        "merged_into": appeal.merged_into.tracking_no if appeal.merged_into_id else None,
        "driver": (str(appeal.driver.public_id) if appeal.driver_id and not hide_driver else None),
        "version": appeal.version,
    }


def _related(qs):
    return qs.select_related("category", "handling_unit", "organisation", "merged_into", "driver")


def intake_kwargs(request, payload: AppealIn) -> dict:
    """Turn the API body into ``file_appeal`` arguments, with the caller's role deciding the driver."""
    from driverhome.drivers.access import driver_for_user

    user = request.user
    category = active_leaf(payload.category)
    if category is None:
        raise DomainError(_("Unknown category code."), code="bad_category")
    station = None
    if payload.station:
        from driverhome.stations.models import Station

        station = Station.objects.filter(code=payload.station).first()
        if station is None:
            raise DomainError(_("Unknown station code."), code="bad_station")
    kwargs = {
        "category": category,
        "appeal_type": payload.type,
        "description": payload.description,
        "location": (payload.lat, payload.lon)
        if payload.lat is not None and payload.lon is not None
        else None,
        "address": payload.address,
        "station": station,
        "anonymous": payload.anonymous,
        "reporter_name": payload.reporter_name,
        "reporter_phone": payload.reporter_phone,
    }
    if user.role == Role.DRIVER:
        driver = driver_for_user(user)
        if driver is None:
            raise DomainError(_("Your login has no driver's file yet."), code="no_driver_file")
        kwargs.update(driver=driver, channel=Appeal.Channel.APP)
    else:
        require_staff(request)
        driver = None
        if payload.driver:
            import uuid

            from driverhome.drivers.models import Driver

            try:
                public_id = uuid.UUID(payload.driver)
            except ValueError:
                raise DomainError(
                    "driver is not a driver's public id.", code="bad_driver"
                ) from None
            driver = get_for_user(Driver.objects, user, public_id=public_id)
        channel = payload.channel or Appeal.Channel.API
        if channel in (Appeal.Channel.APP, Appeal.Channel.OPEN311):
            raise DomainError(
                "This channel is not filed through this endpoint.", code="bad_channel"
            )
        received_at = payload.received_at
        if received_at is not None and timezone.is_naive(received_at):
            received_at = timezone.make_aware(received_at)
        kwargs.update(driver=driver, channel=channel, received_at=received_at)
    return kwargs


@router.post(
    "",
    response={201: AppealOut, 200: AppealOut, 409: ErrorOut, 422: ErrorOut},
    summary="File a request (honours Idempotency-Key)",
)
def create_appeal(request, payload: AppealIn, response: HttpResponse):
    """File a request. With an ``Idempotency-Key`` header, a retry with the same body returns the
    first result (200, ``Idempotent-Replayed: true``) and stores nothing; the same key with a
    different body answers 422."""
    require_roles(request, Role.DRIVER, *STAFF_ROLES)
    check_rate(request, "api-appeal-intake", limit=60, window=60, key=f"u{request.user.pk}")
    key = request.headers.get("Idempotency-Key")
    kwargs = intake_kwargs(request, payload)
    appeal = actions.file_appeal(
        actor=request.user,
        idempotency_key=key,
        idempotency_scope=f"api:{request.user.pk}",
        idempotency_payload=payload.model_dump(mode="json"),
        **kwargs,
    )
    if getattr(appeal, "replayed", False):
        appeal = _related(Appeal.objects).get(pk=appeal.pk)
        response["Idempotent-Replayed"] = "true"
        return Status(200, appeal_out(appeal, request.user))
    return Status(201, appeal_out(appeal, request.user))  # fresh: its relations are in memory


@router.get("", response=AppealPage, summary="Requests in my scope")
def list_appeals(
    request,
    status: str | None = None,
    overdue: bool = False,
    unit: str | None = None,
    category: str | None = None,
    cursor: str | None = None,
):
    require_roles(request, Role.DRIVER, *STAFF_ROLES)
    qs = _related(Appeal.objects.for_user(request.user))
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.overdue()
    if unit:
        qs = qs.filter(handling_unit__code=unit)
    if category:
        qs = qs.filter(category__code=category) | qs.filter(category__parent__code=category)
    page = paginate(qs, order="-received_at", cursor=cursor)
    return {"items": [appeal_out(a, request.user) for a in page], "next_cursor": page.next_cursor}


@router.get("/categories", response=list[CategoryOut], summary="The category tree")
def list_categories(request):
    rows = Category.objects.filter(is_active=True).select_related("parent").order_by("code")
    return [
        {
            "code": c.code,
            "name": c.name,
            "name_en": c.name_en,
            "group": c.parent.code if c.parent_id else None,
            "default_type": c.default_type,
        }
        for c in rows
    ]


@router.get("/figures", summary="Figures: received, on time, resolution, satisfaction, overdue")
def get_figures(
    request,
    org: str | None = None,
    start: Day | None = None,
    end: Day | None = None,
    unit: str | None = None,
    site: str | None = None,
    category: str | None = None,
    by: str | None = None,
):
    require_staff(request)
    path = _scope_path(request.user, org)
    if start is None and end is None:
        start, end = figures.default_period()
    filters = {"unit": unit, "site": site, "category": category}
    result = {
        "period": {"start": start, "end": end},
        **figures.summary(path, start, end, **filters),
    }
    if by:
        if by not in figures.GROUPS:
            raise DomainError(_("by must be unit, site or category."), code="bad_group")
        result["rows"] = figures.breakdown(path, start, end, by=by, **filters)
    return result


def _scope_path(user, org_code):
    path = user.scope_path
    if path is None:
        raise Http404
    if org_code:
        from driverhome.accounts.models import Organisation

        org = Organisation.objects.filter(code=org_code).first()
        if org is None or not org.path.startswith(path):
            raise Http404
        return org.path
    return path


@router.get("/weak-closures", summary="Requests closed partly or not resolved, or rated below 3")
def get_weak_closures(request, start: Day | None = None, end: Day | None = None):
    """Per handling unit, the requests closed in the period (default: the last 30 days)
    and how many of them closed weakly, with their tracking numbers; supervisors and
    administrators, over their whole scope."""
    from . import weak
    from .console import WEAK_CLOSURE_ROLES

    require_roles(request, *WEAK_CLOSURE_ROLES)
    default_start, default_end = weak.default_period()
    start, end = start or default_start, end or default_end
    if start > end:
        raise DomainError(_("The end comes before the start."), code="bad_period", field="end")
    scoped = Appeal.objects.for_user(request.user)
    return {
        "period": {"start": start, "end": end},
        "rows": weak.per_unit(scoped, start, end),
        "items": [
            {
                "tracking_no": a.tracking_no,
                "unit": a.handling_unit.code if a.handling_unit_id else None,
                "resolved": a.last_resolved,
                "satisfaction": a.last_score,
                "closed_at": a.closed_at,
            }
            for a in weak.weak_closures(scoped, start, end)
            .select_related("handling_unit")
            .order_by("-closed_at")[:500]
        ],
    }


@router.get("/hotspots", summary="Many drivers reporting the same thing")
def get_hotspots(request, days: int = 7, min_reports: int = 3):
    require_staff(request)
    qs = Appeal.objects.for_user(request.user)
    return {
        "items": similar.hotspots(qs, days=max(1, min(days, 90)), min_reports=max(2, min_reports))
    }


@router.get("/{tracking_no}", response=AppealOut, summary="One request")
def get_appeal(request, tracking_no: str):
    require_roles(request, Role.DRIVER, *STAFF_ROLES)
    appeal = get_for_user(_related(Appeal.objects), request.user, tracking_no=tracking_no)
    return appeal_out(appeal, request.user)


class AppealRevealIn(WriteSchema):
    rules_map = {"reason": Rule(max_length=500, required=True)}

    reason: str


@router.post("/{tracking_no}/phone", summary="The full phone number behind a request (logged)")
def reveal_phone(request, tracking_no: str, payload: AppealRevealIn):
    """The number of the driver's file, or of a reporter without one, for staff who deal
    with the request; the reason is written to the access log."""
    require_staff(request)
    appeal = get_for_user(_related(Appeal.objects), request.user, tracking_no=tracking_no)
    if not access.may_reveal_phone(request.user, appeal):
        raise Http404
    return {"phone": actions.reveal_phone(appeal, actor=request.user, reason=payload.reason)}


@router.post(
    "/{tracking_no}/actions/{action}",
    response={200: AppealOut, 409: ErrorOut},
    summary="Act on a request (dispatch, accept, return, extend, answer, visit, close, ...)",
)
def act(request, tracking_no: str, action: str, payload: ActionIn):
    """``action`` is one of: dispatch, accept, return, extend, decide-extension, answer, visit,
    close, rehandle, supervise, merge, withdraw, transfer, answer-transfer, decide-reopen; a
    driver may use visit, withdraw (``note``: the reason), message (``text``) and reopen
    (``note``: the reason) on his own request. Send the ``version`` you read to be refused
    (409) if someone changed the request since."""
    require_roles(request, Role.DRIVER, *STAFF_ROLES)
    appeal = get_for_user(_related(Appeal.objects), request.user, tracking_no=tracking_no)
    if action not in operations.NAMES:
        raise Http404
    if request.user.role == Role.DRIVER and action not in operations.DRIVER_ACTIONS:
        raise Http404
    if request.user.role != Role.DRIVER and action in ("message", "reopen"):
        raise Http404
    data = {k: v for k, v in payload.dict().items() if v is not None}
    operations.perform(appeal, action, actor=request.user, data=data)
    appeal = _related(Appeal.objects).get(pk=appeal.pk)
    return appeal_out(appeal, request.user)
