"""Background jobs: keep the dashboard's monthly counters fresh."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from . import actions


@db_periodic_task(crontab(minute="*/5"))
@lock_task("dashboard-refresh-recent")
def refresh_recent_rollups():
    """Every five minutes: recompute the current and the previous month."""
    actions.refresh_recent()


@db_periodic_task(crontab(hour="2", minute="17"))
@lock_task("dashboard-refresh-all")
def refresh_all_rollups():
    """Every night: rebuild every month (catches records entered late for old months)."""
    actions.refresh_rollups()
