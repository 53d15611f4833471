"""Driver's Home sites: profile, facilities, opening hours, live free places, check-ins, reviews, grading.

A ``Station`` belongs to its operating organisation (``operator``): staff see the
sites of their subtree (``Station.objects.for_user``). The public directory
(nearby list, site page, map, feeds) is read by everyone, drivers on the road
included, through dedicated public views and endpoints that show public fields only.

Reviews have a status: ``visible`` -> ``hidden`` (moderation; the original text
stays in the audit log only). Assessments are records, not a workflow: each run
stores its score, grade and gap; the official grade is an ``OfficialGrade`` row.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from driverhome.accounts.models import Organisation
from driverhome.accounts.scoping import ScopedQuerySet

GRADES = ["1A", "2A", "3A", "4A", "5A"]
GRADE_CHOICES = [(g, g) for g in GRADES]


def grade_rank(grade: str | None) -> int:
    """0 for no grade, 1..5 for 1A..5A."""
    return GRADES.index(grade) + 1 if grade in GRADES else 0


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value}) from None


def new_checkin_key() -> str:
    return secrets.token_urlsafe(12)


class Facility(models.Model):
    """The facility catalogue (data, edited by administrators), seeded from ``data/facilities.csv``."""

    class Kind(models.TextChoices):
        REQUIRED = "required", _("Required functional area")
        FREE_BASIC = "free_basic", _("Free basic service")
        ENCOURAGED = "encouraged", _("Encouraged")
        EXTRA = "extra", _("Extra")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=80)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    usually_free = models.BooleanField(_("usually free"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facility catalogue")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str) -> str:
        return self.name if language.startswith("zh") else self.name_en


# The five services the 2025 national standard makes free (parking and rest count as one).
FREE_BASIC_CODES = ("parking", "rest", "hot_water", "meal_heating", "shower", "laundry")
REQUIRED_CODES = ("parking", "rest", "dining", "shower", "laundry", "toilet")


class StationQuerySet(ScopedQuerySet):
    scope_field = "operator"

    def public(self):
        """What the public directory lists: active sites."""
        return self.filter(is_active=True)


class Station(models.Model):
    class Kind(models.TextChoices):
        LOGISTICS_PARK = "logistics_park", _("Logistics park")
        PORT = "port", _("Port")
        INDUSTRIAL_PARK = "industrial_park", _("Industrial park")
        FILLING_STATION = "filling_station", _("Filling station")
        SERVICE_AREA = "service_area", _("Highway service area")
        BORDER_PORT = "border_port", _("Border port")

    code = models.SlugField(_("public code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    operator = models.ForeignKey(
        Organisation,
        verbose_name=_("operating organisation"),
        on_delete=models.PROTECT,
        related_name="stations",
    )
    address = models.CharField(_("address"), max_length=200)
    city = models.CharField(_("city"), max_length=40, blank=True)
    province = models.CharField(_("province"), max_length=40, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    # WGS-84, as phones report them. Converted to GCJ-02 only at the map's edge.
    lat = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    lon = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    time_zone = models.CharField(
        _("time zone"), max_length=40, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    open_24h = models.BooleanField(_("open 24 hours"), default=True)
    phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    supervision_phone = models.CharField(_("supervision phone"), max_length=32, blank=True)
    description = models.TextField(_("description"), blank=True)
    truck_bays = models.PositiveIntegerField(_("truck bays"), default=0)
    car_bays = models.PositiveIntegerField(_("car bays"), default=0)
    beds = models.PositiveIntegerField(_("beds"), default=0)
    rooms = models.PositiveIntegerField(_("rooms"), default=0)
    # TPIMS: below this many free truck bays the feed reports "LOW" instead of the number.
    low_threshold = models.PositiveIntegerField(_("low threshold (truck bays)"), default=5)
    # Current free places, copied from the latest AvailabilityUpdate (history kept there).
    free_truck_bays = models.PositiveIntegerField(_("free truck bays"), null=True, blank=True)
    free_car_bays = models.PositiveIntegerField(_("free car bays"), null=True, blank=True)
    free_beds = models.PositiveIntegerField(_("free beds"), null=True, blank=True)
    availability_at = models.DateTimeField(_("free places updated"), null=True, blank=True)
    # The grade awarded by the grading authority (not a self-assessment), copied from OfficialGrade.
    official_grade = models.CharField(
        _("official grade"), max_length=2, choices=GRADE_CHOICES, blank=True
    )
    # Secret part of the QR poster's URL: scanning the poster on site checks a driver in.
    checkin_key = models.CharField(max_length=32, default=new_checkin_key, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = StationQuerySet.as_manager()

    class Meta:
        verbose_name = _("Driver's Home")
        verbose_name_plural = _("Driver's Homes")
        ordering = ["code"]
        indexes = [
            # Nearest search (GET /api/v1/stations?lat=&lon=, the driver's nearby list and map):
            # the bounding-box prefilter is a range on lat and on lon; this index serves the lat range.
            models.Index(fields=["lat", "lon"], name="station_latlon_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
                name="station_coordinates_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    # --- live free places -----------------------------------------------------------------
    def availability_age_minutes(self, now: datetime | None = None) -> int | None:
        if self.availability_at is None:
            return None
        now = now or timezone.now()
        return max(0, int((now - self.availability_at).total_seconds() // 60))

    def availability_is_stale(self, now: datetime | None = None) -> bool:
        age = self.availability_age_minutes(now)
        return age is None or age >= settings.AVAILABILITY_STALE_MINUTES

    def trusted_free_truck_bays(self, now=None) -> int | None:
        return None if self.availability_is_stale(now) else self.free_truck_bays

    def trusted_free_beds(self, now=None) -> int | None:
        return None if self.availability_is_stale(now) else self.free_beds

    # --- opening hours ----------------------------------------------------------------------
    def intervals_on(
        self, day: date, weekly=None, exceptions=None
    ) -> list[tuple[datetime, datetime]]:
        """Opening intervals (aware datetimes in the site's zone) that start on ``day``."""
        tz = self.tz
        if exceptions is None:
            exceptions = list(self.hours_exceptions.all())
        if weekly is None:
            weekly = list(self.weekly_hours.all())
        todays = [e for e in exceptions if e.date == day]
        if todays:
            spans = [(e.opens, e.closes) for e in todays if not e.closed and e.opens and e.closes]
        elif self.open_24h:
            spans = [(time(0), time(0))]
        else:
            spans = [(w.opens, w.closes) for w in weekly if w.weekday == day.weekday()]
        result = []
        for opens, closes in spans:
            start = datetime.combine(day, opens, tzinfo=tz)
            end_day = day if closes > opens else day + timedelta(days=1)
            result.append((start, datetime.combine(end_day, closes, tzinfo=tz)))
        return result

    def is_open_at(self, when: datetime, weekly=None, exceptions=None) -> bool:
        local = when.astimezone(self.tz)
        for day in (local.date() - timedelta(days=1), local.date()):
            for start, end in self.intervals_on(day, weekly, exceptions):
                if start <= local < end:
                    return True
        return False

    def is_open_now(self) -> bool:
        return self.is_open_at(timezone.now())


class WeeklyHours(models.Model):
    """One opening interval on a weekday; ``closes`` at or before ``opens`` runs past midnight."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="weekly_hours")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MaxValueValidator(6)]
    )  # 0 = Monday
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="weeklyhours_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens:%H:%M}-{self.closes:%H:%M}"


class HoursException(models.Model):
    """A date with other hours than the weekly schedule (holiday closure, shortened day)."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="hours_exceptions")
    date = models.DateField(_("date"))
    closed = models.BooleanField(_("closed all day"), default=False)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        ordering = ["date", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed=True)
                | models.Q(opens__isnull=False, closes__isnull=False),
                name="hoursexception_closed_or_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date}"


class StationFacility(models.Model):
    """A facility at a site: free or paid (with the price), its hours."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="facilities")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    is_free = models.BooleanField(_("free"), default=True)
    price = models.CharField(_("price"), max_length=60, blank=True)
    hours = models.CharField(_("hours"), max_length=60, blank=True)
    count = models.PositiveIntegerField(_("how many"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        ordering = ["facility__order", "facility__code"]
        constraints = [
            models.UniqueConstraint(fields=["station", "facility"], name="stationfacility_unique"),
        ]
        indexes = [
            # Nearest search filter "has facility X" / "free showers": facility -> sites.
            models.Index(fields=["facility", "is_free"], name="stationfacility_filter_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id}:{self.facility_id}"


class StationPhoto(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="photos")
    # Stored by core.uploads.store_image (checked, re-encoded, outside the web root).
    file_name = models.CharField(max_length=255, editable=False)
    caption = models.CharField(_("caption"), max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.caption or str(self.public_id)


class AvailabilityUpdate(models.Model):
    """History of free places: one row per report (console, sensor, API). Never changed."""

    class Source(models.TextChoices):
        CONSOLE = "console", _("Console")
        SENSOR = "sensor", _("Sensor")
        API = "api", _("API")

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="availability")
    at = models.DateTimeField(_("time"), default=timezone.now)
    free_truck_bays = models.PositiveIntegerField(_("free truck bays"), null=True, blank=True)
    free_car_bays = models.PositiveIntegerField(_("free car bays"), null=True, blank=True)
    free_beds = models.PositiveIntegerField(_("free beds"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at"]
        indexes = [
            # The site page's history, the TPIMS trend and the 5A "no month without an update" rule.
            models.Index(fields=["station", "-at"], name="availability_station_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.at:%Y-%m-%d %H:%M}"


class CheckIn(models.Model):
    """A visit (服务人次): one per driver, site and local day."""

    class Channel(models.TextChoices):
        QR = "qr", _("QR poster")
        STAFF = "staff", _("Staff")
        API = "api", _("API")
        EVENT = "event", _("Event")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="checkins")
    driver = models.ForeignKey("drivers.Driver", on_delete=models.PROTECT, related_name="checkins")
    at = models.DateTimeField(_("time"), default=timezone.now)
    day = models.DateField(_("day"))  # the local day at the site
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    services_used = models.JSONField(_("services used"), default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "driver", "day"], name="checkin_once_per_day"
            ),
        ]
        indexes = [
            # Visits per site per day (console check-in list, figures.site_visits, grading S02).
            models.Index(fields=["station", "day"], name="checkin_station_day_idx"),
            # The driver's timeline and "may this driver review" checks.
            models.Index(fields=["driver", "-at"], name="checkin_driver_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.day}"


class Review(models.Model):
    """A driver's rating after a visit. Transitions: visible -> hidden (moderation)."""

    class Status(models.TextChoices):
        VISIBLE = "visible", _("Visible")
        HIDDEN = "hidden", _("Hidden")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="reviews")
    driver = models.ForeignKey("drivers.Driver", on_delete=models.PROTECT, related_name="+")
    checkin = models.OneToOneField(
        CheckIn, on_delete=models.PROTECT, related_name="review", verbose_name=_("visit")
    )
    cleanliness = models.PositiveSmallIntegerField(
        _("cleanliness"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    service = models.PositiveSmallIntegerField(
        _("service"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    facilities = models.PositiveSmallIntegerField(
        _("facilities"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.VISIBLE)
    reply = models.TextField(_("reply"), blank=True, max_length=1000)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cleanliness__gte=1, cleanliness__lte=5)
                & models.Q(service__gte=1, service__lte=5)
                & models.Q(facilities__gte=1, facilities__lte=5),
                name="review_scores_1_to_5",
            ),
        ]
        indexes = [
            # Reviews awaiting a reply (console worklist panel).
            models.Index(
                fields=["station", "-created_at"],
                name="review_awaiting_reply_idx",
                condition=models.Q(reply="", status="visible"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.average}"

    @property
    def average(self) -> float:
        return round((self.cleanliness + self.service + self.facilities) / 3, 1)


class RubricCriterion(models.Model):
    """One line of the grading rubric (data, seeded from ``data/grading-rubric.csv``)."""

    class Group(models.TextChoices):
        FACILITIES = "facilities", _("Facilities")
        SERVICES = "services", _("Services")
        MANAGEMENT = "management", _("Management and safety")
        SATISFACTION = "satisfaction", _("Driver satisfaction")

    class Source(models.TextChoices):
        COMPUTED = "computed", _("Computed from recorded data")
        ASSESSOR = "assessor", _("Scored by the assessor")

    code = models.CharField(_("code"), max_length=8, unique=True)
    group = models.CharField(_("group"), max_length=16, choices=Group.choices)
    name = models.CharField(_("criterion (Chinese)"), max_length=120)
    name_en = models.CharField(_("criterion (English)"), max_length=160)
    points = models.PositiveSmallIntegerField(_("points"))
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    rule = models.CharField(_("rule"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("grading criterion")
        verbose_name_plural = _("grading rubric")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def label(self, language: str) -> str:
        return self.name if language.startswith("zh") else self.name_en


class GradeThreshold(models.Model):
    """Minimum score per grade and its extra conditions (``"F01 full"``, ``"monthly availability"``)."""

    grade = models.CharField(_("grade"), max_length=2, choices=GRADE_CHOICES, unique=True)
    min_score = models.PositiveSmallIntegerField(_("minimum score"))
    requires = models.JSONField(_("also requires"), default=list, blank=True)

    class Meta:
        verbose_name = _("grade threshold")
        verbose_name_plural = _("grade thresholds")
        ordering = ["grade"]

    def __str__(self) -> str:
        return self.grade


class Assessment(models.Model):
    """One scoring of a site for a year against the rubric: score, grade and the gap to the next grade."""

    class Kind(models.TextChoices):
        SELF = "self", _("Self-assessment")
        SUPERVISION = "supervision", _("Supervisor's assessment")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="assessments")
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    grade = models.CharField(_("grade"), max_length=2, choices=GRADE_CHOICES, blank=True)
    # {criterion code: {"points": int, "max": int, "detail": str}}
    scores = models.JSONField(default=dict)
    # [{"code"|"requirement": ..., "missing_points": int, "text": str}] for the next grade
    gaps = models.JSONField(default=list)
    next_grade = models.CharField(max_length=2, blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Grading history on the site page; latest assessment per site and year.
            models.Index(fields=["station", "year", "-created_at"], name="assessment_station_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.score} {self.grade}"


class OfficialGrade(models.Model):
    """The grade awarded by the grading authority, kept apart from any self-assessment."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="official_grades")
    year = models.PositiveSmallIntegerField(_("year"))
    grade = models.CharField(_("grade"), max_length=2, choices=GRADE_CHOICES)
    awarded_on = models.DateField(_("awarded on"))
    document = models.CharField(_("document number"), max_length=80, blank=True)
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-year", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["station", "year"], name="officialgrade_once_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.grade}"


class StationForecast(models.Model):
    """The forecast of a site's free places for the next 12 hours (``stations.forecast``).

    Derived data, one row per site, replaced in place by the periodic job (every 15 minutes;
    the model refitted once a day): not a record of anything anyone did, so it has no
    history and no audit rows. ``model`` holds the fitted model per quantity
    (``{"trucks": {...}, "beds": {...}}``); ``steps`` the forecast from ``start`` on, one
    ``[expected, low, high]`` per half hour. No model (too little history) leaves
    ``reason`` saying why.
    """

    class Basis(models.TextChoices):
        LIVE = "live", _("Current report")
        STALE = "stale", _("Old report: the usual pattern")
        NONE = "none", _("No forecast")

    station = models.OneToOneField(
        Station, on_delete=models.CASCADE, primary_key=True, related_name="forecast"
    )
    model = models.JSONField(default=dict)
    trained_at = models.DateTimeField(null=True, blank=True)
    history_days = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    start = models.DateTimeField(null=True, blank=True)
    steps = models.JSONField(default=dict)
    basis = models.CharField(max_length=8, choices=Basis.choices, default=Basis.NONE)
    # Why there is no forecast: "history" (too little), "capacity" (no bays or beds listed).
    reason = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = _("free-place forecast")
        verbose_name_plural = _("free-place forecasts")

    def __str__(self) -> str:
        return f"{self.station_id} {self.computed_at}"
