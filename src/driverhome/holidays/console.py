"""The console home's warning when this year's or next year's holidays are missing."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from driverhome.core import workdays

from .views import VIEW_ROLES


def worklist_panels(request) -> list[dict]:
    user = request.user
    year = workdays.missing_year()
    if year is None or not (user.is_superuser or user.role in VIEW_ROLES):
        return []
    url = reverse("holidays:year-detail", args=[year])
    return [
        {
            "title": _("The %(year)s holidays are missing") % {"year": year},
            "count": None,
            "items": [
                {
                    "url": url,
                    "label": _("Enter the State Council notice"),
                    "meta": _("deadlines in %(year)s are provisional (Monday to Friday)")
                    % {"year": year},
                }
            ],
            "url": reverse("holidays:year-list"),
            "tone": "warning",
            "empty": "",
        }
    ]
