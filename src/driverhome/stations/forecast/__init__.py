"""Forecasts of free truck bays and beds per site, 12 hours ahead in half hours, with an interval.

* :mod:`.model` is the model (pure Python): a profile per kind of day and half hour, the
  working-day calendar, market days, and the current deviation fading with the horizon.
* :func:`refresh` is the periodic job's work (every 15 minutes, ``stations.tasks``): it
  refits a site's model once a day from its history and recomputes every site's forecast
  from the stored model and the latest report, into ``StationForecast`` rows.
* :func:`for_station` / :func:`for_stations` read them for pages and the API (one query).

Events (market days fill a park) belong to the events app, which imports this one; it
registers a reader with :func:`register_event_source` when it starts, so this package
never imports it. Without a registered source the forecast knows no events.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AvailabilityUpdate, Station, StationForecast
from .model import HISTORY_DAYS, MIN_DAYS, STEP, STEPS, Events, Local, Model, fit, history_days

QUANTITIES = {"trucks": ("free_truck_bays", "truck_bays"), "beds": ("free_beds", "beds")}
REFRESH_MINUTES = 15  # the periodic job's interval (stations.tasks)
# Models are refitted weekly, as the backtest does; the periodic job refits at most
# JOB_FIT_SECONDS' worth of the stalest models per pass, so 3,000 sites (1-2 s of fitting
# each) spread their refits over the week and every pass stays well under a minute.
REFIT_AFTER = timedelta(days=7)
JOB_FIT_SECONDS = 30.0
# A stored forecast older than this is recomputed on read from the stored model.
RECOMPUTE_AFTER = timedelta(minutes=20)
ARRIVAL_KMH = 60.0  # a loaded truck's average speed, for "arriving in ... minutes"

EventSource = Callable[[list[int], datetime, datetime], dict[int, list[tuple[datetime, datetime]]]]
_EVENT_SOURCES: list[EventSource] = []


def register_event_source(source: EventSource) -> None:
    """``source(station_ids, start, end) -> {station_id: [(starts, ends), ...]}``: the
    events that fill a park (markets), registered by the events app at start-up."""
    if source not in _EVENT_SOURCES:
        _EVENT_SOURCES.append(source)


def event_spans(station_ids: list[int], start: datetime, end: datetime) -> dict[int, Events]:
    spans: dict[int, list] = {pk: [] for pk in station_ids}
    for source in _EVENT_SOURCES:
        for pk, found in source(station_ids, start, end).items():
            spans.setdefault(pk, []).extend(found)
    return {pk: Events(found) for pk, found in spans.items()}


def history(station: Station, since: datetime) -> dict[str, list[tuple[datetime, float]]]:
    """The site's reports since ``since``, oldest first, per quantity."""
    rows = (
        AvailabilityUpdate.objects.filter(station=station, at__gte=since)
        .order_by("at")
        .values_list("at", "free_truck_bays", "free_beds")
    )
    out: dict[str, list] = {"trucks": [], "beds": []}
    for at, trucks, beds in rows:
        if trucks is not None:
            out["trucks"].append((at, float(trucks)))
        if beds is not None:
            out["beds"].append((at, float(beds)))
    return out


def train(station: Station, now: datetime, events: Events) -> tuple[dict, int]:
    """Fitted models per quantity (``{}`` when too little history) and the days of history."""
    series = history(station, now - timedelta(days=HISTORY_DAYS))
    models, days = {}, 0
    for name, (_field, capacity_field) in QUANTITIES.items():
        capacity = getattr(station, capacity_field)
        if not capacity:
            continue
        fitted = fit(series[name], capacity=capacity, tz=station.tz, events=events, until=now)
        if fitted is not None:
            models[name] = fitted.to_dict()
            days = max(days, fitted.days)
        else:
            days = max(days, history_days(series[name], station.tz))
    return models, days


def first_step(now: datetime) -> datetime:
    """The next half hour after ``now`` (a forecast for 14:30, 15:00 ... from 14:07)."""
    seconds = int(now.timestamp())
    return datetime.fromtimestamp(
        (seconds // 1800 + 1) * 1800, tz=now.tzinfo or timezone.get_current_timezone()
    )


def compute(station: Station, models: dict, events: Events, now: datetime) -> tuple[dict, str]:
    """Steps per quantity from ``first_step(now)`` and the basis (live or stale)."""
    start = first_step(now)
    targets = [start + STEP * i for i in range(STEPS)]
    local = Local(station.tz)
    steps = {}
    for name, data in models.items():
        field_name, _capacity = QUANTITIES[name]
        value = getattr(station, field_name)
        steps[name] = [
            list(step)
            for step in Model.from_dict(data).predict(
                targets,
                local=local,
                events=events,
                last_at=station.availability_at if value is not None else None,
                last_value=value,
            )
        ]
    return steps, ("stale" if station.availability_is_stale(now) else "live")


@dataclass
class RefreshStats:
    sites: int = 0
    refitted: int = 0
    deferred: int = 0  # due for fitting, left to a later pass by the budget
    forecasts: int = 0
    without: int = 0
    seconds: float = 0.0
    fit_seconds: float = 0.0


def refresh(
    stations: Iterable[Station] | None = None,
    *,
    now: datetime | None = None,
    refit: bool | None = None,
    batch: int = 500,
    fit_seconds: float | None = None,
    max_fits: int | None = None,
) -> RefreshStats:
    """Recompute the forecasts of ``stations`` (default: every active site). A site without
    a model, or with one older than ``REFIT_AFTER`` (every site with ``refit=True``), is
    fitted first. Idempotent: the rows are replaced.

    ``fit_seconds`` and ``max_fits`` bound the fitting of one pass: the sites without a
    model come first, then the oldest models; the rest wait for a later pass (a site never
    fitted stays "pending", the others keep forecasting from their current model)."""
    started = clock.perf_counter()
    now = now or timezone.now()
    stats = RefreshStats()
    if stations is None:
        stations = Station.objects.public().order_by("pk")
    stations = list(stations)
    budget = _Budget(fit_seconds, max_fits)
    if budget.bounded:
        trained = dict(
            StationForecast.objects.filter(station__in=[s.pk for s in stations]).values_list(
                "station_id", "trained_at"
            )
        )
        oldest = datetime.min.replace(tzinfo=now.tzinfo)
        # The stalest first, so that the pass's fitting goes where it is most needed.
        stations.sort(key=lambda s: (trained.get(s.pk) or oldest, s.pk))
    for i in range(0, len(stations), batch):
        chunk = stations[i : i + batch]
        _refresh_chunk(chunk, now, refit, stats, budget)
    stats.seconds = clock.perf_counter() - started
    return stats


class _Budget:
    """How much fitting one pass may still do."""

    def __init__(self, seconds: float | None, fits: int | None):
        self.bounded = seconds is not None or fits is not None
        self.deadline = clock.perf_counter() + seconds if seconds is not None else None
        self.fits = fits

    def allows(self) -> bool:
        if self.fits is not None and self.fits <= 0:
            return False
        return self.deadline is None or clock.perf_counter() < self.deadline

    def spend(self) -> None:
        if self.fits is not None:
            self.fits -= 1


def _refresh_chunk(
    chunk: list[Station], now: datetime, refit: bool | None, stats, budget: _Budget
) -> None:
    ids = [s.pk for s in chunk]
    existing = StationForecast.objects.in_bulk(ids)
    due = {
        s.pk
        for s in chunk
        if refit
        or s.pk not in existing
        or existing[s.pk].trained_at is None
        or (refit is None and now - existing[s.pk].trained_at >= REFIT_AFTER)
    }
    # Markets of the last year for the models fitted now; of the next hours for the rest.
    ahead = event_spans(ids, now - timedelta(hours=1), now + timedelta(hours=13))
    past = event_spans(sorted(due), now - timedelta(days=HISTORY_DAYS), now) if due else {}
    new, fitted, computed = [], [], []
    for station in chunk:
        stats.sites += 1
        row = existing.get(station.pk)
        fit = station.pk in due and budget.allows()
        if station.pk in due and not fit:
            stats.deferred += 1
            if row is None or not row.trained_at:
                continue  # never fitted: "pending" until a pass has time for it
        if row is None:
            row = StationForecast(station=station)
            new.append(row)
        elif fit:
            fitted.append(row)
        else:
            computed.append(row)
        events = ahead.get(station.pk) or Events()
        if fit:
            budget.spend()
            t0 = clock.perf_counter()
            history_events = Events(
                past[station.pk].spans_as_datetimes() + events.spans_as_datetimes()
            )
            row.model, row.history_days = train(station, now, history_events)
            row.trained_at = now
            stats.fit_seconds += clock.perf_counter() - t0
            stats.refitted += 1
        row.computed_at = now
        if not station.truck_bays and not station.beds:
            row.steps, row.basis, row.reason, row.start = {}, "none", "capacity", None
        elif not row.model:
            row.steps, row.basis, row.reason, row.start = {}, "none", "history", None
        else:
            row.steps, row.basis = compute(station, row.model, events, now)
            row.reason, row.start = "", first_step(now)
        if row.steps:
            stats.forecasts += 1
        else:
            stats.without += 1
    with transaction.atomic():
        StationForecast.objects.bulk_create(new, batch_size=500)
        _update(fitted, COMPUTED_FIELDS + FITTED_FIELDS)
        _update(computed, COMPUTED_FIELDS)


COMPUTED_FIELDS = ["computed_at", "start", "steps", "basis", "reason"]
FITTED_FIELDS = ["model", "trained_at", "history_days"]


def _update(rows: list[StationForecast], names: list[str]) -> None:
    """One prepared UPDATE per row through ``executemany``: ``bulk_update``'s CASE
    expressions cost more than the forecasts themselves at a few thousand sites."""
    if not rows:
        return
    meta = StationForecast._meta
    fields = [meta.get_field(name) for name in names]
    qn = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 - names from the model
        qn(meta.db_table),
        ", ".join(f"{qn(f.column)} = %s" for f in fields),
        qn(meta.pk.column),
    )
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.station_id]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


# --- reading ---------------------------------------------------------------------------------
def _current(row: StationForecast | None, station: Station, now: datetime) -> dict:
    """A stored forecast brought up to date: recomputed from its model when older than
    ``RECOMPUTE_AFTER`` (the job has not run), read as stored otherwise."""
    if row is None:
        return {"available": False, "reason": "pending"}
    if not row.model:
        return {"available": False, "reason": row.reason or "history", "days": row.history_days}
    steps, start, basis = row.steps, row.start, row.basis
    if row.computed_at is None or now - row.computed_at > RECOMPUTE_AFTER or start is None:
        events = event_spans([station.pk], now - timedelta(hours=1), now + timedelta(hours=13))
        steps, basis = compute(station, row.model, events[station.pk], now)
        start = first_step(now)
    return {
        "available": True,
        "start": start,
        "steps": steps,
        "basis": basis,
        "computed_at": row.computed_at or now,
        "days": row.history_days,
    }


def for_station(station: Station, now: datetime | None = None) -> dict:
    """The site's forecast: ``{"available": True, "start", "steps", "basis", ...}`` or
    ``{"available": False, "reason": "history"|"capacity"|"pending", "days"}``."""
    now = now or timezone.now()
    row = StationForecast.objects.filter(station_id=station.pk).first()
    return _current(row, station, now)


def for_stations(stations: list[Station], now: datetime | None = None) -> dict[int, dict]:
    now = now or timezone.now()
    rows = StationForecast.objects.in_bulk([s.pk for s in stations])
    return {s.pk: _current(rows.get(s.pk), s, now) for s in stations}


def at(forecast: dict, station: Station, when: datetime, quantity: str = "trucks"):
    """(expected, low, high) free places at ``when``, linear between half hours; before the
    first step, from the current report (when fresh) to the first step. None when unknown."""
    if not forecast.get("available") or quantity not in forecast["steps"]:
        return None
    steps = forecast["steps"][quantity]
    start = forecast["start"]
    offset = (when - start).total_seconds() / STEP.total_seconds()
    if offset >= len(steps) - 1:
        return tuple(steps[-1]) if offset <= len(steps) - 0.5 else None
    if offset < 0:
        value = getattr(station, QUANTITIES[quantity][0])
        if value is None or station.availability_is_stale():
            return tuple(steps[0])
        frac = 1 + offset
        before = (value, value, value)
        return tuple(round(b + (a - b) * frac) for a, b in zip(steps[0], before, strict=True))
    lo = int(offset)
    frac = offset - lo
    return tuple(round(a + (b - a) * frac) for a, b in zip(steps[lo], steps[lo + 1], strict=True))


def arrival_minutes(distance_km: float) -> int:
    """Minutes to drive ``distance_km`` at ``ARRIVAL_KMH``."""
    return max(0, round(distance_km / ARRIVAL_KMH * 60))


def likely_full(expected: int | None, station: Station) -> bool:
    """Expected free truck bays at or below the site's "low" threshold (at least none)."""
    return expected is not None and expected <= max(0, station.low_threshold)


def on_arrival(hits, now: datetime) -> dict[int, dict]:
    """For search hits with a distance: ``{station id: {"at", "truck_bays", "likely_full"}}``,
    arriving at ``ARRIVAL_KMH`` (one query for all of them)."""
    near = [h for h in hits if h.distance_km is not None]
    if not near:
        return {}
    forecasts = for_stations([h.station for h in near], now)
    out = {}
    for hit in near:
        station = hit.station
        when = now + timedelta(minutes=arrival_minutes(hit.distance_km))
        expected = at(forecasts[station.pk], station, when, "trucks")
        out[station.pk] = {
            "at": when,
            "truck_bays": _range(expected),
            "likely_full": likely_full(expected[0] if expected else None, station),
        }
    return out


def reason_text(forecast: dict) -> str:
    """Why a site shows no forecast, for people."""
    reason = forecast.get("reason")
    if reason == "history":
        return _(
            "No forecast yet: it needs %(need)s days of free-place reports and this site has "
            "%(days)s."
        ) % {"need": MIN_DAYS, "days": forecast.get("days", 0)}
    if reason == "capacity":
        return _("No forecast: this site lists no truck bays or beds.")
    return _("No forecast yet: it is computed every %(minutes)s minutes.") % {
        "minutes": REFRESH_MINUTES
    }


def _range(step) -> dict | None:
    if step is None:
        return None
    expected, low, high = step
    return {"expected": expected, "low": low, "high": high}


def presented(station: Station, *, now: datetime | None = None, arrive_at=None) -> dict:
    """The forecast as pages and the API show it: the half hours still ahead, what the
    basis means, and, given an arrival time, the expected free places then."""
    now = now or timezone.now()
    fc = for_station(station, now)
    out = {
        "code": station.code,
        "available": fc["available"],
        "reason": None,
        "detail": None,
        "basis": None,
        "stale": station.availability_is_stale(now),
        "computed_at": fc.get("computed_at"),
        "history_days": fc.get("days", 0),
        "steps": [],
        "arrival": None,
    }
    if not fc["available"]:
        out["reason"], out["detail"] = fc["reason"], reason_text(fc)
        return out
    out["basis"] = fc["basis"]
    if fc["basis"] == "stale":
        if station.availability_at is None:
            out["detail"] = _("No current report: the forecast follows the site's usual pattern.")
        else:
            out["detail"] = _(
                "The latest report is %(minutes)s minutes old: the forecast follows the site's "
                "usual pattern."
            ) % {"minutes": station.availability_age_minutes(now)}
    steps = fc["steps"]
    for i in range(STEPS):
        when = fc["start"] + STEP * i
        if when <= now:
            continue
        out["steps"].append(
            {
                "at": when,
                "truck_bays": _range(steps["trucks"][i]) if "trucks" in steps else None,
                "beds": _range(steps["beds"][i]) if "beds" in steps else None,
            }
        )
    if arrive_at is not None:
        trucks = at(fc, station, arrive_at, "trucks")
        beds = at(fc, station, arrive_at, "beds")
        out["arrival"] = {
            "at": arrive_at,
            "truck_bays": _range(trucks),
            "beds": _range(beds),
            "likely_full": likely_full(trucks[0] if trucks else None, station),
        }
    return out


def arrival_time(
    now: datetime, *, in_minutes=None, arrive_at=None, distance_km=None
) -> datetime | None:
    """The arrival time from minutes, a time, or a distance (at ``ARRIVAL_KMH``); a clear
    error when it lies outside the next 12 hours."""
    from driverhome.core.errors import DomainError

    when = None
    if arrive_at is not None:
        when = arrive_at if timezone.is_aware(arrive_at) else timezone.make_aware(arrive_at)
    elif in_minutes is not None:
        when = now + timedelta(minutes=in_minutes)
    elif distance_km is not None:
        when = now + timedelta(minutes=arrival_minutes(distance_km))
    if when is not None and not (now - timedelta(minutes=1) <= when <= now + STEP * STEPS):
        raise DomainError(
            _("The arrival must lie within the next %(hours)s hours.") % {"hours": 12},
            code="bad_arrival",
        )
    return when
