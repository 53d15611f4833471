"""Scoring a site against the rubric: points per criterion, the grade, and what is missing for the next.

Computed criteria read recorded data (facilities, opening hours, check-ins,
reviews, and — when those apps are installed — service records, events and
requests filed at the site); assessor criteria take the points the assessor gave.
A criterion whose data source is not available scores 0 and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    FREE_BASIC_CODES,
    GRADES,
    REQUIRED_CODES,
    AvailabilityUpdate,
    CheckIn,
    Facility,
    GradeThreshold,
    Review,
    RubricCriterion,
    Station,
)

MONTHLY_UPDATE_RULE = "no month without an update of free places"
FULL_RULE = re.compile(r"^([A-Z]\d{2}) full$")


@dataclass
class CriterionScore:
    code: str
    points: int
    max: int
    detail: str
    source: str
    missing: list[str] = field(default_factory=list)


def year_bounds(station: Station, year: int) -> tuple[datetime, datetime]:
    tz = station.tz
    return (
        datetime.combine(date(year, 1, 1), time.min, tzinfo=tz),
        datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=tz),
    )


def _linear(value: float, full_at: float, points: int) -> int:
    if full_at <= 0:
        return points
    return int(round(min(1.0, max(0.0, value / full_at)) * points))


def _facility_names(codes, language: str) -> list[str]:
    names = {f.code: f.label(language) for f in Facility.objects.filter(code__in=list(codes))}
    return [names.get(code, code) for code in codes]


def _daily_open_hours(station: Station) -> float:
    """The shortest day's opening hours over the weekly schedule (24 if open round the clock)."""
    if station.open_24h:
        return 24.0
    per_day = [0.0] * 7
    for w in station.weekly_hours.all():
        start = datetime.combine(date(2000, 1, 3), w.opens)
        end_day = date(2000, 1, 3) if w.closes > w.opens else date(2000, 1, 4)
        end = datetime.combine(end_day, w.closes)
        per_day[w.weekday] += (end - start).total_seconds() / 3600
    return min(per_day)


def _optional_figure(fn):
    """Run a figure from another app; None when that app (or the field it needs) is missing."""
    try:
        return fn()
    except (ImportError, AttributeError, LookupError, TypeError, ValueError):
        return None
    except Exception as exc:  # noqa: BLE001 - a FieldError from an app still being built
        if type(exc).__name__ == "FieldError":
            return None
        raise


def _service_items(station, start, end):
    from driverhome.services.models import ServiceRecord

    return (
        ServiceRecord.objects.filter(station=station, delivered_at__gte=start, delivered_at__lt=end)
        .values("item")
        .distinct()
        .count()
    )


def _events_held(station, start, end):
    from driverhome.events.models import Event

    return (
        Event.objects.filter(
            station=station,
            starts_at__gte=start,
            starts_at__lt=min(end, timezone.now()),
            kind__in=["market", "activity"],
        )
        .exclude(status="cancelled")
        .count()
    )


def _requests_on_time(station, start, end):
    from driverhome.appeals import figures

    return figures.requests_on_time_rate(None, start, end, site=station.code)


def _return_visit_satisfaction(station, start, end):
    from driverhome.appeals import figures

    return figures.requests_satisfaction_rate(None, start, end, site=station.code)


def _as_rate(value) -> float | None:
    """The appeals figures answer a percentage (or None without data); as 0..1."""
    if value is None:
        return None
    return float(value) / 100


def compute(
    station: Station, criterion: RubricCriterion, year: int, language: str
) -> CriterionScore:
    start, end = year_bounds(station, year)
    code, top = criterion.code, criterion.points
    present = {sf.facility.code: sf for sf in station.facilities.all()}
    no_data = _("no recorded data")

    def score(points, detail, missing=()):
        return CriterionScore(
            code, min(top, int(points)), top, detail, criterion.source, list(missing)
        )

    if code == "F01":
        missing = [c for c in REQUIRED_CODES if c not in present]
        got = len(REQUIRED_CODES) - len(missing)
        return score(
            top * got // len(REQUIRED_CODES),
            _("%(got)s of %(all)s required areas") % {"got": got, "all": len(REQUIRED_CODES)},
            _facility_names(missing, language),
        )
    if code == "F02":
        # "parking and rest" is one of the five free basic services.
        groups = [("parking", "rest"), ("hot_water",), ("meal_heating",), ("shower",), ("laundry",)]
        missing, got = [], 0
        for group in groups:
            if all(c in present and present[c].is_free for c in group):
                got += 1
            else:
                missing.extend(c for c in group if not (c in present and present[c].is_free))
        return score(
            top * got // len(groups),
            _("%(got)s of %(all)s basic services free") % {"got": got, "all": len(groups)},
            [_("%(name)s free") % {"name": n} for n in _facility_names(missing, language)],
        )
    if code == "F03":
        extras = [
            c
            for c, sf in present.items()
            if sf.facility.kind in (Facility.Kind.ENCOURAGED, Facility.Kind.EXTRA)
            and c not in FREE_BASIC_CODES
        ]
        return score(
            min(top, 10 * len(extras)),
            _("%(count)s encouraged or extra facilities") % {"count": len(extras)},
            [_("more encouraged or extra facilities")] if 10 * len(extras) < top else [],
        )
    if code == "S01":
        hours = _daily_open_hours(station)
        points = top if hours >= 24 else (top // 2 if hours >= 16 else 0)
        return score(
            points,
            _("open at least %(hours)s hours every day") % {"hours": round(hours, 1)},
            [] if points == top else [_("open 24 hours every day")],
        )
    if code == "S02":
        visits = CheckIn.objects.filter(station=station, at__gte=start, at__lt=end).count()
        per_month = visits / 12
        return score(
            _linear(per_month, 1000, top),
            _("%(n)s visits per month") % {"n": int(per_month)},
            [] if per_month >= 1000 else [_("1,000 visits per month")],
        )
    if code == "S03":
        items = _optional_figure(lambda: _service_items(station, start, end))
        if items is None:
            return score(0, no_data, [_("service records at the site")])
        return score(
            _linear(items, 40, top),
            _("%(n)s service items delivered") % {"n": items},
            [] if items >= 40 else [_("40 different service items delivered")],
        )
    if code == "S04":
        held = _optional_figure(lambda: _events_held(station, start, end))
        if held is None:
            return score(0, no_data, [_("care events held at the site")])
        return score(
            _linear(held, 12, top),
            _("%(n)s care events held") % {"n": held},
            [] if held >= 12 else [_("12 care events in the year")],
        )
    if code == "S05":
        rate = _as_rate(_optional_figure(lambda: _requests_on_time(station, start, end)))
        if rate is None:
            return score(0, no_data, [_("requests answered on time")])
        points = 0 if rate < 0.6 else top * rate
        return score(
            points,
            _("%(pct)s%% answered on time") % {"pct": round(rate * 100)},
            [] if rate >= 1 else [_("all requests answered on time")],
        )
    if code == "Q01":
        agg = Review.objects.filter(
            station=station,
            status=Review.Status.VISIBLE,
            created_at__gte=start,
            created_at__lt=end,
        ).aggregate(n=Count("id"), c=Avg("cleanliness"), s=Avg("service"), f=Avg("facilities"))
        if agg["n"] < 30:
            return score(
                0,
                _("%(n)s reviews (30 needed)") % {"n": agg["n"]},
                [_("at least 30 reviews in the year")],
            )
        avg = (agg["c"] + agg["s"] + agg["f"]) / 3
        return score(
            top * (avg - 1) / 4,
            _("average rating %(avg)s") % {"avg": round(avg, 2)},
            [] if avg >= 5 else [_("a higher average rating")],
        )
    if code == "Q02":
        rate = _as_rate(_optional_figure(lambda: _return_visit_satisfaction(station, start, end)))
        if rate is None:
            return score(0, no_data, [_("satisfied return visits")])
        return score(
            top * rate,
            _("%(pct)s%% satisfied") % {"pct": round(rate * 100)},
            [] if rate >= 1 else [_("more satisfied return visits")],
        )
    return score(0, _("no rule for this criterion"), [])


def months_without_update(station: Station, year: int, today: date | None = None) -> list[int]:
    start, end = year_bounds(station, year)
    today = today or timezone.localdate()
    last_month = 12 if year < today.year else today.month
    if year > today.year:
        return []
    seen = {
        at.astimezone(station.tz).month
        for at in AvailabilityUpdate.objects.filter(
            station=station, at__gte=start, at__lt=end
        ).values_list("at", flat=True)
    }
    return [m for m in range(1, last_month + 1) if m not in seen]


def unmet_requirements(
    requires: list[str], scores: dict[str, CriterionScore], station: Station, year: int
) -> list[str]:
    unmet = []
    for rule in requires:
        match = FULL_RULE.match(rule)
        if match:
            s = scores.get(match.group(1))
            if s is None or s.points < s.max:
                unmet.append(_("%(code)s at full points") % {"code": match.group(1)})
        elif rule == MONTHLY_UPDATE_RULE:
            months = months_without_update(station, year)
            if months:
                unmet.append(
                    _("free places updated every month (missing: %(months)s)")
                    % {"months": ", ".join(str(m) for m in months)}
                )
        else:
            unmet.append(_("condition not checked automatically: %(rule)s") % {"rule": rule})
    return unmet


def evaluate(
    station: Station, year: int, assessor_points: dict[str, int], language: str = "zh-hans"
):
    """Score every active criterion; returns (score, grade, next_grade, scores, gaps)."""
    criteria = list(RubricCriterion.objects.filter(is_active=True))
    scores: dict[str, CriterionScore] = {}
    for criterion in criteria:
        if criterion.source == RubricCriterion.Source.ASSESSOR:
            given = max(0, min(criterion.points, int(assessor_points.get(criterion.code, 0))))
            scores[criterion.code] = CriterionScore(
                criterion.code,
                given,
                criterion.points,
                _("scored by the assessor"),
                criterion.source,
                [] if given == criterion.points else [_("full marks from the assessor")],
            )
        else:
            scores[criterion.code] = compute(station, criterion, year, language)
    total = sum(s.points for s in scores.values())
    thresholds = {t.grade: t for t in GradeThreshold.objects.all()}
    grade = ""
    for g in GRADES:
        t = thresholds.get(g)
        if t and total >= t.min_score and not unmet_requirements(t.requires, scores, station, year):
            grade = g
    if grade == "":
        next_grade = GRADES[0]
    elif grade == GRADES[-1]:
        next_grade = ""
    else:
        next_grade = GRADES[GRADES.index(grade) + 1]
    gaps = []
    target = thresholds.get(next_grade) if next_grade else None
    if target is not None:
        short = max(0, target.min_score - total)
        if short:
            gaps.append(
                {
                    "kind": "points",
                    "missing_points": short,
                    "text": _("%(n)s more points (needs %(min)s)")
                    % {"n": short, "min": target.min_score},
                }
            )
        for text in unmet_requirements(target.requires, scores, station, year):
            gaps.append({"kind": "requirement", "missing_points": 0, "text": text})
        names = {c.code: c.label(language) for c in criteria}
        open_criteria = sorted(
            (s for s in scores.values() if s.points < s.max), key=lambda s: s.points - s.max
        )
        for s in open_criteria:
            gaps.append(
                {
                    "kind": "criterion",
                    "code": s.code,
                    "missing_points": s.max - s.points,
                    "text": f"{s.code} {names[s.code]}: {s.points}/{s.max}"
                    + (f" — {'; '.join(s.missing)}" if s.missing else ""),
                }
            )
    return total, grade, next_grade, scores, gaps


def ensure_year(year: int) -> int:
    today = timezone.localdate()
    if not (2000 <= year <= today.year + 1):
        from driverhome.core.errors import DomainError

        raise DomainError(_("The year must be between 2000 and next year."), code="bad_year")
    return year
