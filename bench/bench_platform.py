"""Platform-wide figures: keyset pagination against OFFSET at depth, and the bare HTTP stack.

* Keyset vs OFFSET: the same page of the largest lists (requests by intake time,
  drivers by creation) fetched the way the platform does (``core.pagination``
  with a cursor) and with ``OFFSET`` at the same depth. Keyset cost stays flat
  as the list grows; OFFSET grows with the depth.
* ``/healthz`` under load: the floor of one request through gunicorn and the
  middleware stack on this machine, for reading the HTTP figures of the other benchmarks.
"""

from __future__ import annotations

from bench.harness import Result, benchmark, measure


def _deep_page(qs, order: str, depth_share: float, repeat: int) -> tuple[float, float, int]:
    from driverhome.core.pagination import encode_cursor, paginate

    field = order.lstrip("-")
    total = qs.count()
    depth = max(0, int(total * depth_share) - 1)
    anchor = qs.order_by(order, "-pk" if order.startswith("-") else "pk").values_list(field, "pk")[
        depth
    ]
    cursor = encode_cursor([anchor[0], anchor[1]])
    ordered = qs.order_by(order, "-pk" if order.startswith("-") else "pk")

    def keyset():
        page = paginate(qs, order=order, cursor=cursor, page_size=50)
        assert len(page.items) > 0

    def offset():
        rows = list(ordered[depth + 1 : depth + 51])
        assert len(rows) > 0

    return measure(keyset, repeat), measure(offset, repeat), depth


@benchmark("keyset pagination")
def keyset_pagination(ctx):
    from driverhome.core.modules import optional_import

    ctx.db()
    results = []
    appeals = optional_import("driverhome.appeals.models")
    if appeals is not None and appeals.Appeal.objects.exists():
        ours, base, depth = _deep_page(
            appeals.Appeal.objects.all(), "-received_at", 0.9, ctx.repeat
        )
        results.append(
            Result(
                "requests list, page at 90 % depth (keyset vs OFFSET)",
                ours * 1000,
                base * 1000,
                "ms",
                note=f"OFFSET {depth:,}",
            )
        )
    drivers = optional_import("driverhome.drivers.models")
    if drivers is not None and drivers.Driver.objects.exists():
        ours, base, depth = _deep_page(drivers.Driver.objects.all(), "-created_at", 0.9, ctx.repeat)
        results.append(
            Result(
                "drivers list, page at 90 % depth (keyset vs OFFSET)",
                ours * 1000,
                base * 1000,
                "ms",
                note=f"OFFSET {depth:,}",
            )
        )
    return results


@benchmark("http floor")
def http_floor(ctx):
    ctx.server_url()
    stats = ctx.http_load([("GET", "/healthz", {})], total=3000, concurrency=8, duration=20)
    return [
        Result(
            "GET /healthz under load (8 clients, 2 workers)",
            stats.throughput,
            None,
            "req/s",
            p50=stats.p50_ms,
            p99=stats.p99_ms,
            note=f"{stats.requests:,} requests, {stats.errors} errors; p50/p99 in ms",
        )
    ]
