"""Counters behind the rollups, and how figures are read back from them.

A :class:`Counter` says how to count one thing per owning organisation and month
straight from the records: the model, the lookup to the organisation the figure
scopes by, the date that places a row in a month (``None`` for a stock such as
apartments), a filter, and what to aggregate. ``actions.refresh_rollups`` runs
one grouped query per counter and stores subtree totals in ``MonthlyCount``.

A :class:`RollupFigure` turns counters back into a dashboard figure (a count is
its counter; a rate is a ratio of two counters). Each one must equal the live
figure function of the owning app, for any subtree and any whole-month period:
``tests/test_rollups.py`` proves it on random data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.apps import apps
from django.db.models import Count, F, Q, Sum

STOCK_MONTH = date(1970, 1, 1)


@dataclass(frozen=True)
class Counter:
    key: str
    #: "app_label.Model"
    model: str
    #: lookups from the model to the accounts.Organisation(s) the figure is scoped by; with
    #: several, a row counts in every subtree holding any of them (once), as with a filter
    #: ``Q(a__path__startswith=p) | Q(b__path__startswith=p)``
    org_fields: tuple[str, ...]
    #: lookup of the date or datetime that places a row in a month; None for a stock
    date_field: str | None = None
    #: extra filter (a callable so that it is built at run time, e.g. "now" for overdue)
    where: Callable[[], Q] | None = None
    #: "count" or ("sum", field): only additive aggregates (a distinct count is not additive
    #: across months or subtrees and stays a live figure)
    aggregate: object = "count"
    #: instead of an SQL aggregate: a Python function of each row's ``fields`` values, summed
    #: (for what SQL cannot compute, e.g. working days under the holiday calendar); a
    #: datetime field arrives as its local day
    row_value: Callable | None = None
    fields: tuple[str, ...] = ()
    #: a lookup to break the count down by (stored as ``key:value`` counters); rows where it
    #: is empty are left out
    dimension: str | None = None

    def model_class(self):
        app_label, name = self.model.split(".")
        try:
            return apps.get_model(app_label, name)
        except LookupError:
            return None

    def expression(self):
        if self.aggregate == "count":
            return Count("pk")
        kind, name = self.aggregate
        if kind == "sum":
            return Sum(name)
        raise ValueError(f"unknown aggregate {self.aggregate!r}")


@dataclass(frozen=True)
class RollupFigure:
    """A dashboard figure computed from counters: ``value(totals)`` with ``totals[counter]``."""

    key: str
    counters: tuple[str, ...]
    value: Callable[[dict], object] = field(default=None)
    #: a stock as of the period's end: every month up to the end counts, whatever the start
    cumulative: bool = False

    def compute(self, totals: dict):
        if self.value is None:
            return _int(totals.get(self.counters[0], 0))
        return self.value(totals)


def breakdown(counter: str):
    """{dimension value: count} from the ``counter:value`` totals (zero counts left out)."""
    prefix = counter + ":"

    def compute(totals):
        return {
            k[len(prefix) :]: int(v)
            for k, v in sorted(totals.items())
            if k.startswith(prefix) and v
        }

    return compute


def _int(value) -> int:
    return int(value or 0)


def percent(part: str, whole: str):
    """A percentage with one decimal, as the apps' rate functions give it (None if nothing)."""

    def compute(totals):
        den = int(totals.get(whole) or 0)
        if not den:
            return None
        return round(100.0 * int(totals.get(part) or 0) / den, 1)

    return compute


def average(total: str, count: str):
    def compute(totals):
        n = int(totals.get(count) or 0)
        if not n:
            return None
        return round(float(totals.get(total) or 0) / n, 1)

    return compute


def _working_days(received_day, answered_day):
    from driverhome.core import workdays

    return workdays.working_days_between(received_day, answered_day)


def _open_statuses():
    from driverhome.appeals.models import Appeal

    return Appeal.OPEN_STATUSES


# Counters and the figures read from them, by owning app. Added as each app's records exist;
# a counter whose model is not installed is skipped.
COUNTERS: list[Counter] = [
    # services.figures.services_delivered: records not declined, by the driver's file holder.
    Counter(
        key="services_delivered",
        model="services.ServiceRecord",
        org_fields=("driver__organisation",),
        date_field="delivered_at",
        where=lambda: ~Q(outcome="declined"),
    ),
    # drivers.figures: files not anonymised, opened up to the period's end (a stock).
    Counter(
        key="drivers_opened",
        model="drivers.Driver",
        org_fields=("organisation",),
        date_field="created_at",
        where=lambda: Q(anonymised_at__isnull=True),
    ),
    Counter(
        key="drivers_residence",
        model="drivers.Driver",
        org_fields=("organisation",),
        date_field="created_at",
        where=lambda: Q(anonymised_at__isnull=True),
        dimension="residence_type",
    ),
    # A stock: one entry per employer, as the files stand now (a province has 25,000
    # logistics companies; month by month they would be most of the rollup rows).
    Counter(
        key="drivers_employer",
        model="drivers.Driver",
        org_fields=("organisation",),
        where=lambda: Q(anonymised_at__isnull=True),
        dimension="employer__code",
    ),
    Counter(
        key="drivers_node",
        model="drivers.Driver",
        org_fields=("organisation",),
        date_field="created_at",
        where=lambda: Q(anonymised_at__isnull=True),
        dimension="current_node__code",
    ),
    # stations.figures.site_visits: check-ins by the local day, at the operator's sites.
    Counter(
        key="site_visits",
        model="stations.CheckIn",
        org_fields=("station__operator",),
        date_field="day",
    ),
    # appeals.figures: a request counts for its area's and its handling unit's subtrees.
    Counter(
        key="requests_received",
        model="appeals.Appeal",
        org_fields=("organisation", "handling_unit"),
        date_field="received_at",
    ),
    # appeals.figures.requests_open: a stock as of the last refresh (every five minutes);
    # counted live it reads every open request of the area (300 ms per million requests).
    Counter(
        key="requests_open",
        model="appeals.Appeal",
        org_fields=("organisation", "handling_unit"),
        where=lambda: Q(status__in=_open_statuses()),
    ),
    Counter(
        key="requests_rehandled",
        model="appeals.Appeal",
        org_fields=("organisation", "handling_unit"),
        date_field="received_at",
        where=lambda: Q(rehandle_count__gt=0),
    ),
    Counter(
        key="requests_answered",
        model="appeals.Appeal",
        org_fields=("organisation", "handling_unit"),
        date_field="answered_at",
    ),
    Counter(
        key="requests_answered_on_time",
        model="appeals.Appeal",
        org_fields=("organisation", "handling_unit"),
        date_field="answered_at",
        where=lambda: Q(answered_at__lte=F("answer_due_at")),
    ),
    Counter(
        key="requests_working_days",
        model="appeals.Appeal",
        org_fields=("organisation", "handling_unit"),
        date_field="answered_at",
        row_value=_working_days,
        fields=("received_at", "answered_at"),
    ),
    Counter(
        key="visits",
        model="appeals.ReturnVisit",
        org_fields=("appeal__organisation", "appeal__handling_unit"),
        date_field="at",
    ),
    Counter(
        key="visits_resolved",
        model="appeals.ReturnVisit",
        org_fields=("appeal__organisation", "appeal__handling_unit"),
        date_field="at",
        where=lambda: Q(resolved="yes"),
    ),
    Counter(
        key="visits_satisfied",
        model="appeals.ReturnVisit",
        org_fields=("appeal__organisation", "appeal__handling_unit"),
        date_field="at",
        where=lambda: Q(satisfaction__gte=4),
    ),
    Counter(
        key="services_node",
        model="services.ServiceRecord",
        org_fields=("driver__organisation",),
        date_field="delivered_at",
        where=lambda: ~Q(outcome="declined"),
        dimension="item__node__code",
    ),
    Counter(
        key="services_item",
        model="services.ServiceRecord",
        org_fields=("driver__organisation",),
        date_field="delivered_at",
        where=lambda: ~Q(outcome="declined"),
        dimension="item__code",
    ),
    # events.figures: an event counts for the organiser's and the site operator's subtrees.
    Counter(
        key="training_sessions",
        model="events.Event",
        org_fields=("organiser", "station__operator"),
        date_field="starts_at",
        where=lambda: Q(status="held", kind="training"),
    ),
    Counter(
        key="markets_held",
        model="events.Event",
        org_fields=("organiser", "station__operator"),
        date_field="starts_at",
        where=lambda: Q(status="held", kind="market"),
    ),
    Counter(
        key="attendance",
        model="events.CheckIn",
        org_fields=("event__organiser", "event__station__operator"),
        date_field="event__starts_at",
        where=lambda: ~Q(event__status="cancelled"),
    ),
]
ROLLUP_FIGURES: list[RollupFigure] = [
    RollupFigure("drivers_on_file", ("drivers_opened",), cumulative=True),
    RollupFigure(
        "drivers_by_residence",
        ("drivers_residence",),
        breakdown("drivers_residence"),
        cumulative=True,
    ),
    RollupFigure("drivers_by_employer", ("drivers_employer",), breakdown("drivers_employer")),
    RollupFigure("drivers_by_node", ("drivers_node",), breakdown("drivers_node"), cumulative=True),
    RollupFigure("site_visits", ("site_visits",)),
    RollupFigure("requests_received", ("requests_received",)),
    RollupFigure("requests_open", ("requests_open",)),
    RollupFigure("requests_rehandled", ("requests_rehandled",)),
    RollupFigure(
        "requests_on_time_rate",
        ("requests_answered_on_time", "requests_answered"),
        percent("requests_answered_on_time", "requests_answered"),
    ),
    RollupFigure(
        "requests_avg_working_days",
        ("requests_working_days", "requests_answered"),
        average("requests_working_days", "requests_answered"),
    ),
    RollupFigure(
        "requests_resolution_rate",
        ("visits_resolved", "visits"),
        percent("visits_resolved", "visits"),
    ),
    RollupFigure(
        "requests_satisfaction_rate",
        ("visits_satisfied", "visits"),
        percent("visits_satisfied", "visits"),
    ),
    RollupFigure("services_delivered", ("services_delivered",)),
    RollupFigure("services_by_node", ("services_node",), breakdown("services_node")),
    RollupFigure("services_by_item", ("services_item",), breakdown("services_item")),
    RollupFigure("training_sessions", ("training_sessions",)),
    RollupFigure("markets_held", ("markets_held",)),
    RollupFigure("attendance", ("attendance",)),
]


def counters() -> list[Counter]:
    return [c for c in COUNTERS if c.model_class() is not None]


def available_counters() -> dict[str, Counter]:
    return {c.key: c for c in counters()}


def rollup_figures() -> dict[str, RollupFigure]:
    have = set(available_counters())
    return {f.key: f for f in ROLLUP_FIGURES if set(f.counters) <= have}
