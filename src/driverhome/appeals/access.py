"""Who may see a request, and in which capacity: one set of predicates for the scoped
queryset, the pages, the API, the actions and the list of the actions a page offers.

A driver's request is followed by everyone who is "his people" (全程跟进):

* ``area``   — staff of the organisation it was filed under (the site's operator when
  it was filed at a Driver's Home), or above it;
* ``unit``   — staff of the handling unit it was dispatched to, or above it;
* ``file``   — staff of the organisation holding the driver's file, or above it;
* ``broker`` — the request's care broker, and the driver's care broker today;
* ``driver`` — the driver himself.

Anyone with none of these does not see the request at all (404, never 403).
"""

from __future__ import annotations

from django.db.models import Q

from driverhome.accounts.models import Role
from driverhome.accounts.scoping import subtree_ids

AREA = "area"
UNIT = "unit"
FILE = "file"
BROKER = "broker"
DRIVER = "driver"
#: the capacities in which staff follow a request after it was filed (visit, close, re-handle)
FOLLOWERS = frozenset({AREA, FILE, BROKER})


def _drivers_with_file_in(organisations):
    from driverhome.drivers.models import Driver

    return Driver.objects.filter(organisation_id__in=organisations).values("pk")


def staff_condition(user) -> Q | None:
    """The rows a staff member sees, as one condition (None: everything)."""
    from driverhome.drivers.models import Driver

    path = user.scope_path
    condition = Q(pk__in=[])
    if path == "/":
        return None
    if path is not None:
        organisations = subtree_ids(path)
        # Compared by id against the subtree (one indexed range on the organisations'
        # path): the planner filters each row with a hashed list instead of joins.
        condition = (
            Q(organisation_id__in=organisations)
            | Q(handling_unit_id__in=organisations)
            | Q(driver_id__in=_drivers_with_file_in(organisations))
        )
    if user.role == Role.BROKER:
        condition |= Q(care_broker=user) | Q(
            driver_id__in=Driver.objects.filter(care_broker=user).values("pk")
        )
    return condition


def _under(organisation, path: str | None) -> bool:
    return bool(path) and organisation is not None and organisation.path.startswith(path)


def relations(user, appeal) -> frozenset[str]:
    """The capacities in which ``user`` deals with ``appeal`` (empty: not at all)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    found = set()
    if user.role == Role.DRIVER and not user.is_superuser:
        if appeal.driver_id is not None and appeal.driver.user_id == user.pk:
            found.add(DRIVER)
        return frozenset(found)
    path = user.scope_path
    if path == "/":
        return frozenset({AREA, UNIT, FILE} | ({BROKER} if user.role == Role.BROKER else set()))
    if _under(appeal.organisation, path):
        found.add(AREA)
    if appeal.handling_unit_id and _under(appeal.handling_unit, path):
        found.add(UNIT)
    if appeal.driver_id and _under(appeal.driver.organisation, path):
        found.add(FILE)
    if user.role == Role.BROKER and user.pk in (
        appeal.care_broker_id,
        appeal.driver.care_broker_id if appeal.driver_id else None,
    ):
        found.add(BROKER)
    return frozenset(found)


def may_see(user, appeal) -> bool:
    return bool(relations(user, appeal))


def follows(user, appeal) -> bool:
    """One of the people who follow the driver's request after it was filed."""
    return bool(relations(user, appeal) & FOLLOWERS)


def hides_driver(user, appeal) -> bool:
    """An anonymous request names nobody to the handling unit."""
    return appeal.anonymous and user.role == Role.UNIT_HANDLER and not user.is_superuser


def reporter_phone(appeal) -> str:
    """The clear phone number of a reporter who has no driver's file ("" when none).

    The one place that reads it: where the number is kept may change, its readers do not.
    """
    return appeal.reporter_phone or ""


def contact_phone(appeal) -> str:
    """The clear number to call about ``appeal``: the driver's file, else the reporter's."""
    if appeal.driver_id is not None:
        return appeal.driver.phone or ""
    return reporter_phone(appeal)


def may_reveal_phone(user, appeal) -> bool:
    """Staff who deal with the request may call the person behind it (never past anonymity)."""
    if user is None or not user.is_authenticated or user.role == Role.DRIVER:
        return False
    if hides_driver(user, appeal):
        return False
    return may_see(user, appeal)


# --- Who may edit the closed loop's reference tables ---------------------------------------------


def may_edit_catalogue(user) -> bool:
    """The category tree and the time limits hold for the whole platform: its administrators."""
    return bool(user and user.has_role(Role.ADMIN) and user.sees_everything)


def may_edit_routing(user, area=None) -> bool:
    """Routing rules of an area: supervisors and administrators of a subtree holding it
    (``area=None``: whether the user edits any at all)."""
    from driverhome.accounts.access import in_scope

    if not (user and user.has_role(Role.SUPERVISOR, Role.ADMIN)):
        return False
    return area is None or in_scope(user, area)


def may_manage_open311(user, organisation=None) -> bool:
    """Open311 keys filing under an organisation: administrators of a subtree holding it."""
    from driverhome.accounts.access import in_scope

    if not (user and user.has_role(Role.ADMIN)):
        return False
    return organisation is None or in_scope(user, organisation)
