"""The free-place forecast (issue: "will there be a place when I get there?"), in one run:

* **backtest**: rolling origin over the last four weeks of the sites with a long synthetic
  history (``core/synth/availability.py``; a district's own sites get a year of reports),
  the model against persistence and seasonal naive, MAE per horizon; the full table (RMSE,
  shares of capacity, coverage of the 80 % interval) goes into ``docs/performance.md``;
* **refit**: fitting a site's two models on its year of reports (the nightly part);
* **refresh**: the 15-minute job over every site (3,000 at the national network's size).
  Only the long-history sites can train, so every other site gets a copy of a trained
  model first: the refresh's work per site (read the model, predict 24 half hours for two
  quantities, write the row) does not depend on whose model it is;
* **read**: the forecast of one site for a page or the API, in process and over HTTP.

The history is synthetic; the document says so next to the table.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bench.harness import Result, benchmark, measure

ROOT = Path(__file__).resolve().parent.parent


def _long_history_sites(now):
    from driverhome.stations.models import AvailabilityUpdate, Station

    old = (
        AvailabilityUpdate.objects.filter(at__lt=now - timedelta(days=30))
        .values_list("station_id", flat=True)
        .distinct()
    )
    return list(Station.objects.public().filter(pk__in=list(old)).order_by("code"))


def _write_doc(result: dict, sites: int, engine: str) -> None:
    from bench.report import replace_section
    from driverhome.stations.forecast.evaluate import LABELS, format_rows

    parts = [
        f"{sites} sites with a year of **synthetic** reports ({engine}); pooled over the sites.",
        "",
    ]
    for name, rows in result["pooled"].items():
        parts += [f"{LABELS[name]}:", "", "```", *format_rows(rows), "```", ""]
    doc = ROOT / "docs" / "performance.md"
    doc.write_text(replace_section(doc.read_text(), "forecast", "\n".join(parts).rstrip()))


@benchmark("free-place forecast")
def forecast_bench(ctx):
    import httpx
    from django.utils import timezone

    from driverhome.stations import forecast
    from driverhome.stations.forecast.evaluate import evaluate
    from driverhome.stations.models import Station, StationForecast

    ctx.db()
    now = timezone.now()
    trained = _long_history_sites(now)
    if not trained:
        return [Result("forecast (no site with a long history)", None, None, "places")]
    results = []
    result = evaluate(trained, weeks=4, every_hours=3)
    _write_doc(result, len(trained), ctx.engine)
    for name, label in (("trucks", "truck bays"), ("beds", "beds")):
        for row in result["pooled"][name]:
            best = min(row["persistence_mae"], row["seasonal_mae"])
            results.append(
                Result(
                    f"forecast MAE {row['horizon']} min, {label}",
                    row["model_mae"],
                    best,
                    "places",
                    note=(
                        f"synthetic; baseline = better of persistence "
                        f"{row['persistence_mae']:.1f} / seasonal {row['seasonal_mae']:.1f}; "
                        f"interval covers {100 * row['coverage']:.0f} %"
                    ),
                )
            )
    stats = forecast.refresh(trained, refit=True)
    results.append(
        Result(
            "forecast refit per site (a year of reports)",
            stats.fit_seconds / max(1, stats.refitted),
            None,
            "s",
            note=f"{stats.refitted} sites, two quantities each",
        )
    )
    # Every other site gets a trained model's copy, then the whole refresh is timed.
    donor = StationForecast.objects.get(station=trained[0])
    everyone = list(Station.objects.public().order_by("pk"))
    forecast.refresh(everyone, refit=False)  # creates the missing rows (fits nothing new)
    StationForecast.objects.filter(model={}).update(
        model=donor.model, trained_at=now, history_days=donor.history_days
    )
    refresh_s = measure(lambda: forecast.refresh(everyone, refit=False), repeat=3, warmup=1)
    results.append(
        Result(
            "forecast refresh, every site",
            refresh_s,
            None,
            "s",
            note=f"{len(everyone):,} sites, the 15-minute job, one process",
        )
    )
    site = trained[0]
    read_s = measure(lambda: forecast.presented(site), repeat=max(ctx.repeat, 20), warmup=2)
    client = httpx.Client(base_url=ctx.server_url(), timeout=30)
    url = f"/api/v1/stations/{site.code}/forecast?arrive_in_minutes=60"
    client.get(url).raise_for_status()
    api_s = measure(lambda: client.get(url).raise_for_status(), repeat=max(ctx.repeat, 20))
    client.close()
    results.append(Result("forecast read, in process", read_s * 1000, None, "ms"))
    results.append(Result("forecast read, API", api_s * 1000, None, "ms", note="gunicorn"))
    return results
