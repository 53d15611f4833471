"""The supervisor's worklist panel: overdue and supervised requests in his area."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from driverhome.accounts.models import Role

from . import panels, registry
from . import summary as S


def worklist_panels(request) -> list[dict]:
    user = request.user
    if not user.has_role(Role.SUPERVISOR, Role.ADMIN):
        return []
    figure = registry.BY_KEY["requests_overdue"]
    if figure.function() is None:
        return []
    org = S.default_org(user)
    data = panels.overdue_requests(user, org)
    items = data["items"] if data else []
    if data is not None:
        overdue, supervised = data["overdue_count"], data["supervised_count"]
    else:
        overdue, supervised = registry.call(figure, S.scope_path(org), None, None) or 0, 0
    url = (data or {}).get("url") or reverse("dashboard:dashboard")
    return [
        {
            "title": _("Overdue and supervised requests"),
            "count": overdue,
            "items": [
                {"url": item["url"], "label": item["label"], "meta": item["meta"]}
                for item in items[:5]
            ],
            "url": url,
            "tone": "warning" if overdue else "",
            "empty": _("No request is overdue."),
            "supervised": supervised,
        }
    ]
