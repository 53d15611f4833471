"""Log in with username or mobile phone number and password."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from driverhome.core import pii

from .models import Role, User


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        login = username.strip()
        user = None
        digits = login.replace(" ", "").replace("-", "").removeprefix("+86")
        if digits.isdigit() and len(digits) == 11:
            user = User.objects.filter(phone_hash=pii.lookup_hash(digits, kind="phone")).first()
        if user is None:
            user = User.objects.filter(username__iexact=login).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if not password_login_allowed(user):
                return None
            return user
        return None


def password_login_allowed(user) -> bool:
    """With ``DRIVERHOME_STAFF_PASSWORD_LOGIN=admins`` staff log in through the unified identity
    platform; administrators (and superusers) keep their password, drivers theirs."""
    if settings.STAFF_PASSWORD_LOGIN == "all" or not user.is_platform_staff:
        return True
    return user.is_superuser or user.role == Role.ADMIN
