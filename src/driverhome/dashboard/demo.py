"""Demo: build the dashboard's monthly counters from the records the other apps' demos made."""

from __future__ import annotations

from . import actions
from .models import RollupRun


def load(ctx) -> None:
    # A second demo run adds no records, so the counters built by the first stay right;
    # later changes are picked up by the periodic refresh (`driverhome refresh-rollups`).
    if RollupRun.objects.filter(full=True, finished_at__isnull=False).exists():
        ctx.say("dashboard: monthly counters already built")
        return
    run = actions.refresh_rollups()
    ctx.say(f"dashboard: {run.rows} monthly counters from {len(run.counters)} counters")
