"""Background jobs of the stations app (huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from . import forecast


@db_periodic_task(crontab(minute="*/15"))
@lock_task("stations-refresh-forecasts")
def refresh_forecasts():
    """Every 15 minutes: every site's forecast from its stored model and latest report; the
    stalest models due for refitting are refitted on the way, within a bounded time.
    Idempotent (rows replaced in place)."""
    return forecast.refresh(fit_seconds=forecast.JOB_FIT_SECONDS).__dict__
