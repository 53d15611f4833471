"""Synthetic data at any scale (``driverhome synth``): one generator module per app.

Each module ``core/synth/<app>.py`` offers ``available() -> bool`` (its app's
models exist) and ``generate(ctx)``; they run in the order of ``GENERATORS`` and
share what they made through ``ctx`` (organisation, site, user and driver
ids). Everything is drawn from ``random.Random`` seeded with the seed and the
generator's name, and dated relative to ``as_of``, so a seed and a date give
the same rows every time. Inserts go through :mod:`.bulk` (``executemany`` on
SQLite, ``COPY`` on PostgreSQL).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from driverhome.core.modules import optional_import

from .progress import Progress

GENERATORS = ["accounts", "stations", "drivers", "visits", "services", "appeals", "events"]
# The first two build what every district shares; the rest run per group of districts,
# in parallel worker processes when there are several districts (``--workers``).
SHARED_GENERATORS = ["accounts", "stations"]
DISTRICT_GENERATORS = ["drivers", "visits", "services", "appeals", "events"]


@dataclass
class Sizes:
    drivers: int = 30_000
    sites: int = 3_000
    requests: int = 10_000
    services: int = 200_000


@dataclass
class SynthContext:
    sizes: Sizes
    seed: int = 2026
    as_of: date = field(default_factory=date.today)
    progress: Progress = field(default_factory=Progress)
    password_hash: str = "!"
    shared: dict = field(default_factory=dict)  # what the generators pass on to each other
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    workers: int = 1
    district_size: int = 30_000  # drivers per district, as in Beilun
    # This process's share: drivers [lo, hi) of the district group ``group`` out of ``groups``.
    group: int = 0
    groups: int = 1
    lo: int = 0
    hi: int = 0

    def rng(self, name: str) -> random.Random:
        suffix = f":{self.group}" if self.groups > 1 else ""
        return random.Random(f"{self.seed}:{name}{suffix}")

    def share(self, total: int) -> int:
        """This group's part of ``total`` rows spread evenly over all drivers."""
        n = self.sizes.drivers or 1
        return total * self.hi // n - total * self.lo // n

    def districts_here(self) -> list[dict]:
        return [d for d in self.shared["districts"] if d["index"] in self.shared["group_districts"]]

    @property
    def now(self) -> datetime:
        """The end of ``as_of`` in UTC: every generated moment lies before it."""
        return datetime.combine(self.as_of, time(9, 0), tzinfo=UTC)

    def moment(self, rng: random.Random, days_back: float, *, days_min: float = 0) -> datetime:
        """A moment between ``days_back`` and ``days_min`` days before ``now``, in working hours mostly."""
        day = self.now - timedelta(days=rng.uniform(days_min, days_back))
        return day.replace(
            hour=rng.choice((0, 1, 2, 3, 5, 6, 7, 8, 10, 12)), minute=rng.randrange(60)
        )


def _modules(only):
    out = []
    for name in GENERATORS:
        module = optional_import(f"driverhome.core.synth.{name}")
        if module is None or (only and name not in only) or not module.available():
            out.append((name, None))
        else:
            out.append((name, module))
    return out


def run(ctx: SynthContext, *, only: list[str] | None = None) -> SynthContext:
    from django.db import connection

    from . import bulk

    bulk.SEED, bulk.NOW = ctx.seed, ctx.now
    _tune(connection)
    modules = _modules(only)
    for name, module in modules:
        if name in SHARED_GENERATORS:
            if module is None:
                ctx.skipped.append(name)
            else:
                module.generate(ctx)
                ctx.done.append(name)
    per_district = [(name, m) for name, m in modules if name in DISTRICT_GENERATORS]
    districts = ctx.shared.get("districts") or []
    n = ctx.sizes.drivers
    groups = max(1, min(ctx.workers, len(districts))) if not connection.in_atomic_block else 1
    ctx.shared["driver_count"] = n
    if per_district and "drivers" in [name for name, m in per_district if m is not None]:
        from driverhome.drivers.models import Driver

        ctx.shared["driver_first_id"] = bulk.next_id(Driver)
    for _name, module in per_district:
        if module is not None and hasattr(module, "prepare"):
            module.prepare(ctx)  # shared catalogues, loaded once before the workers start
    with bulk.deferred_indexes(progress=ctx.progress):
        _run_districts(ctx, per_district, districts, n, groups)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # VACUUM as well outside a transaction: it sets the freshly copied rows' hint bits
            # and the visibility map once, instead of the first queries that read them.
            if connection.in_atomic_block:
                cursor.execute("ANALYZE")
            else:
                cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")
            cursor.execute("ANALYZE")
    return ctx


def _run_districts(ctx, per_district, districts, n, groups) -> None:
    from django.db import connections

    from . import bulk

    plans = []
    for g in range(groups):
        d_lo, d_hi = g * len(districts) // groups, (g + 1) * len(districts) // groups
        lo = d_lo * n // max(1, len(districts))
        hi = d_hi * n // max(1, len(districts))
        plans.append((g, set(range(d_lo, d_hi)), lo, hi))
    if groups == 1:
        ctx.group, ctx.groups, ctx.lo, ctx.hi = 0, 1, 0, n
        ctx.shared["group_districts"] = set(range(len(districts)))
        _run_district_generators(ctx, per_district)
    else:
        bulk.plan_blocks(ctx, plans)
        connections.close_all()
        _run_parallel(ctx, per_district, plans)
        ctx.done += [name for name, m in per_district if m is not None]
        ctx.skipped += [name for name, m in per_district if m is None]
    _finish(ctx, per_district)


def _run_district_generators(ctx, per_district) -> None:
    for name, module in per_district:
        if module is None:
            if name not in ctx.skipped:
                ctx.skipped.append(name)
            continue
        module.generate(ctx)
        if name not in ctx.done:
            ctx.done.append(name)


def _child(ctx, per_district, plan, queue) -> None:
    from django.db import connection

    from . import bulk

    group, district_set, lo, hi = plan
    ctx.group, ctx.lo, ctx.hi = group, lo, hi
    ctx.shared["group_districts"] = district_set
    ctx.progress.summary = []
    ctx.progress.enabled = ctx.progress.enabled and group == 0
    ctx.progress.prefix = f"[1/{ctx.groups}] " if ctx.groups > 1 else ""
    bulk.use_blocks(group)
    try:
        _tune(connection)
        _run_district_generators(ctx, per_district)
        queue.put((group, ctx.progress.summary, ctx.shared.get("appeal_status", {}), None))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails loudly
        import traceback

        queue.put((group, [], {}, "".join(traceback.format_exception(exc))))
    finally:
        connection.close()


def _run_parallel(ctx, per_district, plans) -> None:
    import multiprocessing

    from django.core.management.base import CommandError

    ctx.groups = len(plans)
    mp = multiprocessing.get_context("fork")
    queue = mp.Queue()
    processes = [mp.Process(target=_child, args=(ctx, per_district, plan, queue)) for plan in plans]
    for process in processes:
        process.start()
    failures = []
    totals: dict[str, list] = {}
    for _ in processes:
        group, summary, _statuses, error = queue.get()
        if error:
            failures.append(f"worker {group}: {error}")
        for label, rows, seconds in summary:
            entry = totals.setdefault(label, [0, 0.0])
            entry[0] += rows
            entry[1] = max(entry[1], seconds)
    for process in processes:
        process.join()
    if failures:
        raise CommandError("synthetic data generation failed:\n" + "\n".join(failures))
    ctx.progress.summary = [s for s in ctx.progress.summary] + [
        (label, rows, seconds) for label, (rows, seconds) in totals.items()
    ]


def _finish(ctx, per_district) -> None:
    """What needs every group's rows: sequences, and the per-day tracking counters."""
    from . import bulk

    bulk.use_blocks(None)
    names = {name for name, m in per_district if m is not None}
    if "appeals" in names:
        from .appeals import write_tracking_counters

        write_tracking_counters()
    bulk.reset_all_sequences()


def _tune(connection) -> None:
    """Bulk-load settings for this connection only (not inside a transaction, e.g. in tests)."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit TO off")
        else:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA busy_timeout=600000")  # parallel workers queue for the lock
            cursor.execute("PRAGMA cache_size=-200000")
            cursor.execute("PRAGMA temp_store=MEMORY")
