"""Who may see what of a driver's file."""

from __future__ import annotations

from driverhome.accounts.models import Role

#: roles that may reveal a full ID or phone number (always written to the access log)
REVEAL_ROLES = frozenset({Role.BROKER, Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN})
#: roles that work with driver files in the console
FILE_ROLES = frozenset({Role.BROKER, Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN})
#: roles that manage apartments
APARTMENT_ROLES = frozenset({Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN})


def driver_for_user(user):
    """The file of a logged-in driver, or None."""
    from .models import Driver

    if user is None or not user.is_authenticated or user.role != Role.DRIVER:
        return None
    return Driver.objects.filter(user=user, anonymised_at__isnull=True).first()


def may_reveal(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role in REVEAL_ROLES))


def may_manage_housing(user) -> bool:
    """Create, edit, import and take out of service buildings and apartments (in one's area)."""
    return bool(
        user and user.is_authenticated and (user.is_superuser or user.role in APARTMENT_ROLES)
    )


#: who keeps a file's family and vehicles: the driver himself, or staff of the file
SELF, STAFF = "self", "staff"


def keeper(user, driver) -> str | None:
    """In what capacity ``user`` may change ``driver``'s family and vehicles, or None.

    ``SELF``: his own file (a protected value he gives goes to staff for confirmation);
    ``STAFF``: a file role that sees the file (``Driver.objects.for_user``).
    """
    from .models import Driver

    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.role == Role.DRIVER:
        return SELF if driver.user_id is not None and driver.user_id == user.pk else None
    if user.is_superuser or user.role in FILE_ROLES:
        if Driver.objects.for_user(user).filter(pk=driver.pk).exists():
            return STAFF
    return None


def require_keeper(actor, driver, *, staff_only: bool = False) -> str:
    """The capacity in which ``actor`` keeps the file; the system (``None``) acts as staff.

    Raises ``PermissionDeniedError`` for anyone else, and for the driver himself where
    only staff may act (``staff_only``).
    """
    from django.utils.translation import gettext as _

    from driverhome.core.errors import PermissionDeniedError

    if actor is None:
        return STAFF
    capacity = keeper(actor, driver)
    if capacity is None or (staff_only and capacity != STAFF):
        raise PermissionDeniedError(_("You may not change this file."), code="forbidden")
    return capacity
