"""``driverhome synth``: fill an empty database with synthetic data at any scale."""

from __future__ import annotations

import os
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError


def _positive(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise CommandError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise CommandError(f"{text!r} is negative")
    return value


class Command(BaseCommand):
    help = (
        "Generate realistic, internally consistent synthetic data (organisations, staff, sites, "
        "drivers and families, apartments, requests with their transitions, service records, "
        "events, check-ins) with bulk inserts. Deterministic for a seed and an as-of date."
    )

    def add_arguments(self, parser):
        parser.add_argument("--drivers", type=_positive, default=30_000)
        parser.add_argument("--sites", type=_positive, default=3_000)
        parser.add_argument("--requests", type=_positive, default=10_000)
        parser.add_argument("--services", type=_positive, default=200_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=None,
            help="the day the data ends (YYYY-MM-DD, default today)",
        )
        parser.add_argument(
            "--only", action="append", default=[], help="run only these generators (repeatable)"
        )
        parser.add_argument(
            "--workers",
            type=_positive,
            default=max(2, os.cpu_count() or 1),
            help="parallel worker processes, one group of districts each (default: the cores)",
        )
        parser.add_argument(
            "--district-size",
            type=_positive,
            default=30_000,
            help="drivers per district (default 30,000, like Beilun)",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **opts):
        from driverhome.core.synth import GENERATORS, Sizes, SynthContext, run
        from driverhome.core.synth.progress import Progress

        unknown = set(opts["only"]) - set(GENERATORS)
        if unknown:
            raise CommandError(
                f"unknown generator(s): {', '.join(sorted(unknown))}; known: {', '.join(GENERATORS)}"
            )
        sizes = Sizes(
            drivers=opts["drivers"],
            sites=opts["sites"],
            requests=opts["requests"],
            services=opts["services"],
        )
        ctx = SynthContext(
            sizes=sizes,
            seed=opts["seed"],
            as_of=opts["as_of"] or date.today(),
            progress=Progress(enabled=not opts["no_progress"]),
            workers=max(1, opts["workers"]),
            district_size=max(1, opts["district_size"]),
        )
        started = time.perf_counter()
        run(ctx, only=opts["only"] or None)
        elapsed = time.perf_counter() - started
        for label, rows, seconds in ctx.progress.summary:
            self.stdout.write(f"  {label:<24} {rows:>12,} rows  {seconds:8.1f} s")
        if ctx.skipped:
            self.stdout.write(
                f"  not generated (app models absent or not asked for): {', '.join(ctx.skipped)}"
            )
        self.stdout.write(self.style.SUCCESS(f"synthetic data ready in {elapsed:.1f} s"))
