"""The dashboard's lists: sites with grade and use, overdue and supervised requests, units ranked.

Each reads the owning app's records through its own ``for_user`` queryset and
figure functions; while an app is not installed its list is simply absent.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from driverhome.accounts.models import Organisation

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


def sites(user, org: Organisation | None, period) -> list[dict] | None:
    """The Driver's Homes in the area with their grade and visits in the period."""
    return None


def overdue_requests(user, org: Organisation | None) -> dict | None:
    """Overdue and supervised requests in the area, most overdue first (at most 10 of each)."""
    return None


def units_ranked(org: Organisation | None, period) -> list[dict] | None:
    """Handling units by on-time rate, leaving out those with fewer than MIN_REQUESTS_TO_RANK."""
    return None
