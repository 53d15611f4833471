"""What the free-place forecast needs from events: when markets fill a site's park.

Registered with ``stations.forecast.register_event_source`` at start-up (``apps.py``): the
stations app cannot import this one (events import stations).
"""

from __future__ import annotations

from datetime import datetime

from .models import Event, Kind


def market_spans(station_ids: list[int], start: datetime, end: datetime) -> dict[int, list]:
    """Markets not cancelled at the given sites overlapping [start, end), as (starts, ends)."""
    out: dict[int, list] = {}
    rows = (
        Event.objects.filter(
            station_id__in=station_ids,
            kind=Kind.MARKET,
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .exclude(status=Event.Status.CANCELLED)
        .values_list("station_id", "starts_at", "ends_at")
    )
    for station_id, starts, ends in rows:
        out.setdefault(station_id, []).append((starts, ends))
    return out
