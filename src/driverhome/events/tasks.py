"""Periodic jobs (huey): expire unconfirmed places, remind tomorrow's drivers, close past events.

Each is idempotent: rows are claimed with a conditional UPDATE, so a second run (or two
consumers at once) sends and changes nothing twice. ``driverhome events_jobs`` runs one pass.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import actions


@db_periodic_task(crontab(minute="*/10"))
def expire_registrations():
    return actions.expire_registrations()


@db_periodic_task(crontab(minute="5"))
def send_reminders():
    return actions.send_reminders()


@db_periodic_task(crontab(minute="20", hour="*/3"))
def close_past_events():
    return actions.close_past_events()
