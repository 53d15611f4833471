"""The summary: every figure for an organisation's subtree and a period.

Figures come from the rollup counters where they can (one query for all of
them) and from the owning app's live figure function otherwise. Rollups are used
when the period is whole months and a refresh has run; ``live=True`` forces the
live functions (the benchmark and the property test compare both).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from driverhome.accounts.models import Organisation
from driverhome.core import dates

from . import registry
from .actions import month_start, next_month
from .models import MonthlyCount, RollupRun
from .rollups import STOCK_MONTH, rollup_figures

# ---------------------------------------------------------------- period


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None
    preset: str = ""

    @property
    def is_all_time(self) -> bool:
        return self.start is None and self.end is None

    @property
    def whole_months(self) -> bool:
        """Start on a first day and end on a last day (or open): the rollups can answer."""
        if self.start is not None and self.start.day != 1:
            return False
        if self.end is not None and (self.end + timedelta(days=1)).day != 1:
            return False
        return True

    def months(self) -> list[date]:
        """First days of the months the period covers (needs both ends)."""
        months, cursor = [], month_start(self.start)
        while cursor <= self.end:
            months.append(cursor)
            cursor = next_month(cursor)
        return months

    def query(self) -> dict:
        if self.preset and self.preset != "custom":
            return {"period": self.preset}
        out = {}
        if self.start:
            out["from"] = self.start.isoformat()
        if self.end:
            out["to"] = self.end.isoformat()
        return out

    @property
    def label(self) -> str:
        if self.is_all_time:
            return str(_("All time"))
        return f"{self.start or '…'} – {self.end or '…'}"


def month_period(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(date(year, month, 1), date(year, month, last))


PRESETS = [
    ("month", _("This month")),
    ("last-month", _("Last month")),
    ("quarter", _("This quarter")),
    ("last-quarter", _("Last quarter")),
    ("year", _("This year")),
    ("last-12", _("Last 12 months")),
    ("all", _("All time")),
]


def preset_period(name: str, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    this_month = month_start(today)
    if name == "month":
        p = month_period(today.year, today.month)
    elif name == "last-month":
        prev = month_start(this_month - timedelta(days=1))
        p = month_period(prev.year, prev.month)
    elif name in ("quarter", "last-quarter"):
        q_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        if name == "last-quarter":
            q_start = date(q_start.year - (q_start.month == 1), (q_start.month - 4) % 12 + 1, 1)
        q_last = q_start.replace(month=q_start.month + 2)
        p = Period(q_start, month_period(q_last.year, q_last.month).end)
    elif name == "year":
        p = Period(date(today.year, 1, 1), date(today.year, 12, 31))
    elif name == "last-12":
        first = this_month
        for _i in range(11):
            first = month_start(first - timedelta(days=1))
        p = Period(first, month_period(today.year, today.month).end)
    elif name == "all":
        p = Period()
    else:
        raise ValueError(name)
    return Period(p.start, p.end, preset=name)


class PeriodError(ValueError):
    pass


def parse_period(params) -> Period:
    """``period=<preset>`` or ``from``/``to`` (YYYY-MM-DD); nothing means all time."""
    preset = (params.get("period") or "").strip()
    if preset and preset != "custom":
        if preset not in dict(PRESETS):
            raise PeriodError(_("Unknown period “%(name)s”.") % {"name": preset})
        return preset_period(preset)
    values = {}
    for key in ("from", "to"):
        raw = (params.get(key) or "").strip()
        if not raw:
            values[key] = None
            continue
        try:
            values[key] = dates.check_day(date.fromisoformat(raw), field=key)
        except ValueError:
            raise PeriodError(
                _("“%(value)s” is not a date: use YYYY-MM-DD.") % {"value": raw}
            ) from None
        except dates.DateOutOfRange as exc:
            raise PeriodError(str(exc)) from None
    if values["from"] and values["to"] and values["from"] > values["to"]:
        raise PeriodError(_("The start of the period is after its end."))
    return Period(values["from"], values["to"], preset="custom" if any(values.values()) else "")


# ---------------------------------------------------------------- scope


def default_org(user) -> Organisation | None:
    """The organisation a user's dashboard opens on (None: the whole platform)."""
    if user.sees_everything and user.organisation_id is None:
        return None
    return user.organisation


def resolve_org(user, code: str | None) -> Organisation | None:
    """The organisation named by ``code`` if it lies in the user's subtree, else 404."""
    if not code:
        return default_org(user)
    path = user.scope_path
    if path is None:
        raise Http404
    try:
        org = Organisation.objects.get(code=code)
    except Organisation.DoesNotExist:
        raise Http404 from None
    if not org.path.startswith(path):
        raise Http404
    return org


def scope_path(org: Organisation | None) -> str:
    return org.path if org is not None else "/"


# ---------------------------------------------------------------- figures


def _jsonable(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def rollups_ready() -> bool:
    return RollupRun.objects.filter(finished_at__isnull=False).exists()


def last_refresh():
    return (
        RollupRun.objects.filter(finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )


def _rollup_query(org: Organisation | None):
    qs = MonthlyCount.objects.all()
    if org is None:
        return qs.filter(organisation__parent__isnull=True)
    return qs.filter(organisation=org)


def rollup_totals(org: Organisation | None, period: Period) -> tuple[dict, dict]:
    """({counter: total in the period}, {counter: total up to the period's end}), one query.

    Stocks (counters without a month) are in both.
    """
    qs = _rollup_query(org)
    upto = Q()
    if period.end is not None:
        upto = Q(month__lte=month_start(period.end)) | Q(month=STOCK_MONTH)
    within = Q()
    if period.start is not None:
        within = Q(month__gte=month_start(period.start)) | Q(month=STOCK_MONTH)
    rows = (
        qs.filter(upto)
        .values("counter")
        .annotate(v=Sum("value", filter=within) if period.start else Sum("value"), c=Sum("value"))
    )
    in_period = {row["counter"]: row["v"] or 0 for row in rows}
    to_end = {row["counter"]: row["c"] or 0 for row in rows}
    return in_period, to_end


def compute(
    org: Organisation | None,
    period: Period,
    *,
    live: bool = False,
    keys: list[str] | None = None,
    ready: bool | None = None,
) -> dict:
    """{figure key: value} for the subtree and period; ``None`` for figures no app provides yet."""
    path = scope_path(org)
    figures = [registry.BY_KEY[k] for k in keys] if keys else registry.FIGURES
    from_rollups = {}
    if not live and period.whole_months:
        candidates = rollup_figures()
        wanted = {f.key: candidates[f.key] for f in figures if f.key in candidates}
        if wanted and (rollups_ready() if ready is None else ready):
            in_period, to_end = rollup_totals(org, period)
            from_rollups = {
                k: _jsonable(rf.compute(to_end if rf.cumulative else in_period))
                for k, rf in wanted.items()
            }
    out = {}
    for figure in figures:
        if figure.key in from_rollups:
            out[figure.key] = from_rollups[figure.key]
        else:
            out[figure.key] = _jsonable(registry.call(figure, path, period.start, period.end))
    return out


TREND_KEYS = [
    "requests_received",
    "services_delivered",
    "site_visits",
    "training_sessions",
    "markets_held",
    "requests_on_time_rate",
    "requests_satisfaction_rate",
]


def trend_months(period: Period, today: date | None = None) -> list[date]:
    """The months the trend charts show: the period's months, or the last 12 (at most 36)."""
    today = today or timezone.localdate()
    end = month_start(period.end or today)
    if period.start is not None:
        start = month_start(period.start)
    else:
        start = end
        for _i in range(11):
            start = month_start(start - timedelta(days=1))
    months = Period(start, end).months()
    return months[-36:]


def trends(
    org: Organisation | None, period: Period, *, live: bool = False, ready: bool | None = None
) -> dict:
    """{"months": ["2026-01", ...], "series": {key: [value per month]}} for the trend charts."""
    months = trend_months(period)
    keys = [k for k in TREND_KEYS if registry.BY_KEY[k].function() is not None]
    series = {k: [None] * len(months) for k in keys}
    index = {m: i for i, m in enumerate(months)}
    candidates = rollup_figures()
    if ready is None:
        ready = not live and rollups_ready()
    rolled = [k for k in keys if k in candidates] if not live and ready else []
    if rolled and months:
        counters = {c for k in rolled for c in candidates[k].counters}
        rows = (
            _rollup_query(org)
            .filter(counter__in=counters, month__gte=months[0], month__lte=months[-1])
            .values("counter", "month")
            .annotate(v=Sum("value"))
        )
        per_month: dict = {m: {} for m in months}
        for row in rows:
            per_month.setdefault(row["month"], {})[row["counter"]] = row["v"]
        for k in rolled:
            for m, i in index.items():
                series[k][i] = _jsonable(candidates[k].compute(per_month.get(m, {})))
    path = scope_path(org)
    for k in keys:
        if k in rolled:
            continue
        figure = registry.BY_KEY[k]
        for m, i in index.items():
            p = month_period(m.year, m.month)
            series[k][i] = _jsonable(registry.call(figure, path, p.start, p.end))
    return {"months": [m.strftime("%Y-%m") for m in months], "series": series}


def summary(org: Organisation | None, period: Period, *, live: bool = False) -> dict:
    """The JSON of ``GET /api/v1/dashboard/summary``."""
    ready = not live and rollups_ready()
    figures = compute(org, period, live=live, ready=ready)
    missing = [k for k, v in figures.items() if v is None and registry.BY_KEY[k].function() is None]
    return {
        "organisation": None
        if org is None
        else {"code": org.code, "name": org.name, "kind": org.kind},
        "from": period.start.isoformat() if period.start else None,
        "to": period.end.isoformat() if period.end else None,
        **figures,
        "not_available": missing,
        "trends": trends(org, period, live=live, ready=ready),
    }
