"""The forecast model of one quantity (free truck bays or free beds) at one site. Pure Python.

    forecast(t) = profile(kind of t's day, half hour of t)
                + market effect                     (when an event runs at t)
                + beta(lag) * deviation now         (the last report minus the profile then)

* **Profile**: the mean free places per half hour of the day, per kind of day: each weekday
  (Monday ... Sunday) over the last ``PROFILE_WEEKS`` weeks, a make-up working day (调休),
  and each statutory holiday by name (Spring Festival, National Day ...) over the whole
  history. A kind seen on few days is shrunk towards its group (working day, rest day,
  holiday; a holiday never seen falls back to the rest-day profile).
* **Market effect**: the mean deviation from the profile in the half hours a market (or
  another event that fills the park) ran, shrunk towards zero when there were few.
* **Fading deviation**: ``beta(h)`` is the regression of the deviation ``h`` half hours later
  on the deviation now, fitted on the history, clipped to [0, 1] and never rising with
  ``h``: a park fuller than usual now stays fuller for a while, then returns to its profile.
  An old report (stale data) has a long lag, so its deviation has faded and the forecast
  leans on the profile.
* **Interval**: the 10th and 90th percentiles of the errors that rule made on the history
  at each lag ("likely 20-35 free" is an 80 % interval).

Everything is in the site's local time; the grid is half hours. A fitted model is a small
JSON-able dict (see :meth:`Model.to_dict`), stored per site and reused every 15 minutes.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from driverhome.core import workdays

STEP = timedelta(minutes=30)
STEP_S = 1800
SLOTS = 48  # half hours in a day
STEPS = 24  # twelve hours ahead
PROFILE_WEEKS = 8
HISTORY_DAYS = 400  # holidays are learnt from last year's
MIN_DAYS = 14  # days with reports before a site gets a forecast
MIN_DAY_REPORTS = 8  # reports a day needs to count as a day of history
SHRINK_DAYS = 2.0  # a kind's profile weighs as this many days of its group's
EVENT_SHRINK = 6.0  # half hours of market history before the effect counts in full
LOW_Q, HIGH_Q = 0.1, 0.9


def day_kind(day: date) -> tuple[str, str]:
    """(kind, group) of a local date: ``("h:Spring Festival", "holiday")``, ``("2", "work")``,
    ``("makeup", "work")`` for a make-up working day, ``("6", "rest")`` for a Sunday."""
    name = workdays.holiday_name(day)
    if name:
        return f"h:{name}", "holiday"
    if workdays.is_working_day(day):
        return (str(day.weekday()) if day.weekday() < 5 else "makeup"), "work"
    return str(day.weekday()), "rest"


FALLBACK = {"holiday": "rest", "work": "all", "rest": "all"}


def _slot_id(moment: datetime, offset_s: int) -> int:
    """Half hours since the epoch, in local time (offset in seconds east of UTC)."""
    return (int(moment.timestamp()) + offset_s) // STEP_S


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


class Local:
    """Local date and half hour of a slot id, with the day's kind (cached per date)."""

    def __init__(self, tz: ZoneInfo):
        self.tz = tz
        self._kinds: dict[date, tuple[str, str]] = {}

    def offset(self, moment: datetime) -> int:
        return int(moment.astimezone(self.tz).utcoffset().total_seconds())

    def day_and_half_hour(self, moment: datetime) -> tuple[date, int]:
        local = moment.astimezone(self.tz)
        return local.date(), local.hour * 2 + local.minute // 30

    def kind(self, day: date) -> tuple[str, str]:
        found = self._kinds.get(day)
        if found is None:
            found = self._kinds[day] = day_kind(day)
        return found


class Events:
    """Event intervals (UTC datetimes) as sorted epoch spans, for "does an event run at t"."""

    def __init__(self, spans=()):
        self.spans = sorted((s.timestamp(), e.timestamp()) for s, e in spans)
        self.starts = [s for s, _e in self.spans]

    def spans_as_datetimes(self) -> list[tuple[datetime, datetime]]:
        return [
            (datetime.fromtimestamp(s, UTC), datetime.fromtimestamp(e, UTC)) for s, e in self.spans
        ]

    def active(self, moment: datetime, width_s: int = STEP_S) -> bool:
        """An event overlaps [moment, moment + width)."""
        t = moment.timestamp()
        i = bisect_right(self.starts, t + width_s - 1)
        for start, end in self.spans[max(0, i - 8) : i]:
            if start < t + width_s and end > t:
                return True
        return False


@dataclass
class Model:
    """A fitted model of one quantity at one site."""

    capacity: int
    profiles: dict[str, list[float]] = field(default_factory=dict)
    event_effect: float = 0.0
    event_slots: int = 0
    beta: list[float] = field(default_factory=list)  # index = lag in half hours, 0..STEPS
    q_low: list[float] = field(default_factory=list)  # index 0..STEPS, then STEPS+1 = far
    q_high: list[float] = field(default_factory=list)
    days: int = 0

    def to_dict(self) -> dict:
        return {
            "capacity": self.capacity,
            "profiles": {k: [round(v, 2) for v in p] for k, p in self.profiles.items()},
            "event_effect": round(self.event_effect, 3),
            "event_slots": self.event_slots,
            "beta": [round(b, 4) for b in self.beta],
            "q_low": [round(q, 2) for q in self.q_low],
            "q_high": [round(q, 2) for q in self.q_high],
            "days": self.days,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Model:
        return cls(**data)

    # --- prediction ----------------------------------------------------------------------
    def profile_at(self, moment: datetime, local: Local) -> float:
        day, half_hour = local.day_and_half_hour(moment)
        kind, group = local.kind(day)
        for key in (kind, group, FALLBACK.get(group, "all"), "all"):
            profile = self.profiles.get(key)
            if profile is not None:
                return profile[half_hour]
        return 0.0

    def _lagged(self, table: list[float], lag: float) -> float:
        """``table`` at a fractional lag (half hours), linear between whole lags; past the
        table's end the last entry (``far``) holds."""
        if lag <= 0:
            return table[0]
        last = len(table) - 1
        if lag >= last:
            return table[last]
        lo = int(lag)
        frac = lag - lo
        return table[lo] * (1 - frac) + table[lo + 1] * frac

    def beta_at(self, lag: float) -> float:
        if lag >= STEPS:
            return 0.0
        return self._lagged(self.beta, lag)

    def predict(
        self,
        targets: list[datetime],
        *,
        local: Local,
        events: Events,
        last_at: datetime | None,
        last_value: float | None,
    ) -> list[tuple[int, int, int]]:
        """(expected, low, high) free places at each target time, within [0, capacity]."""
        deviation = 0.0
        if last_at is not None and last_value is not None:
            deviation = last_value - self.profile_at(last_at, local)
            if events.active(last_at, 1):
                deviation -= self.event_effect
        cap = self.capacity
        out = []
        for target in targets:
            lag = (target - last_at).total_seconds() / STEP_S if last_at is not None else 1e9
            base = self.profile_at(target, local)
            if events.active(target, 1):
                base += self.event_effect
            point = base + self.beta_at(lag) * deviation
            lag_q = min(max(lag, 0.0), STEPS + 1.0)
            low = point + self._lagged(self.q_low, lag_q)
            high = point + self._lagged(self.q_high, lag_q)
            expected = min(cap, max(0, round(point)))
            out.append(
                (
                    expected,
                    min(expected, max(0, math.floor(low))),
                    max(expected, min(cap, math.ceil(high))),
                )
            )
        return out


def grid(samples: list[tuple[datetime, float]], local: Local) -> dict[int, float]:
    """Mean of the reports in each local half hour, keyed by slot id."""
    sums: dict[int, list[float]] = {}
    for at, value in samples:
        key = _slot_id(at, local.offset(at))
        cell = sums.get(key)
        if cell is None:
            sums[key] = [value, 1.0]
        else:
            cell[0] += value
            cell[1] += 1.0
    return {k: s / n for k, (s, n) in sums.items()}


def history_days(samples: list[tuple[datetime, float]], tz: ZoneInfo) -> int:
    """Local days with at least ``MIN_DAY_REPORTS`` reports."""
    per_day: dict[date, int] = {}
    for at, _v in samples:
        day = at.astimezone(tz).date()
        per_day[day] = per_day.get(day, 0) + 1
    return sum(1 for n in per_day.values() if n >= MIN_DAY_REPORTS)


def fit(
    samples: list[tuple[datetime, float]],
    *,
    capacity: int,
    tz: ZoneInfo,
    events: Events,
    until: datetime,
) -> Model | None:
    """Fit on the reports before ``until`` (sorted by time); None with too little history."""
    samples = [(at, v) for at, v in samples if at < until and v is not None]
    local = Local(tz)
    days = history_days(samples, tz)
    if days < MIN_DAYS:
        return None
    cells = grid(samples, local)
    if not cells:
        return None
    recent_from = until - timedelta(weeks=PROFILE_WEEKS)
    # Sums per (kind, half hour) and per (group, half hour), market half hours left out.
    by_kind: dict[str, list[list[float]]] = {}
    kind_days: dict[str, set] = {}
    event_res: list[tuple[int, int, str, str]] = []
    info: dict[int, tuple[int, str, str, bool, bool]] = {}
    for key in cells:
        moment = datetime.fromtimestamp(key * STEP_S, UTC)  # local wall time as if UTC
        day, half_hour = moment.date(), moment.hour * 2 + moment.minute // 30
        kind, group = local.kind(day)
        true_moment = moment - timedelta(seconds=local.offset(moment.replace(tzinfo=tz)))
        recent = true_moment >= recent_from
        in_event = events.active(true_moment)
        info[key] = (half_hour, kind, group, recent, in_event)
        if in_event:
            event_res.append((key, half_hour, kind, group))
            continue
        if group != "holiday" and not recent:
            continue
        for name in (kind, group, "all"):
            if name == "all" and group == "holiday":
                continue
            acc = by_kind.get(name)
            if acc is None:
                acc = by_kind[name] = [[0.0, 0.0] for _ in range(SLOTS)]
            acc[half_hour][0] += cells[key]
            acc[half_hour][1] += 1
            kind_days.setdefault(name, set()).add(day)
    means: dict[str, list[float | None]] = {
        name: [s / n if n else None for s, n in acc] for name, acc in by_kind.items()
    }
    profiles: dict[str, list[float]] = {}
    all_profile = _filled(means.get("all"), capacity / 2)
    profiles["all"] = _smooth(all_profile)
    for group in ("work", "rest", "holiday"):
        if group in means:
            parent = profiles.get(FALLBACK[group]) or profiles["all"]
            profiles[group] = _smooth(_filled(means[group], None, parent))
    for name, mean in means.items():
        if name in profiles or name == "all":
            continue
        group = "holiday" if name.startswith("h:") else ("work" if name in WORK else "rest")
        parent = profiles.get(group) or profiles.get(FALLBACK[group]) or profiles["all"]
        n_days = len(kind_days.get(name, ()))
        weight = n_days / (n_days + SHRINK_DAYS)
        own = _filled(mean, None, parent)
        profiles[name] = _smooth(
            [weight * o + (1 - weight) * p for o, p in zip(own, parent, strict=True)]
        )
    model = Model(capacity=capacity, profiles=profiles, days=days)

    def base(key: int) -> float:
        half_hour, kind, group, _r, _e = info[key]
        for name in (kind, group, FALLBACK.get(group, "all"), "all"):
            p = profiles.get(name)
            if p is not None:
                return p[half_hour]
        return 0.0

    if event_res:
        total = sum(cells[k] - base(k) for k, *_ in event_res)
        model.event_effect = total / (len(event_res) + EVENT_SHRINK)
        model.event_slots = len(event_res)
    # Deviations from the profile over the recent weeks; their decay and the errors.
    residual = {}
    for key, (_h, _k, _g, recent, in_event) in info.items():
        if recent:
            residual[key] = cells[key] - base(key) - (model.event_effect if in_event else 0.0)
    beta = [1.0]
    q_low, q_high = [0.0], [0.0]
    for lag in range(1, STEPS + 1):
        pairs = [(r, residual[k + lag]) for k, r in residual.items() if k + lag in residual]
        num = sum(a * b for a, b in pairs)
        den = sum(a * a for a, _b in pairs)
        b = num / den if den > 0 else 0.0
        b = min(max(b, 0.0), beta[-1])
        beta.append(b)
        errors = [after - b * now for now, after in pairs]
        q_low.append(_quantile(errors, LOW_Q))
        q_high.append(_quantile(errors, HIGH_Q))
    values = list(residual.values())
    q_low.append(_quantile(values, LOW_Q))
    q_high.append(_quantile(values, HIGH_Q))
    model.beta, model.q_low, model.q_high = beta, q_low, q_high
    return model


WORK = {"0", "1", "2", "3", "4", "makeup"}


def _filled(values, default, parent=None) -> list[float]:
    """Missing half hours take the parent profile's value (or the default)."""
    if values is None:
        return list(parent) if parent else [default] * SLOTS
    return [
        v if v is not None else (parent[i] if parent else default) for i, v in enumerate(values)
    ]


def _smooth(values: list[float]) -> list[float]:
    """A light [1/4, 1/2, 1/4] smoothing around the day's circle."""
    n = len(values)
    return [
        0.25 * values[(i - 1) % n] + 0.5 * values[i] + 0.25 * values[(i + 1) % n] for i in range(n)
    ]
