"""Demo: build the dashboard's monthly counters from the records the other apps' demos made."""

from __future__ import annotations

from . import actions


def load(ctx) -> None:
    run = actions.refresh_rollups()
    ctx.say(f"dashboard: {run.rows} monthly counters from {len(run.counters)} counters")
