"""Weak closures: requests closed although the last return visit found them partly or not
resolved, or rated below 3 — per handling unit and period, for supervisors."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from .figures import _period
from .models import Appeal, ReturnVisit

#: the days the worklist panel looks back
PANEL_DAYS = 30


def default_period(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today - timedelta(days=PANEL_DAYS - 1), today


def _last_visit(field: str):
    return Subquery(
        ReturnVisit.objects.filter(appeal=OuterRef("pk"))
        .order_by("-round", "-at", "-pk")
        .values(field)[:1]
    )


def weak_closures(qs, start=None, end=None):
    """The closed requests of ``qs`` (already scoped) closed in the period whose last
    visit was short of "resolved, 3 or more"; annotated ``last_resolved``, ``last_score``."""
    qs = _period(qs.filter(status=Appeal.Status.CLOSED), "closed_at", start, end)
    qs = qs.annotate(last_resolved=_last_visit("resolved"), last_score=_last_visit("satisfaction"))
    return qs.filter(
        ~Q(last_resolved=ReturnVisit.Resolved.YES)
        | Q(last_score__lt=Appeal.SELF_CLOSE_MIN_SATISFACTION)
    )


def per_unit(qs, start=None, end=None) -> list[dict]:
    """One row per handling unit: requests closed in the period, and how many of them weakly."""
    closed = _period(qs.filter(status=Appeal.Status.CLOSED), "closed_at", start, end)
    totals = {
        row["handling_unit"]: row["n"]
        for row in closed.values("handling_unit").annotate(n=Count("pk")).order_by()
    }
    low = Q(last_score__lt=Appeal.SELF_CLOSE_MIN_SATISFACTION)
    grouped = (
        weak_closures(qs, start, end)
        .values("handling_unit", "handling_unit__code", "handling_unit__name")
        .annotate(
            weak=Count("pk"),
            partly=Count("pk", filter=Q(last_resolved=ReturnVisit.Resolved.PARTLY)),
            not_resolved=Count("pk", filter=Q(last_resolved=ReturnVisit.Resolved.NO)),
            low_rating=Count("pk", filter=low),
        )
        .order_by()
    )
    rows = {
        row["handling_unit"]: {
            "unit": row["handling_unit__code"],
            "unit_name": row["handling_unit__name"] or "—",
            "closed": totals.get(row["handling_unit"], 0),
            "weak": row["weak"],
            "partly": row["partly"],
            "not_resolved": row["not_resolved"],
            "low_rating": row["low_rating"],
        }
        for row in grouped
    }
    for row in rows.values():
        row["share"] = round(100.0 * row["weak"] / row["closed"], 1) if row["closed"] else None
    return sorted(rows.values(), key=lambda r: (-r["weak"], r["unit_name"]))
