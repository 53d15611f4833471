"""API of the Driver's Home directory.

Public (no login; rate-limited by client address): the nearest search and list,
a site's public page, its reviews, the TPIMS feeds and the HSDS export. The rest
needs a bearer token or a session: free places (also a sensor's token scoped
``availability:<code>``), check-ins, reviews, assessments, official grades.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from driverhome.accounts.access import require_roles
from driverhome.accounts.auth import token_scope
from driverhome.accounts.models import ApiToken, Role
from driverhome.accounts.scoping import get_for_user
from driverhome.core import geo
from driverhome.core.dates import Day, PastDay, PastMoment
from driverhome.core.errors import DomainError
from driverhome.core.pagination import paginate
from driverhome.core.ratelimit import check_rate
from driverhome.core.validation import Rule, WriteSchema

from . import actions, feeds, forecast, present, search
from .models import (
    Assessment,
    AvailabilityUpdate,
    CheckIn,
    Facility,
    OfficialGrade,
    Review,
    RubricCriterion,
    Station,
    StationFacility,
)

router = Router()

#: roles that run a site day to day (free places, check-ins, replies, profile)
SITE_ROLES = (Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN)
#: roles that grade sites and moderate reviews
SUPERVISION_ROLES = (Role.SUPERVISOR, Role.ADMIN)
PUBLIC_LIMIT = 120  # requests per minute per client address on the public endpoints


def _public(request, scope: str = "stations-public", limit: int = PUBLIC_LIMIT) -> None:
    check_rate(request, scope, limit=limit, window=60)


def _public_station(code: str) -> Station:
    return get_object_or_404(Station.objects.public(), code=code)


def _staff_station(request, code: str, roles=SITE_ROLES) -> Station:
    require_roles(request, *roles)
    return get_for_user(Station.objects, request.user, code=code)


def _driver(request):
    from driverhome.drivers.access import driver_for_user

    require_roles(request, Role.DRIVER)
    driver = driver_for_user(request.user)
    if driver is None:
        raise DomainError(
            _("Your login is not linked to a driver file yet; ask the site staff."),
            code="no_driver_file",
        )
    return driver


# --- schemas ----------------------------------------------------------------------------------


class CapacityOut(Schema):
    truck_bays: int
    car_bays: int
    beds: int


class AvailabilityOut(Schema):
    free_truck_bays: int | None
    free_car_bays: int | None
    free_beds: int | None
    updated_at: datetime | None
    minutes_ago: int | None
    stale: bool
    trusted: bool
    stale_after_minutes: int


class RangeOut(Schema):
    expected: int
    low: int
    high: int


class StationSummaryOut(Schema):
    code: str
    name: str
    kind: str
    address: str
    lat: float
    lon: float
    distance_km: float | None
    open_now: bool
    open_24h: bool
    capacity: CapacityOut
    availability: AvailabilityOut
    official_grade: str | None
    url: str


class ArrivalSummaryOut(Schema):
    at: datetime
    truck_bays: RangeOut | None
    likely_full: bool


class StationHitOut(StationSummaryOut):
    arrival: ArrivalSummaryOut | None = None


class StationPage(Schema):
    items: list[StationHitOut]
    next_cursor: str | None


class FacilityOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    free: bool
    price: str
    hours: str


class HoursOut(Schema):
    weekday: int
    opens: str
    closes: str


class ExceptionOut(Schema):
    date: date
    closed: bool
    opens: str | None
    closes: str | None
    note: str


class RatingOut(Schema):
    count: int
    average: float | None
    cleanliness: float | None
    service: float | None
    facilities: float | None


class StationDetailOut(StationSummaryOut):
    phone: str
    supervision_phone: str
    description: str
    time_zone: str
    facilities: list[FacilityOut]
    weekly_hours: list[HoursOut]
    exceptions: list[ExceptionOut]
    rating: RatingOut


class AvailabilityIn(WriteSchema):
    free_truck_bays: int | None = None
    free_car_bays: int | None = None
    free_beds: int | None = None
    at: PastMoment | None = None


class AvailabilityReportOut(Schema):
    at: datetime
    free_truck_bays: int | None
    free_car_bays: int | None
    free_beds: int | None
    source: str


class AvailabilityPage(Schema):
    items: list[AvailabilityReportOut]
    next_cursor: str | None


class StationCheckInIn(WriteSchema):
    rules_model = CheckIn

    key: str | None = None
    who: str | None = None
    services_used: list[str] = []


class StationCheckInOut(Schema):
    id: str
    station: str
    at: datetime
    day: date
    channel: str
    services_used: list[str]
    created: bool
    driver: str | None = None


class CheckInPage(Schema):
    items: list[StationCheckInOut]
    next_cursor: str | None


class VisitDayOut(Schema):
    day: date
    visits: int


class ReviewIn(WriteSchema):
    rules_model = Review

    cleanliness: int
    service: int
    facilities: int
    comment: str = ""


class ReviewOut(Schema):
    id: str
    cleanliness: int
    service: int
    facilities: int
    average: float
    comment: str
    created_at: datetime
    reply: str
    replied_at: datetime | None
    status: str


class ReviewPage(Schema):
    items: list[ReviewOut]
    next_cursor: str | None


class ReplyIn(WriteSchema):
    rules_model = Review

    reply: str


class HideIn(WriteSchema):
    rules_model = Review
    rules_map = {"reason": "hidden_reason"}

    reason: str


class AssessmentIn(WriteSchema):
    rules_model = Assessment
    rules_map = {"assessor_points": Rule(max_items=200)}

    year: int
    assessor_points: dict[str, int] = {}
    note: str = ""


class GapOut(Schema):
    kind: str
    missing_points: int
    text: str
    code: str | None = None


class AssessmentOut(Schema):
    id: str
    station: str
    year: int
    kind: str
    score: int
    grade: str
    next_grade: str
    scores: dict
    gaps: list[GapOut]
    created_at: datetime


class AssessmentPage(Schema):
    items: list[AssessmentOut]
    next_cursor: str | None


class GradeIn(WriteSchema):
    rules_model = OfficialGrade

    year: int
    grade: str
    awarded_on: PastDay | None = None
    document: str = ""


class GradeOut(Schema):
    station: str
    year: int
    grade: str
    awarded_on: date
    document: str


class StationTokenIn(WriteSchema):
    rules_map = {"name": (ApiToken, "name")}

    name: str = ""


class SensorTokenOut(Schema):
    prefix: str
    name: str
    scope: str
    token: str


class NearbyQuery(Schema):
    lat: float | None = None
    lon: float | None = None
    radius_km: float = search.DEFAULT_RADIUS_KM
    open_now: bool = False
    free_bays: bool = False
    free_bed: bool = False
    facility: str = ""
    free_showers: bool = False
    min_grade: str = ""
    limit: int = search.DEFAULT_LIMIT
    cursor: str | None = None
    avoid_full: bool = False


# --- output helpers ------------------------------------------------------------------------


def _review_out(review: Review) -> dict:
    return {
        "id": str(review.public_id),
        "cleanliness": review.cleanliness,
        "service": review.service,
        "facilities": review.facilities,
        "average": review.average,
        "comment": review.comment,
        "created_at": review.created_at,
        "reply": review.reply,
        "replied_at": review.replied_at,
        "status": review.status,
    }


def _checkin_out(checkin: CheckIn, *, with_driver: bool = False) -> dict:
    return {
        "id": str(checkin.public_id),
        "station": checkin.station.code,
        "at": checkin.at,
        "day": checkin.day,
        "channel": checkin.channel,
        "services_used": checkin.services_used,
        "created": getattr(checkin, "created", False),
        "driver": checkin.driver.name if with_driver else None,
    }


def _assessment_out(a: Assessment) -> dict:
    return {
        "id": str(a.public_id),
        "station": a.station.code,
        "year": a.year,
        "kind": a.kind,
        "score": a.score,
        "grade": a.grade,
        "next_grade": a.next_grade,
        "scores": a.scores,
        "gaps": a.gaps,
        "created_at": a.created_at,
    }


def detail(station: Station) -> dict:
    facilities = [
        {
            "code": sf.facility.code,
            "name": sf.facility.name,
            "name_en": sf.facility.name_en,
            "kind": sf.facility.kind,
            "free": sf.is_free,
            "price": sf.price,
            "hours": sf.hours,
        }
        for sf in station.facilities.all()
    ]
    return {
        **present.summary(station),
        "phone": station.phone,
        "supervision_phone": station.supervision_phone,
        "description": station.description,
        "time_zone": station.time_zone,
        "facilities": facilities,
        "weekly_hours": [
            {"weekday": w.weekday, "opens": f"{w.opens:%H:%M}", "closes": f"{w.closes:%H:%M}"}
            for w in station.weekly_hours.all()
        ],
        "exceptions": [
            {
                "date": e.date,
                "closed": e.closed,
                "opens": f"{e.opens:%H:%M}" if e.opens else None,
                "closes": f"{e.closes:%H:%M}" if e.closes else None,
                "note": e.note,
            }
            for e in station.hours_exceptions.filter(date__gte=timezone.localdate())
        ],
        "rating": present.rating(station),
    }


def _filters(q: NearbyQuery) -> search.Filters:
    return search.Filters(
        open_now=q.open_now,
        free_bays=q.free_bays,
        free_bed=q.free_bed,
        facility=q.facility.strip(),
        free_showers=q.free_showers,
        min_grade=search.parse_grade(q.min_grade),
    )


# --- public ---------------------------------------------------------------------------------


@router.get(
    "",
    response=StationPage,
    auth=None,
    summary="Nearest Driver's Homes (with lat/lon) or the directory (without)",
)
def list_stations(request, q: Query[NearbyQuery]):
    """With ``lat``/``lon`` (WGS-84): sites within ``radius_km``, nearest first, each with
    ``distance_km`` and ``arrival``: the expected free truck bays on arrival at 60 km/h and
    ``likely_full`` (at or below the site's low threshold); ``avoid_full`` lists the
    likely-full sites of the page after the others. Filters: ``open_now``, ``free_bays`` (free truck bays > 0, fresh figure),
    ``free_bed``, ``facility`` (a catalogue code), ``free_showers``, ``min_grade`` (e.g. 4A)."""
    _public(request)
    filters = _filters(q)
    point = search.parse_point(q.lat, q.lon)
    now = timezone.now()
    if point:
        hits, cursor = search.nearest(
            point[0],
            point[1],
            filters=filters,
            radius_km=q.radius_km,
            limit=q.limit,
            cursor=q.cursor,
            now=now,
        )
    else:
        hits, cursor = search.listing(filters=filters, limit=q.limit, cursor=q.cursor, now=now)
    arrivals = forecast.on_arrival(hits, now)
    items = [
        {
            **present.summary(h.station, distance_km=h.distance_km, open_now=h.open_now, now=now),
            "arrival": arrivals.get(h.station.pk),
        }
        for h in hits
    ]
    if q.avoid_full:
        items.sort(key=lambda item: bool(item["arrival"] and item["arrival"]["likely_full"]))
    return {"items": items, "next_cursor": cursor}


@router.get("/open-data/tpims-static", auth=None, summary="TPIMS static feed (JSON)")
def tpims_static(request):
    _public(request, "stations-feed", 60)
    return JsonResponse(feeds.tpims_static(), safe=False, json_dumps_params={"ensure_ascii": False})


@router.get("/open-data/tpims-dynamic", auth=None, summary="TPIMS dynamic feed (JSON)")
def tpims_dynamic(request):
    _public(request, "stations-feed", 60)
    return JsonResponse(
        feeds.tpims_dynamic(), safe=False, json_dumps_params={"ensure_ascii": False}
    )


@router.get("/open-data/hsds", auth=None, summary="The directory as Open Referral HSDS v3 tables")
def hsds(request):
    _public(request, "stations-feed", 60)
    return JsonResponse(feeds.hsds_export(), json_dumps_params={"ensure_ascii": False})


# --- catalogues: facilities and the grading rubric ------------------------------------------


class CatalogueFacilityOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    usually_free: bool
    order: int
    is_active: bool


class CriterionOut(Schema):
    code: str
    group: str
    name: str
    name_en: str
    points: int
    source: str
    rule: str
    is_active: bool


class CatalogueOut(Schema):
    facilities: list[CatalogueFacilityOut]
    rubric: list[CriterionOut]


class FacilityIn(WriteSchema):
    rules_model = Facility

    code: str | None = None
    name: str | None = None
    name_en: str | None = None
    kind: str | None = None
    usually_free: bool | None = None
    order: int | None = None
    is_active: bool | None = None


class CriterionIn(WriteSchema):
    rules_model = RubricCriterion

    name: str | None = None
    name_en: str | None = None
    points: int | None = None
    is_active: bool | None = None


def _facility_out(f: Facility) -> dict:
    return {name: getattr(f, name) for name in CatalogueFacilityOut.model_fields}


def _criterion_out(c: RubricCriterion) -> dict:
    return {name: getattr(c, name) for name in CriterionOut.model_fields}


@router.get(
    "/catalogue", response=CatalogueOut, summary="The facility catalogue and the grading rubric"
)
def get_catalogue(request):
    require_roles(request, Role.BROKER, *SITE_ROLES)
    return {
        "facilities": [_facility_out(f) for f in Facility.objects.order_by("order", "code")],
        "rubric": [_criterion_out(c) for c in RubricCriterion.objects.order_by("code")],
    }


@router.post(
    "/catalogue/facilities",
    response={201: CatalogueFacilityOut},
    summary="Add a facility to the catalogue (administrators)",
)
def create_facility(request, payload: FacilityIn):
    require_roles(request, Role.ADMIN)
    fields = {k: v for k, v in payload.dict().items() if v is not None}
    return Status(201, _facility_out(actions.save_facility(actor=request.user, **fields)))


@router.patch(
    "/catalogue/facilities/{code}",
    response=CatalogueFacilityOut,
    summary="Change a facility of the catalogue (administrators; the code stays)",
)
def update_facility(request, code: str, payload: FacilityIn):
    require_roles(request, Role.ADMIN)
    facility = get_object_or_404(Facility, code=code)
    fields = {k: v for k, v in payload.dict().items() if v is not None and k != "code"}
    return _facility_out(actions.save_facility(actor=request.user, facility=facility, **fields))


@router.patch(
    "/catalogue/rubric/{code}",
    response=CriterionOut,
    summary="Change a rubric line: names, points, in use (administrators)",
)
def update_criterion(request, code: str, payload: CriterionIn):
    require_roles(request, Role.ADMIN)
    criterion = get_object_or_404(RubricCriterion, code=code)
    fields = {k: v for k, v in payload.dict().items() if v is not None}
    return _criterion_out(actions.update_criterion(criterion, actor=request.user, **fields))


class StationIn(WriteSchema):
    rules_model = Station
    rules_map = {"operator": Rule(max_length=64)}

    code: str
    name: str
    kind: str
    operator: str
    address: str
    lat: float
    lon: float
    city: str = ""
    province: str = ""
    postal_code: str = ""
    phone: str = ""
    supervision_phone: str = ""
    description: str = ""
    truck_bays: int = 0
    car_bays: int = 0
    beds: int = 0
    rooms: int = 0
    low_threshold: int = 5


@router.post(
    "",
    response={201: StationDetailOut},
    summary="Open a site (supervisors and administrators; operator: an organisation's code)",
)
def create_station(request, payload: StationIn):
    from driverhome.accounts.models import Organisation

    require_roles(request, Role.SUPERVISOR, Role.ADMIN)
    fields = payload.dict()
    operator = Organisation.objects.for_user(request.user).filter(code=fields["operator"]).first()
    if operator is None:
        raise DomainError(
            _("No organisation with the code %(code)s in your scope.")
            % {"code": fields["operator"]},
            field="operator",
        )
    fields["operator"] = operator
    station = actions.create_station(actor=request.user, **fields)
    return Status(201, detail(station))


@router.get("/{code}", response=StationDetailOut, auth=None, summary="One Driver's Home (public)")
def get_station(request, code: str):
    _public(request)
    station = get_object_or_404(
        Station.objects.public().prefetch_related(
            Prefetch("facilities", queryset=StationFacility.objects.select_related("facility")),
            "weekly_hours",
            "hours_exceptions",
        ),
        code=code,
    )
    return detail(station)


class ForecastQuery(Schema):
    arrive_in_minutes: int | None = None
    arrive_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None


class ForecastStepOut(Schema):
    at: datetime
    truck_bays: RangeOut | None
    beds: RangeOut | None


class ArrivalOut(ForecastStepOut):
    likely_full: bool


class ForecastOut(Schema):
    code: str
    available: bool
    reason: str | None
    detail: str | None
    basis: str | None
    stale: bool
    computed_at: datetime | None
    history_days: int
    steps: list[ForecastStepOut]
    arrival: ArrivalOut | None


@router.get(
    "/{code}/forecast",
    response=ForecastOut,
    auth=None,
    summary="A site's forecast of free truck bays and beds, 12 hours ahead (public)",
)
def get_forecast(request, code: str, q: Query[ForecastQuery]):
    """Expected free places per half hour with an 80 % interval (``low``-``high``). Give an
    arrival as ``arrive_in_minutes``, ``arrive_at`` or your position (``lat``/``lon``,
    driving at 60 km/h) for the expected free places then. ``available`` is false with a
    ``reason`` (``history``: too little history; ``capacity``; ``pending``) and never zeros;
    ``basis`` ``stale`` says the latest report is old and the forecast follows the usual
    pattern."""
    _public(request)
    station = _public_station(code)
    now = timezone.now()
    if q.arrive_in_minutes is not None and q.arrive_in_minutes < 0:
        raise DomainError(
            _("arrive_in_minutes: must be zero or more."),
            code="bad_arrival",
            field="arrive_in_minutes",
        )
    point = search.parse_point(q.lat, q.lon)
    distance = geo.haversine_km(point[0], point[1], station.lat, station.lon) if point else None
    arrive_at = forecast.arrival_time(
        now, in_minutes=q.arrive_in_minutes, arrive_at=q.arrive_at, distance_km=distance
    )
    return forecast.presented(station, now=now, arrive_at=arrive_at)


@router.get("/{code}/reviews", response=ReviewPage, auth=None, summary="A site's reviews (public)")
def list_reviews(request, code: str, cursor: str | None = None):
    _public(request)
    station = _public_station(code)
    page = paginate(
        present.visible_reviews(station), order="-created_at", cursor=cursor, page_size=20
    )
    return {"items": [_review_out(r) for r in page], "next_cursor": page.next_cursor}


# --- free places ---------------------------------------------------------------------------


@router.post(
    "/{code}/availability",
    response={201: AvailabilityReportOut},
    summary="Report free places (site staff, or a sensor's token scoped availability:<code>)",
)
def post_availability(request, code: str, payload: AvailabilityIn):
    scope = token_scope(request)
    if scope:
        # BearerTokenAuth has already matched the scope to this path's site code.
        check_rate(request, "stations-sensor", limit=600, window=60, key=scope)
        station = get_for_user(Station.objects, request.user, code=code)
        source = AvailabilityUpdate.Source.SENSOR
    else:
        station = _staff_station(request, code)
        source = AvailabilityUpdate.Source.API
    update = actions.update_availability(
        station,
        actor=request.user,
        source=source,
        free_truck_bays=payload.free_truck_bays,
        free_car_bays=payload.free_car_bays,
        free_beds=payload.free_beds,
        at=payload.at,
    )
    return Status(201, update)


@router.get(
    "/{code}/availability", response=AvailabilityPage, summary="History of free places (staff)"
)
def list_availability(request, code: str, cursor: str | None = None):
    station = _staff_station(request, code)
    page = paginate(station.availability.all(), order="-at", cursor=cursor)
    return {"items": list(page), "next_cursor": page.next_cursor}


@router.post(
    "/{code}/sensor-tokens",
    response={201: SensorTokenOut},
    summary="Issue a token that may only report this site's free places",
)
def issue_sensor_token(request, code: str, payload: StationTokenIn):
    if token_scope(request):
        raise Http404
    station = _staff_station(request, code)
    token, key = actions.issue_sensor_token(station, actor=request.user, name=payload.name)
    return Status(
        201, {"prefix": token.prefix, "name": token.name, "scope": token.scope, "token": key}
    )


# --- check-ins -----------------------------------------------------------------------------


@router.post(
    "/{code}/checkins",
    response={201: StationCheckInOut, 200: StationCheckInOut},
    summary="Check in: a driver with the poster's key, or staff with a phone number or plate",
)
def post_checkin(request, code: str, payload: StationCheckInIn):
    if request.user.role == Role.DRIVER and not request.user.is_superuser:
        check_rate(request, "stations-checkin", limit=20, window=60, key=str(request.user.pk))
        driver = _driver(request)
        station = _public_station(code)
        if not payload.key or payload.key != station.checkin_key:
            raise DomainError(
                _("This QR code does not belong to this site. Scan the poster on site."),
                code="bad_key",
            )
        checkin = actions.check_in(
            station,
            driver,
            actor=request.user,
            channel=CheckIn.Channel.QR,
            services_used=payload.services_used,
        )
    else:
        station = _staff_station(request, code)
        checkin = actions.check_in_by_lookup(
            station, payload.who or "", actor=request.user, services_used=payload.services_used
        )
    return Status(201 if checkin.created else 200, _checkin_out(checkin))


@router.get("/{code}/checkins", response=CheckInPage, summary="A site's check-ins (staff)")
def list_checkins(request, code: str, day: Day | None = None, cursor: str | None = None):
    station = _staff_station(request, code, roles=(Role.BROKER, *SITE_ROLES))
    qs = CheckIn.objects.filter(station=station).select_related("station", "driver")
    if day:
        qs = qs.filter(day=day)
    page = paginate(qs, order="-at", cursor=cursor)
    return {
        "items": [_checkin_out(c, with_driver=True) for c in page],
        "next_cursor": page.next_cursor,
    }


@router.get("/{code}/visits", response=list[VisitDayOut], summary="Visits per day (staff)")
def visits(request, code: str, start: Day | None = None, end: Day | None = None):
    station = _staff_station(request, code, roles=(Role.BROKER, *SITE_ROLES))
    end = end or timezone.localdate()
    start = start or end - timedelta(days=30)
    if (end - start).days > 366:
        raise DomainError(_("Ask for at most one year at a time."), code="range_too_long")
    rows = (
        CheckIn.objects.filter(station=station, day__gte=start, day__lte=end)
        .values("day")
        .annotate(visits=Count("id"))
        .order_by("day")
    )
    return list(rows)


# --- reviews -------------------------------------------------------------------------------


@router.post("/{code}/reviews", response={201: ReviewOut}, summary="Rate a site after a visit")
def post_review(request, code: str, payload: ReviewIn):
    driver = _driver(request)
    check_rate(request, "stations-review", limit=10, window=60, key=str(request.user.pk))
    station = _public_station(code)
    review = actions.submit_review(
        station,
        driver,
        actor=request.user,
        cleanliness=payload.cleanliness,
        service=payload.service,
        facilities=payload.facilities,
        comment=payload.comment,
    )
    return Status(201, _review_out(review))


def _staff_review(request, review_id: str, roles) -> Review:
    require_roles(request, *roles)
    stations = Station.objects.for_user(request.user)
    try:
        return Review.objects.select_related("station").get(
            public_id=review_id, station__in=stations
        )
    except (Review.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


@router.post("/reviews/{review_id}/reply", response=ReviewOut, summary="Reply to a review (staff)")
def reply_review(request, review_id: str, payload: ReplyIn):
    review = _staff_review(request, review_id, SITE_ROLES)
    return _review_out(actions.reply_to_review(review, actor=request.user, text=payload.reply))


@router.post(
    "/reviews/{review_id}/hide",
    response=ReviewOut,
    summary="Hide an abusive review (supervisors); the original stays in the audit log",
)
def hide_review(request, review_id: str, payload: HideIn):
    review = _staff_review(request, review_id, SUPERVISION_ROLES)
    return _review_out(actions.hide_review(review, actor=request.user, reason=payload.reason))


# --- grading -------------------------------------------------------------------------------


@router.get("/{code}/assessments", response=AssessmentPage, summary="A site's grading history")
def list_assessments(request, code: str, cursor: str | None = None):
    station = _staff_station(request, code)
    page = paginate(
        Assessment.objects.filter(station=station).select_related("station"),
        order="-created_at",
        cursor=cursor,
    )
    return {"items": [_assessment_out(a) for a in page], "next_cursor": page.next_cursor}


@router.post(
    "/{code}/assessments",
    response={201: AssessmentOut},
    summary="Run an assessment (supervisors; site staff: self-assessment)",
)
def post_assessment(request, code: str, payload: AssessmentIn):
    station = _staff_station(request, code)
    kind = (
        Assessment.Kind.SUPERVISION
        if request.user.has_role(*SUPERVISION_ROLES)
        else Assessment.Kind.SELF
    )
    assessment = actions.run_assessment(
        station,
        actor=request.user,
        year=payload.year,
        kind=kind,
        assessor_points=payload.assessor_points,
        note=payload.note,
        language=get_language() or "zh-hans",
    )
    return Status(201, _assessment_out(assessment))


@router.post(
    "/{code}/official-grade", response={201: GradeOut}, summary="Record the official grade"
)
def post_official_grade(request, code: str, payload: GradeIn):
    station = _staff_station(request, code, roles=SUPERVISION_ROLES)
    official = actions.award_grade(
        station,
        actor=request.user,
        year=payload.year,
        grade=payload.grade.strip().upper(),
        awarded_on=payload.awarded_on,
        document=payload.document,
    )
    return Status(
        201,
        {
            "station": station.code,
            "year": official.year,
            "grade": official.grade,
            "awarded_on": official.awarded_on,
            "document": official.document,
        },
    )
