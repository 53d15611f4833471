"""The dashboard's lists: sites with grade and use, overdue and supervised requests, units ranked.

Each reads the owning app's records through its own ``for_user`` queryset and
figure functions; while an app is not installed its list is simply absent.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from driverhome.accounts.models import Organisation
from driverhome.core.modules import optional_import

#: units with fewer requests than this in the period are left out of the ranking
MIN_REQUESTS_TO_RANK = 5


def url_or_none(name: str, query: dict | None = None, **kwargs) -> str | None:
    try:
        url = reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(query)}" if query else url


def area_choices(user, org: Organisation | None) -> dict:
    """Breadcrumbs from the user's own organisation down to ``org``, and ``org``'s sub-areas."""
    root_path = user.scope_path or "/"
    if org is None:
        crumbs = []
        children = Organisation.objects.filter(parent__isnull=True, is_active=True)
    else:
        crumbs = [o for o in org.ancestors() if o.path.startswith(root_path)]
        children = org.children.filter(is_active=True)
    children = children.exclude(kind=Organisation.Kind.LOGISTICS_COMPANY).order_by("kind", "name")
    return {"crumbs": crumbs, "children": list(children[:200])}


def _model(label: str):
    from django.apps import apps

    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _day_bounds(period):
    from datetime import datetime, time

    from django.utils import timezone

    start = end = None
    if period.start is not None:
        start = timezone.make_aware(datetime.combine(period.start, time.min))
    if period.end is not None:
        end = timezone.make_aware(datetime.combine(period.end, time.max))
    return start, end


def sites(user, org: Organisation | None, period, limit: int = 50) -> list[dict] | None:
    """The Driver's Homes in the area with their official grade and visits in the period."""
    Station = _model("stations.Station")
    figures = optional_import("driverhome.stations.figures")
    if Station is None or figures is None or not hasattr(figures, "site_visits_by_site"):
        return None
    path = org.path if org is not None else "/"
    stations = Station.objects.for_user(user) if user is not None else Station.objects.all()
    if path != "/":
        stations = stations.filter(operator__path__startswith=path)
    stations = list(
        stations.filter(is_active=True).values("code", "name", "official_grade")[: limit * 4]
    )
    visits = figures.site_visits_by_site(path, period.start, period.end)
    rows = [
        {
            "code": st["code"],
            "name": st["name"],
            "grade": st["official_grade"],
            "visits": visits.get(st["code"], 0),
            "url": url_or_none("stations:station-detail", code=st["code"]),
        }
        for st in stations
    ]
    rows.sort(key=lambda row: (-row["visits"], row["name"]))
    return rows[:limit]


def overdue_requests(user, org: Organisation | None, limit: int = 10) -> dict | None:
    """Overdue and supervised open requests in the area, most overdue first."""
    Appeal = _model("appeals.Appeal")
    if Appeal is None:
        return None
    from django.utils import timezone
    from django.utils.translation import gettext as _

    qs = Appeal.objects.for_user(user)
    if org is not None:
        qs = qs.in_subtree(org.path)
    now = timezone.now()
    overdue = qs.overdue(now)
    supervised = qs.open().filter(supervised=True)
    picked = list(
        overdue.select_related("category", "handling_unit").order_by("due_at", "pk")[:limit]
    )
    seen = {a.pk for a in picked}
    picked += [
        a
        for a in supervised.select_related("category", "handling_unit").order_by("due_at", "pk")[
            :limit
        ]
        if a.pk not in seen
    ]
    items = []
    for appeal in picked:
        is_overdue = appeal.due_at is not None and appeal.due_at < now
        unit = appeal.handling_unit
        items.append(
            {
                "label": f"{appeal.tracking_no} · {appeal.category}",
                "url": url_or_none("appeals:appeal-detail", tracking_no=appeal.tracking_no),
                "unit": (unit.short_name or unit.name) if unit else "",
                "due": appeal.due_at,
                "overdue": is_overdue,
                "supervised": appeal.supervised,
                "meta": _("overdue") if is_overdue else _("supervised"),
            }
        )
    query = {"overdue": "1"}
    return {
        "items": items,
        "overdue_count": overdue.count(),
        "supervised_count": supervised.count(),
        "url": url_or_none("appeals:appeal-list", query),
    }


def units_ranked(org: Organisation | None, period) -> list[dict] | None:
    """Handling units by on-time rate (按时办结率) of the requests they answered in the period.

    Units that answered fewer than MIN_REQUESTS_TO_RANK are left out: too few to judge.
    Same definition as ``appeals.figures.requests_on_time_rate`` with ``unit=``.
    """
    Appeal = _model("appeals.Appeal")
    if Appeal is None:
        return None
    from django.db.models import Count, F, Q

    qs = Appeal.objects.all() if org is None else Appeal.objects.in_subtree(org.path)
    qs = qs.filter(answered_at__isnull=False, handling_unit__isnull=False)
    start, end = _day_bounds(period)
    if start is not None:
        qs = qs.filter(answered_at__gte=start)
    if end is not None:
        qs = qs.filter(answered_at__lte=end)
    rows = (
        qs.values("handling_unit__code", "handling_unit__name", "handling_unit__short_name")
        .annotate(
            total=Count("pk"), on_time=Count("pk", filter=Q(answered_at__lte=F("answer_due_at")))
        )
        .filter(total__gte=MIN_REQUESTS_TO_RANK)
        .order_by()
    )
    units = [
        {
            "code": row["handling_unit__code"],
            "name": row["handling_unit__short_name"] or row["handling_unit__name"],
            "requests": row["total"],
            "on_time": row["on_time"],
            "rate": round(100.0 * row["on_time"] / row["total"], 1),
            "url": url_or_none("appeals:appeal-list", {"unit": row["handling_unit__code"]}),
        }
        for row in rows
    ]
    units.sort(key=lambda u: (-u["rate"], -u["requests"], u["name"]))
    return units
