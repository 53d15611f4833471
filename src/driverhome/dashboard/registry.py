"""Every figure the dashboard shows, and where it comes from.

A figure is computed by a function in the owning app's ``figures.py`` with the
signature ``fn(scope_path, start=None, end=None)``: ``start`` inclusive, ``end``
exclusive, both aware datetimes at local midnight here; ``None`` means open-ended.
The dashboard itself speaks of inclusive dates (``from``/``to`` in the API) and
converts in :func:`call`. The registry names the app and the
function; the function is looked up at call time with ``optional_import``, so a
figure appears on the dashboard as soon as its app provides it and reads as
"not available" (``None``) until then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from driverhome.core.modules import optional_import


class Kind:
    COUNT = "count"
    RATE = "rate"  # a percentage, 0-100
    YUAN = "yuan"
    DAYS = "days"
    BREAKDOWN = "breakdown"  # a mapping label -> number


class Section:
    DRIVERS = "drivers"
    SITES = "sites"
    REQUESTS = "requests"
    SERVICES = "services"
    PROGRAMMES = "programmes"
    EVENTS = "events"


SECTION_LABELS = {
    Section.DRIVERS: _("Drivers and housing"),
    Section.SITES: _("Driver's Homes"),
    Section.REQUESTS: _("Requests"),
    Section.SERVICES: _("Services"),
    Section.PROGRAMMES: _("Programmes"),
    Section.EVENTS: _("Markets and training"),
}


@dataclass(frozen=True)
class Figure:
    key: str
    label: object
    section: str
    #: (app, function name) candidates, the first one that exists is used
    sources: tuple[tuple[str, str], ...]
    kind: str = Kind.COUNT
    #: whether the figure depends on the period (False: a stock, e.g. apartments)
    periodic: bool = True
    #: URL name of the list behind the figure (the owning app's list page) and its query
    drill: tuple[str, dict] | None = None
    #: shown as a tile on the dashboard
    tile: bool = True
    #: extra keyword arguments for the figure function
    kwargs: dict = field(default_factory=dict)
    #: the function takes inclusive dates (``end`` counts the whole day) rather than
    #: datetimes with an exclusive end
    inclusive_dates: bool = False

    def function(self) -> Callable | None:
        for app, name in self.sources:
            module = optional_import(f"driverhome.{app}.figures")
            if module is not None and callable(getattr(module, name, None)):
                return getattr(module, name)
        return None

    @property
    def app(self) -> str:
        return self.sources[0][0]


def _f(key, label, section, *sources, **options) -> Figure:
    if not sources:
        sources = ((section, key),)
    return Figure(key=key, label=label, section=section, sources=tuple(sources), **options)


D, S, R, V, P, E = (
    Section.DRIVERS,
    Section.SITES,
    Section.REQUESTS,
    Section.SERVICES,
    Section.PROGRAMMES,
    Section.EVENTS,
)

FIGURES: list[Figure] = [
    # Drivers and housing
    _f(
        "drivers_on_file",
        _("Drivers on file"),
        D,
        ("drivers", "drivers_on_file"),
        drill=("drivers:driver-list", {}),
        inclusive_dates=True,
    ),
    _f(
        "drivers_by_residence",
        _("Drivers by residence"),
        D,
        ("drivers", "drivers_by_residence"),
        ("drivers", "by_residence"),
        kind=Kind.BREAKDOWN,
        tile=False,
        inclusive_dates=True,
    ),
    _f(
        "drivers_by_employer",
        _("Drivers by employer"),
        D,
        ("drivers", "drivers_by_employer"),
        ("drivers", "by_employer"),
        kind=Kind.BREAKDOWN,
        tile=False,
        # The files on record now, by their current employer: one entry per logistics
        # company (25,000 in a province), too many to keep month by month.
        periodic=False,
    ),
    _f(
        "drivers_by_node",
        _("Drivers by lifecycle node"),
        D,
        ("drivers", "drivers_by_node"),
        ("drivers", "by_node"),
        kind=Kind.BREAKDOWN,
        tile=False,
        inclusive_dates=True,
    ),
    _f(
        "apartments_total",
        _("Apartments"),
        D,
        ("drivers", "apartments_total"),
        periodic=False,
        drill=("drivers:apartment-list", {}),
    ),
    _f(
        "apartments_occupied",
        _("Apartments occupied"),
        D,
        ("drivers", "apartments_occupied"),
        periodic=False,
        drill=("drivers:apartment-list", {"status": "occupied"}),
    ),
    _f(
        "apartment_residents",
        _("Living in the apartments"),
        D,
        ("drivers", "apartment_residents"),
        # Drivers and the family members living with them, as the records stand now.
        periodic=False,
        drill=("drivers:building-list", {}),
    ),
    _f(
        "logistics_companies",
        _("Logistics companies"),
        D,
        ("drivers", "logistics_companies"),
        periodic=False,
        drill=("accounts:org-list", {"kind": "company"}),
    ),
    # Sites
    _f(
        "site_visits",
        _("Site visits"),
        S,
        ("stations", "site_visits"),
        drill=("stations:station-list", {}),
        inclusive_dates=True,
    ),
    _f(
        "site_grades",
        _("Site grades"),
        S,
        ("stations", "site_grades"),
        kind=Kind.BREAKDOWN,
        periodic=False,
        tile=False,
    ),
    # Requests
    _f(
        "requests_received",
        _("Requests received"),
        R,
        ("appeals", "requests_received"),
        drill=("appeals:appeal-list", {}),
        inclusive_dates=True,
    ),
    _f(
        "requests_open",
        _("Requests open"),
        R,
        ("appeals", "requests_open"),
        drill=("appeals:appeal-list", {}),
        periodic=False,
        inclusive_dates=True,
    ),
    _f(
        "requests_overdue",
        _("Overdue now"),
        R,
        ("appeals", "requests_overdue"),
        periodic=False,
        drill=("appeals:appeal-list", {"overdue": "1"}),
        inclusive_dates=True,
    ),
    _f(
        "requests_on_time_rate",
        _("Answered on time"),
        R,
        ("appeals", "requests_on_time_rate"),
        kind=Kind.RATE,
        drill=("appeals:appeal-list", {}),
        inclusive_dates=True,
    ),
    _f(
        "requests_resolution_rate",
        _("Resolution rate"),
        R,
        ("appeals", "requests_resolution_rate"),
        ("appeals", "resolution_rate"),
        kind=Kind.RATE,
        drill=("appeals:appeal-list", {}),
        inclusive_dates=True,
    ),
    _f(
        "requests_satisfaction_rate",
        _("Satisfaction rate"),
        R,
        ("appeals", "requests_satisfaction_rate"),
        kind=Kind.RATE,
        drill=("appeals:appeal-list", {}),
        inclusive_dates=True,
    ),
    _f(
        "requests_avg_working_days",
        _("Average working days to answer"),
        R,
        ("appeals", "avg_working_days_to_answer"),
        ("appeals", "requests_avg_working_days"),
        ("appeals", "avg_working_days"),
        ("appeals", "average_working_days"),
        kind=Kind.DAYS,
        drill=("appeals:appeal-list", {}),
        inclusive_dates=True,
    ),
    _f(
        "requests_rehandled",
        pgettext_lazy("dashboard", "Re-handled"),
        R,
        ("appeals", "requests_rehandled"),
        ("appeals", "requests_re_handled"),
        ("appeals", "rehandled"),
        drill=("appeals:appeal-list", {}),
        inclusive_dates=True,
    ),
    # Services
    _f(
        "lifecycle_nodes",
        _("Lifecycle nodes"),
        V,
        ("services", "lifecycle_nodes"),
        periodic=False,
        drill=("services:recommendations", {}),
    ),
    _f(
        "service_items",
        _("Service items"),
        V,
        ("services", "service_items"),
        periodic=False,
        drill=("services:recommendations", {}),
    ),
    _f(
        "services_delivered",
        _("Services delivered"),
        V,
        ("services", "services_delivered"),
        drill=("services:record-list", {}),
    ),
    _f(
        "services_by_node",
        _("Services delivered by node"),
        V,
        ("services", "services_by_node"),
        ("services", "services_delivered_by_node"),
        kind=Kind.BREAKDOWN,
        tile=False,
    ),
    _f(
        "services_by_item",
        _("Services delivered by item"),
        V,
        ("services", "services_by_item"),
        ("services", "services_delivered_by_item"),
        kind=Kind.BREAKDOWN,
        tile=False,
    ),
    # Programmes
    _f(
        "children_in_care",
        _("Children in after-school care"),
        P,
        ("services", "children_in_care"),
        drill=("services:care", {}),
    ),
    _f(
        "kasao_employed",
        _("Workshop members employed"),
        P,
        ("services", "kasao_employed"),
        drill=("services:workshop", {}),
    ),
    _f(
        "kasao_families_income_raised",
        _("Families with income raised"),
        P,
        ("services", "kasao_families_income_raised"),
        drill=("services:workshop", {}),
    ),
    _f(
        "kasao_monthly_income_gain_yuan",
        _("Monthly income gain per family (at least)"),
        P,
        ("services", "kasao_monthly_income_gain_yuan"),
        kind=Kind.YUAN,
        drill=("services:workshop", {}),
    ),
    _f(
        "training_sessions",
        _("Training sessions"),
        P,
        ("events", "training_sessions"),
        ("services", "training_sessions"),
        drill=("events:event-list", {"kind": "training"}),
    ),
    _f(
        "career_changes",
        _("Career changes"),
        P,
        ("services", "career_changes"),
        drill=("services:training", {}),
    ),
    # Events
    _f(
        "markets_held",
        _("Red Collar Markets held"),
        E,
        ("events", "markets_held"),
        drill=("events:event-list", {"kind": "market"}),
    ),
    _f(
        "attendance",
        _("Event attendance"),
        E,
        ("events", "attendance"),
        drill=("events:event-list", {}),
    ),
]

BY_KEY: dict[str, Figure] = {figure.key: figure for figure in FIGURES}


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def call(figure: Figure, scope_path: str, start: date | None, end: date | None):
    """The figure's live value for a subtree and the days ``start``..``end`` (inclusive).

    ``None`` if no installed app provides the figure.
    """
    fn = figure.function()
    if fn is None:
        return None
    if not figure.periodic:
        return fn(scope_path, **figure.kwargs)
    if figure.inclusive_dates:
        return fn(scope_path, start, end, **figure.kwargs)
    since = local_midnight(start) if start is not None else None
    until = local_midnight(end + timedelta(days=1)) if end is not None else None
    return fn(scope_path, since, until, **figure.kwargs)
