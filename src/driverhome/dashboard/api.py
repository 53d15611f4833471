"""API: the dashboard summary for an organisation's subtree and a period."""

from __future__ import annotations

from ninja import Query, Router

from driverhome.accounts.access import require_roles
from driverhome.accounts.models import Role
from driverhome.core.errors import DomainError

from . import summary as summary_module

router = Router()

DASHBOARD_ROLES = (Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN)


@router.get(
    "/summary",
    response=dict,
    summary="Summary figures for an organisation's subtree and a period",
)
def get_summary(
    request,
    org: str | None = None,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
    live: bool = False,
):
    """Every dashboard figure for ``org`` (default: the caller's organisation) and its subtree.

    ``from``/``to`` (YYYY-MM-DD, inclusive) limit the period; without them the figures cover
    all time. An organisation outside the caller's subtree answers 404. Figures whose app is not
    installed are ``null`` and listed in ``not_available``. ``trends`` holds monthly series.
    Figures come from the monthly counters where they can; ``live=true`` computes every one
    from the records instead (slower; for checking).
    """
    require_roles(request, *DASHBOARD_ROLES)
    organisation = summary_module.resolve_org(request.user, org)
    try:
        period = summary_module.parse_period({"from": start, "to": end})
    except summary_module.PeriodError as exc:
        raise DomainError(str(exc), code="invalid_period") from None
    return summary_module.summary(organisation, period, live=live)
