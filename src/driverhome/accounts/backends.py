"""Log in with username or mobile phone number and password."""

from django.contrib.auth.backends import ModelBackend

from driverhome.core import pii

from .models import User


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
            return user
        return None
