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

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}:{name}")

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


def run(ctx: SynthContext, *, only: list[str] | None = None) -> SynthContext:
    from django.db import connection

    from . import bulk

    bulk.SEED, bulk.NOW = ctx.seed, ctx.now
    _tune(connection)
    for name in GENERATORS:
        module = optional_import(f"driverhome.core.synth.{name}")
        if module is None or (only and name not in only) or not module.available():
            ctx.skipped.append(name)
            continue
        module.generate(ctx)
        ctx.done.append(name)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")
            cursor.execute("ANALYZE")
    return ctx


def _tune(connection) -> None:
    """Bulk-load settings for this connection only (not inside a transaction, e.g. in tests)."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit TO off")
        else:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-200000")
            cursor.execute("PRAGMA temp_store=MEMORY")
