"""Role checks for pages and API endpoints.

Object visibility is the business of each model's ``for_user``; these decide
which *kind* of user may open a page or call an endpoint at all.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect

from .models import STAFF_ROLES, Role, User


def role_required(*roles: str):
    """Page decorator: anonymous users go to the login page; other roles get 404."""

    allowed = set(roles)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_superuser or user.role in allowed):
                if user.role == Role.DRIVER:
                    return redirect("core:driver-home")
                raise Http404
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = frozenset(allowed)
        return wrapped

    return decorator


staff_required = role_required(*STAFF_ROLES)
driver_required = role_required(Role.DRIVER)


def require_roles(request, *roles: str) -> None:
    """API check: a user of another role gets 404 (the endpoint does not exist for them)."""
    user = request.user
    if not (user.is_superuser or user.role in roles):
        raise Http404


def require_staff(request) -> None:
    require_roles(request, *STAFF_ROLES)


# --- Who may edit organisations and users --------------------------------------------------------

#: supervisors and administrators edit the organisations of their subtree
ORGANISATION_EDITORS = (Role.SUPERVISOR, Role.ADMIN)
#: administrators give accounts and roles in their subtree
USER_EDITORS = (Role.ADMIN,)


def in_scope(user, organisation) -> bool:
    """Whether ``organisation`` lies in the user's subtree (``None``, the platform itself,
    only for those who see everything)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if organisation is None:
        return user.sees_everything
    path = user.scope_path
    return path is not None and organisation.path.startswith(path)


def may_edit_organisation(user, organisation) -> bool:
    """Create under, or change, ``organisation`` (a new root only for the whole platform's)."""
    return bool(user and user.has_role(*ORGANISATION_EDITORS) and in_scope(user, organisation))


def may_edit_users(user, organisation) -> bool:
    """Give or change an account of ``organisation`` (``None``: a platform-wide administrator's
    account, only for those who see everything)."""
    return bool(user and user.has_role(*USER_EDITORS) and in_scope(user, organisation))


def staff_accounts(user):
    """The staff accounts an administrator sees: those of his subtree (all for the platform's)."""
    accounts = User.objects.filter(role__in=STAFF_ROLES).select_related("organisation")
    if user.sees_everything:
        return accounts
    path = user.scope_path
    if path is None:
        return accounts.none()
    return accounts.filter(organisation__path__startswith=path)
