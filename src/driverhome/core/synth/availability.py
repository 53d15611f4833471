"""Synthetic free-place history of one site: what a year of sensor and desk reports looks like.

Used by the Beilun demo (``stations/demo.py``) and ``driverhome synth``. The occupied share
of the park follows, every ten minutes:

* a **day shape** per kind of day: a night peak (drivers sleep in their cabs) whose hour and
  height differ per site, a midday port queue on working days, a fuller Saturday daytime,
  an early Sunday-evening peak (drivers arrive for Monday), make-up working days (调休) like
  working days;
* **holidays**: the Spring Festival empties the park (drivers go home, from a few days
  before), National Day thins it, the other statutory holidays look like a quiet Sunday;
* **market days**: a Red Collar Market brings trucks in for its morning;
* a **day level** drawn per day, a slow **random drift** (hours-long), **shocks** (a port
  closure fills the park in minutes and drains over hours) and **count noise** per report.

Reports come every 10-30 minutes, with **gaps** of hours when a sensor is offline. Nothing
is trivially predictable: the same time a week earlier misses the day level, the drift and
the holidays; the last count misses the evening ramp and carries the count noise.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from driverhome.core import workdays

TICK = timedelta(minutes=10)


def _bump(hour: float, centre: float, width: float) -> float:
    """A smooth bump on the 24-hour circle, 1 at ``centre``."""
    d = abs(hour - centre) % 24
    d = min(d, 24 - d)
    return math.exp(-0.5 * (d / width) ** 2)


def market_days(start: date, end: date) -> list[date]:
    """Second and last Saturdays of each month, statutory holidays left out: the rule of the
    demo's Red Collar Market schedule (``events/demo.py``)."""
    days = []
    day = start
    while day <= end:
        if day.weekday() == 5 and workdays.holiday_name(day) is None:
            nth = (day.day - 1) // 7 + 1
            last = (day + timedelta(days=7)).month != day.month
            if nth == 2 or last:
                days.append(day)
        day += timedelta(days=1)
    return days


def market_spans(days: list[date], tz: ZoneInfo, opens=time(9), closes=time(12)):
    return [
        (datetime.combine(d, opens, tzinfo=tz), datetime.combine(d, closes, tzinfo=tz))
        for d in days
    ]


class Site:
    """The hidden behaviour of one site, drawn from ``rng``."""

    def __init__(self, rng: random.Random):
        self.peak = 22.0 + rng.gauss(0, 1.0)
        self.night = rng.uniform(0.38, 0.55)
        self.base = rng.uniform(0.22, 0.34)
        self.midday = rng.uniform(0.0, 0.15)
        self.bed_peak = self.peak + 1.0
        self.market = rng.uniform(0.15, 0.3)

    def occupied(self, local: datetime) -> tuple[float, float]:
        """Expected occupied share of truck bays and of beds at a local time."""
        day = local.date()
        hour = local.hour + local.minute / 60
        holiday = workdays.holiday_name(day)
        working = workdays.is_working_day(day)
        weekday = day.weekday()
        trucks = self.base + self.night * _bump(hour, self.peak, 4.5)
        beds = 0.15 + 0.75 * _bump(hour, self.bed_peak, 3.5)
        if holiday == "Spring Festival" or _before_spring_festival(day):
            trucks, beds = 0.06 + 0.12 * _bump(hour, self.peak, 4), beds * 0.25
        elif holiday == "National Day":
            trucks, beds = (
                0.7 * self.base + 0.6 * self.night * _bump(hour, self.peak, 5),
                0.6 * beds,
            )
        elif holiday:
            trucks = self.base + 0.1 + 0.7 * self.night * _bump(hour, self.peak - 1, 5)
            beds *= 0.8
        elif working:
            trucks += self.midday * _bump(hour, 13, 2)
        elif weekday == 5:
            trucks = self.base + 0.12 + 0.8 * self.night * _bump(hour, self.peak, 6)
            beds = 0.3 + 0.55 * _bump(hour, self.bed_peak, 5)
        else:  # Sunday: drivers arrive in the evening for Monday's loads
            trucks = self.base + 0.05 + self.night * _bump(hour, self.peak - 1.5, 4)
        return trucks, beds


def _before_spring_festival(day: date) -> bool:
    """The days before the holiday, when the park already empties."""
    for ahead in range(1, 4):
        if workdays.holiday_name(day + timedelta(days=ahead)) == "Spring Festival":
            return True
    return False


def history(
    rng: random.Random,
    *,
    truck_bays: int,
    beds: int,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    markets: list[tuple[datetime, datetime]] = (),
) -> list[tuple[datetime, int | None, int | None]]:
    """Reports ``(at, free truck bays, free beds)`` from ``start`` to ``end`` (aware datetimes)."""
    site = Site(rng)
    out = []
    drift_t = drift_b = shock = 0.0
    level_day, level = None, 0.0
    next_report = start + timedelta(minutes=rng.uniform(0, 30))
    spans = sorted(markets)
    at = start
    while at < end:
        local = at.astimezone(tz)
        if local.date() != level_day:
            level_day, level = local.date(), rng.gauss(0, 0.05)
        drift_t = 0.97 * drift_t + rng.gauss(0, 0.013)
        drift_b = 0.97 * drift_b + rng.gauss(0, 0.013)
        shock *= 0.955  # half-life about 2.5 hours
        if rng.random() < 1 / (4 * 144):  # about one every four days
            shock += rng.uniform(0.15, 0.35)
        if at >= next_report:
            trucks_o, beds_o = site.occupied(local)
            for s, e in spans:
                if s <= at < e:
                    trucks_o += site.market
            trucks_o += level + drift_t + shock
            beds_o += level / 2 + drift_b
            free_t = round(truck_bays * (1 - trucks_o) + rng.gauss(0, 0.02 * truck_bays))
            free_b = round(beds * (1 - beds_o) + rng.gauss(0, 0.03 * beds)) if beds else None
            out.append(
                (
                    at,
                    max(0, min(truck_bays, free_t)) if truck_bays else None,
                    max(0, min(beds, free_b)) if free_b is not None else None,
                )
            )
            step = rng.uniform(10, 30)
            if rng.random() < 0.004:  # the sensor goes offline for hours
                step += rng.uniform(120, 600)
            next_report = at + timedelta(minutes=step)
        at += TICK
    return out
