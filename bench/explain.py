"""Query plans of the important queries, as the platform builds them, on the prepared database.

Each entry is a queryset built the way the pages and the API build it (scope by
``for_user``, keyset page of 50); ``plans()`` returns the engine's plan for each:
``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable


def _queries() -> list[tuple[str, Callable]]:
    from django.utils import timezone

    from driverhome.accounts.models import User
    from driverhome.core.modules import optional_import

    out: list[tuple[str, Callable]] = []
    supervisor = User.objects.filter(username="supervisor").first()
    handler = User.objects.filter(username="handler").first()
    broker = User.objects.filter(username="broker").first()
    appeals = optional_import("driverhome.appeals.models")
    if appeals is not None and supervisor is not None:
        now = timezone.now()
        out.append(
            (
                "overdue worklist (district supervisor, deadline order, first page)",
                lambda: (
                    appeals.Appeal.objects.for_user(supervisor)
                    .overdue(now)
                    .order_by("due_at", "pk")[:50]
                ),
            )
        )
        out.append(
            (
                "requests list (district supervisor, newest first, keyset page)",
                lambda: appeals.Appeal.objects.for_user(supervisor).order_by("-received_at", "-pk")[
                    :51
                ],
            )
        )
        if handler is not None:
            out.append(
                (
                    "unit queue (labour bureau handler, dispatched requests)",
                    lambda: (
                        appeals.Appeal.objects.for_user(handler)
                        .filter(status="reported")
                        .order_by("-received_at", "-pk")[:51]
                    ),
                )
            )
        if broker is not None:
            out.append(
                (
                    "care broker's worklist (open requests of his drivers)",
                    lambda: (
                        appeals.Appeal.objects.for_user(broker).open().order_by("due_at", "pk")[:51]
                    ),
                )
            )
        out.append(
            (
                "one request's timeline (transitions)",
                lambda: appeals.Transition.objects.filter(
                    appeal_id=appeals.Appeal.objects.order_by("pk")
                    .values_list("pk", flat=True)
                    .first()
                ).order_by("at", "pk"),
            )
        )
    drivers = optional_import("driverhome.drivers.models")
    if drivers is not None and supervisor is not None:
        out.append(
            (
                "driver search by the last four phone digits (district scope)",
                lambda: (
                    drivers.Driver.objects.for_user(supervisor)
                    .filter(phone_last4="5678")
                    .order_by("name", "pk")[:51]
                ),
            )
        )
        out.append(
            (
                "driver search by pinyin prefix (district scope)",
                lambda: (
                    drivers.Driver.objects.for_user(supervisor)
                    .filter(name_pinyin__startswith="zhangw")
                    .order_by("name_pinyin", "pk")[:51]
                ),
            )
        )
        out.append(
            (
                "drivers list (district scope, newest first, keyset page)",
                lambda: drivers.Driver.objects.for_user(supervisor).order_by("-created_at", "-pk")[
                    :51
                ],
            )
        )
    stations = optional_import("driverhome.stations.models")
    if stations is not None:
        out.append(
            (
                "nearest sites: bounding box of 50 km around a point",
                lambda: stations.Station.objects.filter(
                    is_active=True, lat__gte=29.4, lat__lte=30.3, lon__gte=121.0, lon__lte=122.1
                ),
            )
        )
    services = optional_import("driverhome.services.models")
    if services is not None and drivers is not None:
        out.append(
            (
                "a driver's service records (his journey, newest first)",
                lambda: services.ServiceRecord.objects.filter(
                    driver_id=drivers.Driver.objects.order_by("pk")
                    .values_list("pk", flat=True)
                    .first()
                ).order_by("-delivered_at")[:50],
            )
        )
    return out


def plans() -> dict[str, str]:
    from django.db import connection

    result = {}
    for name, build in _queries():
        try:
            qs = build()
            if connection.vendor == "postgresql":
                text = qs.explain(analyze=True, buffers=True)
            else:
                text = qs.explain()
        except Exception as exc:  # noqa: BLE001 - a plan that cannot be made is reported, not fatal
            text = f"(no plan: {type(exc).__name__}: {exc})"
        result[name] = text
    return result
