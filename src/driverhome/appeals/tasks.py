"""Background jobs of the closed loop: the supervision ladder every 15 minutes."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/15"))
def supervision_ladder():
    from .reminders import run_pass

    return run_pass()
