"""Every state change of sites, free places, check-ins, reviews and grading, each with its audit row."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from driverhome.accounts import audit
from driverhome.core.errors import Conflict, DomainError, conflict_on_duplicate

from . import grading
from .models import (
    GRADES,
    Assessment,
    AvailabilityUpdate,
    CheckIn,
    Facility,
    HoursException,
    OfficialGrade,
    Review,
    RubricCriterion,
    Station,
    StationFacility,
    StationPhoto,
    WeeklyHours,
    new_checkin_key,
)

STATION_FIELDS = [
    "code",
    "name",
    "kind",
    "operator",
    "address",
    "city",
    "province",
    "postal_code",
    "lat",
    "lon",
    "time_zone",
    "open_24h",
    "phone",
    "supervision_phone",
    "description",
    "truck_bays",
    "car_bays",
    "beds",
    "rooms",
    "low_threshold",
    "is_active",
]
#: codes that name pages or endpoints beside a site's own
RESERVED_CODES = {
    "map",
    "nearby",
    "open-data",
    "new",
    "feeds",
    "reviews",
    "assessments",
    "catalogue",
    "facilities",
    "rubric",
}


def _validate(station: Station) -> None:
    if station.code in RESERVED_CODES:
        raise DomainError(_("This code is reserved; choose another."), code="bad_code")
    try:
        station.full_clean()
    except ValidationError as exc:
        raise DomainError(
            _("The site's details are not valid."), code="invalid", errors=exc.message_dict
        ) from None


def may_create_station(actor, operator) -> bool:
    """Supervisors and administrators open sites run by an organisation in their scope."""
    from driverhome.accounts.models import Organisation, Role

    if actor is None:  # the demo and the command line
        return True
    return (
        actor.has_role(Role.SUPERVISOR, Role.ADMIN)
        and operator is not None
        and Organisation.objects.for_user(actor).filter(pk=operator.pk).exists()
    )


@transaction.atomic
def create_station(*, actor, **fields) -> Station:
    if not may_create_station(actor, fields.get("operator")):
        raise DomainError(
            _("Only supervisors and administrators open a site, for an organisation of theirs."),
            code="forbidden",
        )
    if fields.get("code") and Station.objects.filter(code=fields["code"]).exists():
        raise Conflict(_("Another site has this code."), code="duplicate")
    station = Station(**fields)
    _validate(station)
    with conflict_on_duplicate(_("Another site has this code."), code="duplicate"):
        station.save()
    audit.record(
        actor,
        "station.create",
        station,
        changes=audit.diff({}, audit.snapshot(station, STATION_FIELDS)),
        organisation=station.operator_id,
    )
    return station


@transaction.atomic
def update_station(station: Station, *, actor, **fields) -> Station:
    station = Station.objects.select_for_update().get(pk=station.pk)
    before = audit.snapshot(station, STATION_FIELDS)
    for key, value in fields.items():
        if key not in STATION_FIELDS:
            raise DomainError(_("Unknown field: %(field)s") % {"field": key}, code="invalid")
        setattr(station, key, value)
    _validate(station)
    station.updated_at = timezone.now()
    station.save()
    changes = audit.diff(before, audit.snapshot(station, STATION_FIELDS))
    if changes:
        audit.record(
            actor, "station.update", station, changes=changes, organisation=station.operator_id
        )
    return station


@transaction.atomic
def set_facilities(station: Station, *, actor, items: list[dict]) -> list[StationFacility]:
    """Replace the site's facilities: ``[{"code", "is_free", "price", "hours", "count", "note"}]``."""
    catalogue = {f.code: f for f in Facility.objects.filter(is_active=True)}
    wanted = {}
    for item in items:
        code = item.get("code", "")
        if code not in catalogue:
            raise DomainError(
                _("Unknown facility: %(code)s") % {"code": code}, code="unknown_facility"
            )
        is_free = bool(item.get("is_free", True))
        price = (item.get("price") or "").strip()
        if not is_free and not price:
            raise DomainError(
                _("Give the price of %(name)s, or mark it free.") % {"name": catalogue[code].name},
                code="price_missing",
            )
        wanted[code] = {
            "is_free": is_free,
            "price": "" if is_free else price[:60],
            "hours": (item.get("hours") or "").strip()[:60],
            "count": item.get("count") or None,
            "note": (item.get("note") or "").strip()[:120],
        }
    existing = {sf.facility.code: sf for sf in station.facilities.select_related("facility")}
    before = {
        code: {"is_free": sf.is_free, "price": sf.price, "hours": sf.hours}
        for code, sf in existing.items()
    }
    for code, sf in existing.items():
        if code not in wanted:
            sf.delete()
    result = []
    for code, values in wanted.items():
        sf = existing.get(code) or StationFacility(station=station, facility=catalogue[code])
        for key, value in values.items():
            setattr(sf, key, value)
        sf.save()
        result.append(sf)
    after = {
        code: {"is_free": v["is_free"], "price": v["price"], "hours": v["hours"]}
        for code, v in wanted.items()
    }
    changes = audit.diff(before, after)
    if changes:
        audit.record(
            actor,
            "station.facilities",
            station,
            changes=changes,
            organisation=station.operator_id,
        )
    return result


def _parse_time(value) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise DomainError(
            _("%(value)s is not a time of day (HH:MM).") % {"value": value}, code="bad_time"
        ) from None


@transaction.atomic
def set_hours(station: Station, *, actor, open_24h: bool, weekly: list[tuple]) -> Station:
    """Set round-the-clock opening, or a weekly schedule ``[(weekday 0-6, "08:00", "22:00"), ...]``."""
    station = Station.objects.select_for_update().get(pk=station.pk)
    rows = []
    for weekday, opens, closes in weekly:
        weekday = int(weekday)
        if not 0 <= weekday <= 6:
            raise DomainError(_("The weekday must be 0 (Monday) to 6 (Sunday)."), code="bad_day")
        opens, closes = _parse_time(opens), _parse_time(closes)
        rows.append(WeeklyHours(station=station, weekday=weekday, opens=opens, closes=closes))
    if not open_24h and not rows:
        raise DomainError(
            _("Give at least one opening time, or mark the site open 24 hours."),
            code="no_hours",
        )
    before = {
        "open_24h": station.open_24h,
        "weekly": [
            [w.weekday, w.opens.isoformat("minutes"), w.closes.isoformat("minutes")]
            for w in station.weekly_hours.all()
        ],
    }
    station.weekly_hours.all().delete()
    WeeklyHours.objects.bulk_create(rows)
    station.open_24h = open_24h
    station.updated_at = timezone.now()
    station.save(update_fields=["open_24h", "updated_at"])
    after = {
        "open_24h": open_24h,
        "weekly": [
            [w.weekday, w.opens.isoformat("minutes"), w.closes.isoformat("minutes")] for w in rows
        ],
    }
    changes = audit.diff(before, after)
    if changes:
        audit.record(
            actor, "station.hours", station, changes=changes, organisation=station.operator_id
        )
    return station


@transaction.atomic
def add_hours_exception(
    station: Station, *, actor, day: date, closed: bool, opens=None, closes=None, note: str = ""
) -> HoursException:
    if not closed and (not opens or not closes):
        raise DomainError(
            _("Give the opening and closing time, or mark the day closed."), code="bad_time"
        )
    exception = HoursException.objects.create(
        station=station,
        date=day,
        closed=closed,
        opens=None if closed else _parse_time(opens),
        closes=None if closed else _parse_time(closes),
        note=note[:120],
    )
    audit.record(
        actor,
        "station.hours_exception",
        station,
        changes={"date": [None, day], "closed": [None, closed], "note": [None, note]},
        organisation=station.operator_id,
    )
    return exception


@transaction.atomic
def remove_hours_exception(exception: HoursException, *, actor) -> None:
    station = exception.station
    audit.record(
        actor,
        "station.hours_exception_remove",
        station,
        changes={"date": [exception.date, None]},
        organisation=station.operator_id,
    )
    exception.delete()


def _check_count(value, capacity: int, label: str):
    if value is None:
        return None
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise DomainError(
            _("%(what)s must be a whole number.") % {"what": label}, code="bad_count"
        ) from None
    if value < 0:
        raise DomainError(_("%(what)s cannot be negative.") % {"what": label}, code="bad_count")
    if value > capacity:
        raise DomainError(
            _("%(what)s (%(value)s) is more than the site has (%(capacity)s).")
            % {"what": label, "value": value, "capacity": capacity},
            code="over_capacity",
        )
    return value


@transaction.atomic
def update_availability(
    station: Station,
    *,
    actor,
    source: str,
    free_truck_bays=None,
    free_car_bays=None,
    free_beds=None,
    at: datetime | None = None,
) -> AvailabilityUpdate:
    """Record a report of free places; the site's current figure follows the latest report.

    A figure left out (None) is not reported and keeps its previous value.
    """
    station = Station.objects.select_for_update().get(pk=station.pk)
    trucks = _check_count(free_truck_bays, station.truck_bays, _("Free truck bays"))
    cars = _check_count(free_car_bays, station.car_bays, _("Free car bays"))
    beds = _check_count(free_beds, station.beds, _("Free beds"))
    if trucks is None and cars is None and beds is None:
        raise DomainError(_("Report at least one figure."), code="nothing_reported")
    now = timezone.now()
    at = at or now
    if at > now + timedelta(minutes=5):
        raise DomainError(_("The report time lies in the future."), code="bad_time")
    update = AvailabilityUpdate.objects.create(
        station=station,
        at=at,
        free_truck_bays=trucks,
        free_car_bays=cars,
        free_beds=beds,
        source=source,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    before = audit.snapshot(station, ["free_truck_bays", "free_car_bays", "free_beds"])
    if station.availability_at is None or at >= station.availability_at:
        # A late report (older than the current figure) goes into the history only.
        if trucks is not None:
            station.free_truck_bays = trucks
        if cars is not None:
            station.free_car_bays = cars
        if beds is not None:
            station.free_beds = beds
        station.availability_at = at
        station.save(
            update_fields=["free_truck_bays", "free_car_bays", "free_beds", "availability_at"]
        )
    audit.record(
        actor,
        "station.availability",
        station,
        changes=audit.diff(
            before, audit.snapshot(station, ["free_truck_bays", "free_car_bays", "free_beds"])
        ),
        note=source,
        organisation=station.operator_id,
    )
    return update


def adjust_availability(
    station: Station, *, actor, truck_delta: int = 0, bed_delta: int = 0
) -> AvailabilityUpdate:
    """One tap in the console: free places up or down from the current figure, kept within 0..capacity."""
    with transaction.atomic():
        current = Station.objects.select_for_update().get(pk=station.pk)
        trucks = current.free_truck_bays if current.free_truck_bays is not None else 0
        beds = current.free_beds if current.free_beds is not None else 0
        trucks = min(current.truck_bays, max(0, trucks + int(truck_delta)))
        beds = min(current.beds, max(0, beds + int(bed_delta)))
        return update_availability(
            current,
            actor=actor,
            source=AvailabilityUpdate.Source.CONSOLE,
            free_truck_bays=trucks if current.truck_bays else None,
            free_beds=beds if current.beds else None,
        )


@transaction.atomic
def issue_sensor_token(station: Station, *, actor, name: str):
    """A token that may only report this site's free places (``availability:<code>``)."""
    from driverhome.accounts import actions as account_actions

    name = (name or "").strip()[:80] or _("Sensor of %(site)s") % {"site": station.name}
    token, key = account_actions.issue_token(
        actor, actor=actor, name=name[:80], scope=f"availability:{station.code}"
    )
    audit.record(
        actor,
        "station.sensor_token",
        station,
        changes={"token": [None, token.prefix]},
        organisation=station.operator_id,
    )
    return token, key


@transaction.atomic
def renew_checkin_key(station: Station, *, actor) -> Station:
    """Print a new QR poster: the old poster stops working."""
    station.checkin_key = new_checkin_key()
    station.save(update_fields=["checkin_key"])
    audit.record(actor, "station.poster_renewed", station, organisation=station.operator_id)
    return station


def _clean_services(services_used) -> list[str]:
    codes = [str(c) for c in services_used or ()]
    known = set(Facility.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise DomainError(
            _("Unknown service: %(codes)s") % {"codes": ", ".join(unknown)},
            code="unknown_facility",
        )
    return sorted(set(codes))


def check_in(
    station: Station, driver, *, actor, channel: str, services_used=(), at: datetime | None = None
) -> CheckIn:
    """Count a visit. A second check-in the same local day returns the first (adding services used).

    ``at`` is for imported or demo visits; by default the visit is now.
    """
    services = _clean_services(services_used)
    now = at or timezone.now()
    day = now.astimezone(station.tz).date()
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(
                station=station,
                driver=driver,
                at=now,
                day=day,
                channel=channel,
                services_used=services,
                actor=actor if getattr(actor, "pk", None) else None,
            )
            audit.record(
                actor,
                "station.check_in",
                checkin,
                changes={"station": [None, station.code], "services_used": [None, services]},
                organisation=station.operator_id,
            )
            checkin.created = True
            return checkin
    except IntegrityError:
        pass
    with transaction.atomic():
        checkin = CheckIn.objects.select_for_update().get(station=station, driver=driver, day=day)
        merged = sorted(set(checkin.services_used) | set(services))
        if merged != checkin.services_used:
            audit.record(
                actor,
                "station.check_in_services",
                checkin,
                changes={"services_used": [checkin.services_used, merged]},
                organisation=station.operator_id,
            )
            checkin.services_used = merged
            checkin.save(update_fields=["services_used"])
    checkin.created = False
    return checkin


def check_in_by_lookup(station: Station, text: str, *, actor, services_used=()) -> CheckIn:
    """Staff check a driver in by phone number or plate (looked up in the staff member's scope)."""
    from driverhome.drivers.lookup import driver_by_phone_or_plate

    text = (text or "").strip()
    if not text:
        raise DomainError(_("Enter a phone number or a plate."), code="lookup_empty")
    driver = driver_by_phone_or_plate(actor, text)
    if driver is None:
        raise DomainError(
            _("No driver on file with this phone number or plate."), code="driver_not_found"
        )
    return check_in(
        station, driver, actor=actor, channel=CheckIn.Channel.STAFF, services_used=services_used
    )


REVIEW_WINDOW_DAYS = 30


def reviewable_checkin(station: Station, driver) -> CheckIn | None:
    since = timezone.now() - timedelta(days=REVIEW_WINDOW_DAYS)
    return (
        CheckIn.objects.filter(station=station, driver=driver, at__gte=since, review__isnull=True)
        .order_by("-at")
        .first()
    )


def _score(value, label) -> int:
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise DomainError(_("Rate %(aspect)s from 1 to 5.") % {"aspect": label}, code="bad_rating")
    return value


@transaction.atomic
def submit_review(
    station: Station, driver, *, actor, cleanliness, service, facilities, comment: str = ""
) -> Review:
    """A driver rates a site he checked in at (within 30 days; one review per visit)."""
    scores = {
        "cleanliness": _score(cleanliness, _("cleanliness")),
        "service": _score(service, _("service")),
        "facilities": _score(facilities, _("facilities")),
    }
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise DomainError(_("Keep the comment under 1,000 characters."), code="too_long")
    checkin = reviewable_checkin(station, driver)
    if checkin is None:
        raise DomainError(
            _("Check in at this Driver's Home first; each visit can be rated once."),
            code="no_visit",
        )
    try:
        with transaction.atomic():
            review = Review.objects.create(
                station=station, driver=driver, checkin=checkin, comment=comment, **scores
            )
    except IntegrityError:
        raise Conflict(_("This visit has already been rated."), code="already_rated") from None
    audit.record(
        actor,
        "review.create",
        review,
        changes={k: [None, v] for k, v in {**scores, "comment": comment}.items()},
        organisation=station.operator_id,
    )
    return review


@transaction.atomic
def reply_to_review(review: Review, *, actor, text: str) -> Review:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write a reply."), code="reply_empty")
    if len(text) > 1000:
        raise DomainError(_("Keep the reply under 1,000 characters."), code="too_long")
    review = Review.objects.select_for_update().get(pk=review.pk)
    before = review.reply
    review.reply = text
    review.replied_at = timezone.now()
    review.replied_by = actor
    review.save(update_fields=["reply", "replied_at", "replied_by"])
    audit.record(
        actor,
        "review.reply",
        review,
        changes={"reply": [before or None, text]},
        organisation=review.station.operator_id,
    )
    return review


@transaction.atomic
def hide_review(review: Review, *, actor, reason: str) -> Review:
    """Moderation: the review disappears from the public pages and its text is removed;
    the original stays in the audit log."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the review is hidden."), code="reason_missing")
    original = Review.objects.select_for_update().get(pk=review.pk)
    updated = Review.objects.filter(pk=review.pk, status=Review.Status.VISIBLE).update(
        status=Review.Status.HIDDEN, comment="", hidden_reason=reason[:200]
    )
    if not updated:
        raise Conflict(_("This review is already hidden."), code="already_hidden")
    audit.record(
        actor,
        "review.hide",
        original,
        changes={
            "status": [Review.Status.VISIBLE, Review.Status.HIDDEN],
            "comment": [original.comment, ""],
        },
        note=reason,
        organisation=original.station.operator_id,
    )
    original.refresh_from_db()
    return original


@transaction.atomic
def run_assessment(
    station: Station,
    *,
    actor,
    year: int,
    kind: str,
    assessor_points: dict | None = None,
    note: str = "",
    language: str = "zh-hans",
) -> Assessment:
    """Score the site for ``year``: computed criteria from recorded data, the rest as given."""
    grading.ensure_year(int(year))
    if kind not in Assessment.Kind.values:
        raise DomainError(_("Unknown kind of assessment."), code="bad_kind")
    points = {}
    for code, value in (assessor_points or {}).items():
        try:
            points[str(code)] = int(value)
        except (TypeError, ValueError):
            raise DomainError(
                _("Points for %(code)s must be a whole number.") % {"code": code},
                code="bad_points",
            ) from None
        if points[str(code)] < 0:
            raise DomainError(
                _("Points for %(code)s cannot be negative.") % {"code": code}, code="bad_points"
            )
    # The gap list is stored as text: write it in the language of the person who ran it.
    with translation.override(language):
        total, grade, next_grade, scores, gaps = grading.evaluate(
            station, int(year), points, language
        )
    assessment = Assessment.objects.create(
        station=station,
        year=int(year),
        kind=kind,
        score=total,
        grade=grade,
        next_grade=next_grade,
        scores={
            code: {"points": s.points, "max": s.max, "detail": s.detail, "source": s.source}
            for code, s in scores.items()
        },
        gaps=gaps,
        assessor=actor if getattr(actor, "pk", None) else None,
        note=note[:2000],
    )
    audit.record(
        actor,
        "station.assessment",
        assessment,
        changes={"year": [None, int(year)], "score": [None, total], "grade": [None, grade]},
        note=kind,
        organisation=station.operator_id,
    )
    return assessment


@transaction.atomic
def award_grade(
    station: Station,
    *,
    actor,
    year: int,
    grade: str,
    awarded_on: date | None = None,
    document: str = "",
    assessment: Assessment | None = None,
) -> OfficialGrade:
    """Record the official grade for a year (separate from any self-assessment)."""
    grading.ensure_year(int(year))
    if grade not in GRADES:
        raise DomainError(_("The grade must be one of 1A to 5A."), code="bad_grade")
    recorded = _("An official grade for %(year)s is already recorded.") % {"year": year}
    if OfficialGrade.objects.filter(station=station, year=year).exists():
        raise Conflict(recorded, code="grade_exists")
    with conflict_on_duplicate(recorded, code="grade_exists"):
        official = OfficialGrade.objects.create(
            station=station,
            year=int(year),
            grade=grade,
            awarded_on=awarded_on or timezone.localdate(),
            document=document[:80],
            assessment=assessment,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
    latest = OfficialGrade.objects.filter(station=station).order_by("-year").first()
    before = station.official_grade
    if latest.pk == official.pk:
        Station.objects.filter(pk=station.pk).update(official_grade=grade)
        station.official_grade = grade
    audit.record(
        actor,
        "station.official_grade",
        station,
        changes={"official_grade": [before or None, station.official_grade], "year": [None, year]},
        note=document,
        organisation=station.operator_id,
    )
    return official


@transaction.atomic
def add_photo(station: Station, *, actor, upload, caption: str = "") -> StationPhoto:
    from driverhome.core.uploads import store_image

    if station.photos.count() >= 12:
        raise DomainError(_("A site keeps at most 12 photos."), code="too_many_photos")
    name = store_image(upload, folder=f"stations/{station.code}")
    photo = StationPhoto.objects.create(station=station, file_name=name, caption=caption[:120])
    audit.record(
        actor,
        "station.photo_add",
        station,
        changes={"photo": [None, str(photo.public_id)]},
        organisation=station.operator_id,
    )
    return photo


@transaction.atomic
def remove_photo(photo: StationPhoto, *, actor) -> None:
    from driverhome.core.uploads import delete_upload

    station = photo.station
    audit.record(
        actor,
        "station.photo_remove",
        station,
        changes={"photo": [str(photo.public_id), None]},
        organisation=station.operator_id,
    )
    name = photo.file_name
    photo.delete()
    transaction.on_commit(lambda: delete_upload(name))


def local_day_start(station: Station, day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=station.tz)


# --- catalogues: facilities and the grading rubric -------------------------------------------

FACILITY_FIELDS = ["code", "name", "name_en", "kind", "usually_free", "order", "is_active"]
#: what officials change on a rubric line; its code, source and rule belong to the grading code
CRITERION_FIELDS = ["name", "name_en", "points", "is_active"]


def _catalogue_editor(actor) -> None:
    from driverhome.accounts.models import Role

    if actor is None or not actor.has_role(Role.ADMIN):
        raise DomainError(
            _("Only administrators edit the facility catalogue and the rubric."), code="forbidden"
        )


def _clean(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise DomainError(
            _("The entry is not valid."), code="invalid", errors=exc.message_dict
        ) from None


@transaction.atomic
def save_facility(*, actor, facility: Facility | None = None, **fields) -> Facility:
    """Add a facility to the catalogue or change one (a code, once given, stays)."""
    _catalogue_editor(actor)
    if facility is not None:
        facility = Facility.objects.select_for_update().get(pk=facility.pk)
        fields.pop("code", None)
    else:
        facility = Facility()
    before = audit.snapshot(facility, FACILITY_FIELDS) if facility.pk else {}
    for key, value in fields.items():
        if key not in FACILITY_FIELDS:
            raise DomainError(_("Unknown field: %(field)s") % {"field": key}, code="invalid")
        setattr(facility, key, value)
    if not facility.pk and Facility.objects.filter(code=facility.code).exists():
        raise Conflict(_("Another facility has this code."), code="duplicate")
    _clean(facility)
    with conflict_on_duplicate(_("Another facility has this code."), code="duplicate"):
        facility.save()
    changes = audit.diff(before, audit.snapshot(facility, FACILITY_FIELDS))
    if changes:
        audit.record(
            actor, "facility.update" if before else "facility.create", facility, changes=changes
        )
    return facility


@transaction.atomic
def update_criterion(criterion: RubricCriterion, *, actor, **fields) -> RubricCriterion:
    """Rename a rubric line, change its points or take it out of the grading."""
    _catalogue_editor(actor)
    criterion = RubricCriterion.objects.select_for_update().get(pk=criterion.pk)
    before = audit.snapshot(criterion, CRITERION_FIELDS)
    for key, value in fields.items():
        if key not in CRITERION_FIELDS:
            raise DomainError(_("Unknown field: %(field)s") % {"field": key}, code="invalid")
        setattr(criterion, key, value)
    _clean(criterion)
    criterion.save()
    changes = audit.diff(before, audit.snapshot(criterion, CRITERION_FIELDS))
    if changes:
        audit.record(actor, "rubriccriterion.update", criterion, changes=changes)
    return criterion
