"""The backtest over the deployment's own history: per site and quantity, and pooled."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ..models import Station
from . import backtest, event_spans, history
from .model import HISTORY_DAYS

LABELS = {"trucks": "free truck bays", "beds": "free beds"}


def evaluate(stations, *, weeks: int = 4, every_hours: int = 3) -> dict:
    """``{"sites": [{code, quantity, capacity, rows}], "pooled": {quantity: rows}}``; a site
    or quantity with too little history has no rows."""
    now = timezone.now()
    pooled = {name: backtest.Errors() for name in LABELS}
    sites = []
    for station in stations:
        since = now - timedelta(days=HISTORY_DAYS + weeks * 7)
        series = history(station, since)
        events = event_spans([station.pk], since, now)[station.pk]
        for name, capacity in (("trucks", station.truck_bays), ("beds", station.beds)):
            if not capacity or not series[name]:
                continue
            errors = backtest.run(
                series[name],
                capacity=capacity,
                tz=station.tz,
                events=events,
                weeks=weeks,
                every_hours=every_hours,
            )
            pooled[name].merge(errors)
            sites.append(
                {
                    "code": station.code,
                    "quantity": name,
                    "capacity": capacity,
                    "rows": errors.rows(),
                }
            )
    return {"sites": sites, "pooled": {name: e.rows() for name, e in pooled.items()}}


def format_rows(rows: list[dict]) -> list[str]:
    """A plain-text table: MAE / RMSE in places and MAE as a share of capacity."""
    out = [
        f"{'horizon':>8} {'n':>6}  {'model MAE':>9} {'RMSE':>6} {'%cap':>5}  "
        f"{'persist MAE':>11} {'RMSE':>6} {'%cap':>5}  {'seasonal MAE':>12} {'RMSE':>6} "
        f"{'%cap':>5}  {'gain':>6} {'cover':>6}"
    ]
    for r in rows:
        out.append(
            f"{r['horizon']:>6}min {r['samples']:>6}  {r['model_mae']:>9.1f} {r['model_rmse']:>6.1f} "
            f"{100 * r['model_share']:>4.1f}%  {r['persistence_mae']:>11.1f} "
            f"{r['persistence_rmse']:>6.1f} {100 * r['persistence_share']:>4.1f}%  "
            f"{r['seasonal_mae']:>12.1f} {r['seasonal_rmse']:>6.1f} "
            f"{100 * r['seasonal_share']:>4.1f}%  {100 * r['gain']:>5.0f}% "
            f"{100 * r['coverage']:>5.0f}%"
        )
    return out


def stations_for(code: str | None):
    qs = Station.objects.public().order_by("code")
    return qs.filter(code=code) if code else qs
