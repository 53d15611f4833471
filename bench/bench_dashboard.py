"""The dashboard summary at scale: read from the monthly rollup counters against live aggregation.

Both answer the same summary (every figure, plus twelve months of trends) for the
largest organisation subtree in the prepared database, in the same run:

* ours: ``summary(org, period)`` reading the ``MonthlyCount`` rollups (refreshed first;
  the refresh time is reported too, as is the periodic refresh of the last two months);
* baseline: ``summary(org, period, live=True)``, every figure computed by the owning
  app's figure function straight from drivers, requests, service records and events.

Also: the same summary through the HTTP API (``GET /api/v1/dashboard/summary``) and the
number of SQL queries each path runs.
"""

from __future__ import annotations

from datetime import date

from bench.harness import Result, benchmark, measure


def _largest_subtree():
    from django.db.models import Count

    from driverhome.accounts.models import Organisation

    roots = Organisation.objects.filter(parent__isnull=True)
    best = None
    for root in roots:
        size = Organisation.objects.filter(path__startswith=root.path).count()
        if best is None or size > best[1]:
            best = (root, size)
    if best is None:
        return None, None
    # A district-sized subtree too: the child of the root with the most descendants.
    children = (
        Organisation.objects.filter(parent=best[0])
        .annotate(n=Count("children"))
        .order_by("-n", "pk")
    )
    return best[0], children.first()


def _queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx)


def _timed_queries(fn) -> tuple[float, int]:
    """One run: (seconds, SQL queries)."""
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - started
    return elapsed, len(ctx)


@benchmark("dashboard summary")
def dashboard_summary(ctx):
    ctx.db()
    import time

    from driverhome.dashboard import actions
    from driverhome.dashboard import summary as S

    root, district = _largest_subtree()
    if root is None:
        return [Result("dashboard summary", None, None, "ms", note="no organisations")]
    results = []

    started = time.perf_counter()
    run = actions.refresh_rollups()
    full_refresh = time.perf_counter() - started
    results.append(
        Result(
            "rollups: full rebuild (all months, all counters)",
            full_refresh,
            None,
            "s",
            note=f"{run.rows:,} counter rows from {len(run.counters)} counters",
        )
    )
    # At province scale every pass over the records takes tens of seconds: one run each for
    # the refresh and the live path, no warm-up (the buffer cache is warm from the rebuild).
    big = ctx.sizes.get("drivers", 0) >= 500_000
    recent = measure(
        lambda: actions.refresh_recent(),
        repeat=1 if big else min(ctx.repeat, 3),
        warmup=0 if big else 1,
    )
    results.append(
        Result(
            "rollups: periodic refresh (current and previous month)",
            recent,
            full_refresh,
            "s",
            note="baseline: the full rebuild",
        )
    )

    year = S.preset_period("last-12", date.today())
    live_repeat = 1 if big else max(1, min(ctx.repeat, 3))
    for org, label in ((root, "province"), (district, "district")):
        if org is None:
            continue
        for period, period_label in ((year, "last 12 months"), (S.Period(), "all time")):
            ours = measure(lambda o=org, p=period: S.summary(o, p), repeat=ctx.repeat)
            # The first live run counts the queries and serves as the warm-up of the others.
            live, q_live = _timed_queries(lambda o=org, p=period: S.summary(o, p, live=True))
            if live_repeat > 1:
                live = measure(
                    lambda o=org, p=period: S.summary(o, p, live=True),
                    repeat=live_repeat,
                    warmup=0,
                )
            q_ours = _queries(lambda o=org, p=period: S.summary(o, p))
            results.append(
                Result(
                    f"summary, {label} ({org.code}), {period_label}: rollups vs live",
                    ours * 1000,
                    live * 1000,
                    "ms",
                    note=f"{q_ours} queries vs {q_live}",
                )
            )

    # Through the API, as the page's JavaScript-free clients and other systems call it.
    import httpx

    url = ctx.server_url()
    token = ctx.api_token("admin")
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=600
    ) as client:

        def call(live=False):
            query = {"org": root.code, "from": year.start.isoformat(), "to": year.end.isoformat()}
            if live:
                query["live"] = "true"
            response = client.get("/api/v1/dashboard/summary", params=query)
            response.raise_for_status()

        ours = measure(call, repeat=ctx.repeat)
        live = measure(lambda: call(live=True), repeat=live_repeat, warmup=0)
    results.append(
        Result(
            f"GET /api/v1/dashboard/summary ({root.code}, last 12 months): rollups vs live",
            ours * 1000,
            live * 1000,
            "ms",
        )
    )
    return results
