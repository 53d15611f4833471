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
