"""Background jobs: keep the recommendations in step with the drivers' files."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task


@db_periodic_task(crontab(hour="3", minute="41"))
@lock_task("services-refresh-recommendations")
def refresh_all_recommendations():
    """Every night: children get older, licences approach expiry, visits fall due."""
    from driverhome.drivers.models import Driver

    from .actions import refresh_recommendations

    refresh_recommendations(Driver.objects.filter(anonymised_at__isnull=True))
