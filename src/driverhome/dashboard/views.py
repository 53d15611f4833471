"""The dashboard page, a figure's drill-down by area and month, and the monthly report."""

from __future__ import annotations

import re
from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from driverhome.accounts.access import role_required
from driverhome.accounts.models import Role
from driverhome.core import workdays
from driverhome.core.pagination import paginate

from . import drill, panels, registry, report
from . import summary as S
from .labels import labelled

DASHBOARD_ROLES = (Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN)


def _context_query(org, period: S.Period) -> dict:
    query = dict(period.query())
    if org is not None:
        query["org"] = org.code
    return query


def _scope_and_period(request):
    org = S.resolve_org(request.user, request.GET.get("org"))
    try:
        period = S.parse_period(request.GET)
    except S.PeriodError as exc:
        messages.error(request, str(exc))
        period = S.Period()
    return org, period


def drill_url(figure: registry.Figure, org, period: S.Period) -> str:
    """The page behind a tile: the figure by area and month, and the records it counts."""
    query = _context_query(org, period)
    return f"{reverse('dashboard:figure-detail', kwargs={'key': figure.key})}?{urlencode(query)}"


def app_list_url(figure: registry.Figure) -> str | None:
    """The owning app's own list page, with the filter it understands."""
    if figure.drill is None:
        return None
    name, extra = figure.drill
    return panels.url_or_none(name, extra or None)


def _tiles(figures: dict, org, period) -> list[dict]:
    sections: dict[str, dict] = {}
    for figure in registry.FIGURES:
        if not figure.tile:
            continue
        value = figures.get(figure.key)
        if value is None and figure.function() is None:
            continue
        section = sections.setdefault(
            figure.section,
            {"label": registry.SECTION_LABELS[figure.section], "tiles": []},
        )
        section["tiles"].append(
            {
                "key": figure.key,
                "label": figure.label,
                "value": value,
                "kind": figure.kind,
                "url": drill_url(figure, org, period),
                "periodic": figure.periodic,
            }
        )
    return list(sections.values())


def _breakdowns(figures: dict) -> list[dict]:
    out = []
    for figure in registry.FIGURES:
        value = figures.get(figure.key)
        if figure.kind != registry.Kind.BREAKDOWN or not value:
            continue
        rows = labelled(figure.key, value)
        out.append(
            {
                "key": figure.key,
                "label": str(figure.label),
                "rows": [{"name": k, "value": v} for k, v in rows[:15]],
                "more": max(len(rows) - 15, 0),
            }
        )
    return out


def _chart_data(trend: dict) -> dict:
    labels = {k: str(registry.BY_KEY[k].label) for k in trend["series"]}
    return {
        "months": trend["months"],
        "series": trend["series"],
        "labels": labels,
        "rates": [k for k in trend["series"] if registry.BY_KEY[k].kind == registry.Kind.RATE],
        "texts": {"count": _("Number"), "rate": _("Rate (%)"), "none": _("No data yet")},
    }


@role_required(*DASHBOARD_ROLES)
@require_GET
def dashboard(request):
    """Tiles, monthly trends, sites, overdue requests and units ranked, for an area and a period."""
    org, period = _scope_and_period(request)
    figures = S.compute(org, period)
    trend = S.trends(org, period)
    today = timezone.localdate()
    last_month = S.preset_period("last-month", today).start
    context = {
        "org": org,
        "period": period,
        "presets": S.PRESETS,
        "query": _context_query(org, period),
        "area": panels.area_choices(request.user, org),
        "sections": _tiles(figures, org, period),
        "breakdowns": _breakdowns(figures),
        "chart_data": _chart_data(trend),
        "has_trends": bool(trend["series"]),
        "sites": panels.sites(request.user, org, period),
        "overdue": panels.overdue_requests(request.user, org),
        "units": panels.units_ranked(org, period),
        "min_requests": panels.MIN_REQUESTS_TO_RANK,
        "as_of": S.last_refresh(),
        "report_month": last_month.strftime("%Y-%m"),
        # Supervisors see that next year's deadlines are provisional (from 1 November).
        "calendar_missing": workdays.missing_year(today),
    }
    if context["calendar_missing"]:
        context["calendar_url"] = reverse(
            "holidays:year-detail", args=[context["calendar_missing"]]
        )
    return render(request, "dashboard/dashboard.html", context)


@role_required(*DASHBOARD_ROLES)
@require_GET
def figure_detail(request, key: str):
    """One figure broken down by the areas beneath the organisation and by month."""
    figure = registry.BY_KEY.get(key)
    if figure is None:
        raise Http404
    org, period = _scope_and_period(request)
    if figure.function() is None:
        return render(
            request,
            "dashboard/figure_detail.html",
            {
                "figure": figure,
                "org": org,
                "period": period,
                "unavailable": True,
                "query": _context_query(org, period),
                "area": panels.area_choices(request.user, org),
                "presets": S.PRESETS,
            },
        )
    value = S.compute(org, period, keys=[key])[key]
    area = panels.area_choices(request.user, org)
    by_area = []
    if figure.kind != registry.Kind.BREAKDOWN:
        for child in area["children"]:
            child_value = S.compute(child, period, keys=[key])[key]
            by_area.append(
                {
                    "org": child,
                    "value": child_value,
                    "url": reverse("dashboard:figure-detail", kwargs={"key": key})
                    + "?"
                    + urlencode(_context_query(child, period)),
                }
            )
    by_month = []
    if figure.periodic and figure.kind != registry.Kind.BREAKDOWN:
        months = S.trend_months(period)
        for month in months:
            p = S.month_period(month.year, month.month)
            by_month.append(
                {"month": month.strftime("%Y-%m"), "value": S.compute(org, p, keys=[key])[key]}
            )
    breakdown = []
    if figure.kind == registry.Kind.BREAKDOWN and value:
        breakdown = labelled(key, value)
    records, querystring = None, ""
    entry = drill.DRILLS.get(key)
    if entry is not None:
        qs = entry.queryset(request.user, S.scope_path(org), period.start, period.end)
        page = paginate(qs, order=entry.order, cursor=request.GET.get("cursor"))
        records = {"page": page, "rows": [entry.row(obj) for obj in page]}
        params = request.GET.copy()
        params.pop("cursor", None)
        querystring = params.urlencode()
    return render(
        request,
        "dashboard/figure_detail.html",
        {
            "figure": figure,
            "value": value,
            "org": org,
            "period": period,
            "query": _context_query(org, period),
            "area": area,
            "by_area": by_area,
            "by_month": by_month,
            "breakdown": breakdown,
            "list_url": app_list_url(figure),
            "presets": S.PRESETS,
            "records": records,
            "page": records["page"] if records else None,
            "querystring": querystring,
        },
    )


MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(raw: str | None) -> date:
    match = MONTH_RE.match((raw or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(raw)
    return date(int(match.group(1)), int(match.group(2)), 1)


def _report_args(request):
    org = S.resolve_org(request.user, request.GET.get("org"))
    try:
        month = parse_month(request.GET.get("month"))
    except ValueError:
        month = S.preset_period("last-month").start
    return org, month


@role_required(*DASHBOARD_ROLES)
@require_GET
def report_page(request):
    """The monthly report as a print-ready page (A4, page numbers)."""
    if request.GET.get("month") and not MONTH_RE.match(request.GET["month"]):
        messages.error(request, _("Choose a month as YYYY-MM."))
        return redirect("dashboard:dashboard")
    org, month = _report_args(request)
    data = report.build(org, month)
    return render(request, "dashboard/report.html", {"report": data, "org": org})


@role_required(*DASHBOARD_ROLES)
@require_GET
def report_xlsx(request):
    """The monthly report as an Excel workbook."""
    org, month = _report_args(request)
    data = report.build(org, month)
    content = report.workbook(data)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{report.filename(data)}"'
    return response
