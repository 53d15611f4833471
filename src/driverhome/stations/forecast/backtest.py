"""Rolling-origin backtest of the forecast against persistence and seasonal naive. Pure Python.

For each origin (every ``every`` hours over the last ``weeks`` weeks of a site's history) the
three forecasts use only what was known at the origin:

* **model**: fitted on the reports before the origin's week (refitted weekly, as the nightly
  job would be), its deviation taken from the last report at or before the origin;
* **persistence**: the last report at or before the origin;
* **seasonal naive**: the report nearest to the target time one week earlier.

The truth is the report nearest to the target time (within ``TRUTH_WINDOW``); a target
without a report, or without a report a week earlier, is left out for all three alike.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .model import Events, Local, fit

HORIZONS = [30, 60, 90, 120, 240, 480]  # minutes
TRUTH_WINDOW = timedelta(minutes=15)
METHODS = ("model", "persistence", "seasonal")


@dataclass
class Errors:
    """Absolute and squared errors per (method, horizon), also as shares of capacity."""

    abs: dict = field(default_factory=dict)
    sq: dict = field(default_factory=dict)
    share: dict = field(default_factory=dict)
    n: dict = field(default_factory=dict)
    covered: dict = field(default_factory=dict)  # truth inside the model's interval

    def add(self, method: str, horizon: int, error: float, capacity: int) -> None:
        key = (method, horizon)
        self.abs[key] = self.abs.get(key, 0.0) + abs(error)
        self.sq[key] = self.sq.get(key, 0.0) + error * error
        self.share[key] = self.share.get(key, 0.0) + abs(error) / capacity
        self.n[key] = self.n.get(key, 0) + 1

    def merge(self, other: Errors) -> None:
        for name in ("abs", "sq", "share", "n", "covered"):
            mine, theirs = getattr(self, name), getattr(other, name)
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value

    def rows(self) -> list[dict]:
        """One row per horizon: MAE, RMSE and MAE share per method, the gain over the better
        baseline (positive: the model's MAE is that much lower) and the interval's coverage."""
        out = []
        for h in HORIZONS:
            n = self.n.get(("model", h), 0)
            if not n:
                continue
            row = {"horizon": h, "samples": n}
            for m in METHODS:
                row[f"{m}_mae"] = self.abs[(m, h)] / n
                row[f"{m}_rmse"] = math.sqrt(self.sq[(m, h)] / n)
                row[f"{m}_share"] = self.share[(m, h)] / n
            best = min(row["persistence_mae"], row["seasonal_mae"])
            row["gain"] = 1 - row["model_mae"] / best if best else 0.0
            row["coverage"] = self.covered.get(h, 0) / n
            out.append(row)
        return out


def _nearest(times: list[float], values: list, t: float, window: float):
    i = bisect_left(times, t)
    best = None
    for j in (i - 1, i):
        if 0 <= j < len(times) and abs(times[j] - t) <= window:
            if best is None or abs(times[j] - t) < abs(times[best] - t):
                best = j
    return values[best] if best is not None else None


def run(
    samples: list[tuple[datetime, float]],
    *,
    capacity: int,
    tz: ZoneInfo,
    events: Events,
    weeks: int = 4,
    every_hours: int = 3,
) -> Errors:
    """Backtest one quantity of one site over its last ``weeks`` weeks."""
    errors = Errors()
    samples = [(at, v) for at, v in samples if v is not None]
    if not samples or not capacity:
        return errors
    times = [at.timestamp() for at, _v in samples]
    values = [v for _at, v in samples]
    local = Local(tz)
    end = samples[-1][0]
    window = TRUTH_WINDOW.total_seconds()
    for week in range(weeks, 0, -1):
        week_start = end - timedelta(weeks=week)
        model = fit(samples, capacity=capacity, tz=tz, events=events, until=week_start)
        if model is None:
            continue
        origin = week_start
        week_end = week_start + timedelta(weeks=1)
        while origin < week_end:
            t0 = origin.timestamp()
            i = bisect_right(times, t0) - 1
            if i >= 0:
                last_at, last_value = samples[i]
                targets = [origin + timedelta(minutes=h) for h in HORIZONS]
                predicted = model.predict(
                    targets, local=local, events=events, last_at=last_at, last_value=last_value
                )
                for h, target, (point, low, high) in zip(HORIZONS, targets, predicted, strict=True):
                    t = target.timestamp()
                    truth = _nearest(times, values, t, window)
                    seasonal = _nearest(times, values, t - 7 * 86400, window)
                    if truth is None or seasonal is None:
                        continue
                    errors.add("model", h, point - truth, capacity)
                    errors.add("persistence", h, last_value - truth, capacity)
                    errors.add("seasonal", h, seasonal - truth, capacity)
                    if low <= truth <= high:
                        errors.covered[h] = errors.covered.get(h, 0) + 1
            origin += timedelta(hours=every_hours)
    return errors
