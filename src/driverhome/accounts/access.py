"""Role checks for pages and API endpoints.

Object visibility is the business of each model's ``for_user``; these decide
which *kind* of user may open a page or call an endpoint at all.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect

from .models import STAFF_ROLES, Role


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
