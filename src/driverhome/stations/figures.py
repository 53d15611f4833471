"""Figures for the dashboard: visits (服务人次) and grades of the sites in an organisation's subtree."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count

from driverhome.core.routers import reporting_db

from .models import GRADES, CheckIn, Station


def _stations(scope_path: str):
    return Station.objects.using(reporting_db()).in_subtree(scope_path or "/")


def _day(value) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


def site_visits(scope_path: str, start=None, end=None) -> int:
    """Check-ins at the subtree's sites, local days ``start`` <= day <= ``end`` (either may be None)."""
    qs = CheckIn.objects.using(reporting_db()).filter(station__in=_stations(scope_path))
    if start is not None:
        qs = qs.filter(day__gte=_day(start))
    if end is not None:
        qs = qs.filter(day__lte=_day(end))
    return qs.count()


def site_visits_by_site(scope_path: str, start=None, end=None) -> dict[str, int]:
    qs = CheckIn.objects.using(reporting_db()).filter(station__in=_stations(scope_path))
    if start is not None:
        qs = qs.filter(day__gte=_day(start))
    if end is not None:
        qs = qs.filter(day__lte=_day(end))
    return dict(qs.values_list("station__code").annotate(n=Count("id")).order_by())


def site_grades(scope_path: str, start=None, end=None) -> dict:
    """Official grades of the active sites: ``{"1A": n, ..., "5A": n, "none": n, "total": n}``."""
    counts = dict(
        _stations(scope_path)
        .filter(is_active=True)
        .values_list("official_grade")
        .annotate(n=Count("id"))
        .order_by()
    )
    result = {grade: counts.get(grade, 0) for grade in GRADES}
    result["none"] = counts.get("", 0)
    result["total"] = sum(counts.values())
    return result


def sites(scope_path: str, start=None, end=None) -> int:
    return _stations(scope_path).filter(is_active=True).count()
