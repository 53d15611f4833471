"""Figures of the driver's file for the dashboard: ``(scope_path, start=None, end=None)``.

``start``/``end`` (dates) limit counts to files opened in the period where that makes
sense; stock figures (apartments) ignore them.
"""

from __future__ import annotations

from django.db.models import Count, Q

from driverhome.accounts.models import Organisation

from .models import Allocation, Apartment, Driver


def _drivers(scope_path: str, start=None, end=None):
    qs = Driver.objects.in_subtree(scope_path).filter(anonymised_at__isnull=True)
    if end is not None:
        qs = qs.filter(created_at__date__lte=end)
    return qs


def drivers_on_file(scope_path: str, start=None, end=None) -> int:
    return _drivers(scope_path, start, end).count()


def drivers_by_residence(scope_path: str, start=None, end=None) -> dict[str, int]:
    rows = _drivers(scope_path, start, end).values("residence_type").annotate(n=Count("id"))
    return {row["residence_type"]: row["n"] for row in rows}


def drivers_by_employer(scope_path: str, start=None, end=None) -> dict[str, int]:
    rows = (
        _drivers(scope_path, start, end)
        .filter(employer__isnull=False)
        .values("employer__code")
        .annotate(n=Count("id"))
    )
    return {row["employer__code"]: row["n"] for row in rows}


def drivers_by_node(scope_path: str, start=None, end=None) -> dict[str, int]:
    rows = (
        _drivers(scope_path, start, end)
        .filter(current_node__isnull=False)
        .values("current_node__code")
        .annotate(n=Count("id"))
    )
    return {row["current_node__code"]: row["n"] for row in rows}


def apartments_total(scope_path: str, start=None, end=None) -> int:
    """Apartments in service (neither the apartment nor its building out of service)."""
    return (
        Apartment.objects.in_subtree(scope_path)
        .filter(out_of_service=False, building__out_of_service=False)
        .count()
    )


def apartments_occupied(scope_path: str, start=None, end=None) -> int:
    qs = Allocation.objects.in_subtree(scope_path)
    if end is not None:
        qs = qs.filter(started_on__lte=end).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=end))
    else:
        qs = qs.filter(ended_on__isnull=True)
    return qs.values("apartment").distinct().count()


def apartment_residents(scope_path: str, start=None, end=None) -> int:
    """Drivers living in the apartments plus the family members living with them (the
    report's "1,500+ drivers and family members living there"), as the records stand now."""
    counts = (
        Allocation.objects.in_subtree(scope_path)
        .filter(ended_on__isnull=True)
        .aggregate(
            drivers=Count("pk", distinct=True),
            family=Count("driver__family", filter=Q(driver__family__lives_with_driver=True)),
        )
    )
    return (counts["drivers"] or 0) + (counts["family"] or 0)


def logistics_companies(scope_path: str, start=None, end=None) -> int:
    qs = Organisation.objects.filter(kind=Organisation.Kind.LOGISTICS_COMPANY, is_active=True)
    if scope_path != "/":
        qs = qs.filter(path__startswith=scope_path)
    return qs.count()
