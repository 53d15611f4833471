"""One-time SMS codes that prove a mobile number: at registration, to log in without a
password, and to set a new password.

Rules (one place): 6 digits, valid ``CODE_TTL``, ``MAX_TRIES`` wrong tries, one live code
per number and purpose; a number gets at most one code a minute, ``PHONE_HOURLY`` an hour
and ``PHONE_DAILY`` a day (counted from the stored codes, always on), a client address at
most ``IP_HOURLY`` sends and ``IP_VERIFY`` checks (the shared rate limiter). Over a limit:
:class:`~driverhome.core.errors.RateLimited` (429 + ``Retry-After``).

The code is stored only as a keyed hash. It reaches the phone through the delivery that
the notifications app installs (:func:`deliver_with`): accounts sits below that app.

A code to log in or reset is sent only to a driver's login; for any other number the
answer is the same and nothing is sent, so the page does not tell who has a login.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from driverhome.core import phone as phones
from driverhome.core import pii
from driverhome.core.errors import Conflict, DomainError, RateLimited
from driverhome.core.fastinsert import insert
from driverhome.core.ratelimit import check_rate

from . import audit
from .models import PhoneCode, Role, User

DIGITS = 6
CODE_TTL = timedelta(minutes=5)
MAX_TRIES = 5
RESEND_AFTER = timedelta(seconds=60)
PHONE_HOURLY = 5
PHONE_DAILY = 10
IP_HOURLY = 20
IP_VERIFY = 30  # checks per client address in ten minutes

Purpose = PhoneCode.Purpose
Status = PhoneCode.Status

#: delivery(phone=, purpose=, code=, minutes=, language=, user=) -> None; raises DomainError
_delivery: Callable[..., None] | None = None


def deliver_with(delivery: Callable[..., None]) -> Callable[..., None]:
    """Install the function that sends a code (the notifications app does, when it loads)."""
    global _delivery
    _delivery = delivery
    return delivery


def clean_phone(value: str) -> str:
    try:
        return phones.parse_mobile(value)
    except phones.InvalidPhone:
        raise DomainError(
            _("Not a valid mainland mobile number (11 digits starting with 1)."),
            code="invalid_phone",
            field="phone",
        ) from None


def _code_hash(salt: str, code: str) -> str:
    return pii.lookup_hash(f"{salt}:{code}", kind="sms-code")


def login_for(mobile: str) -> User | None:
    """The active login of a number, if it has one."""
    return User.objects.filter(
        phone_hash=pii.lookup_hash(mobile, kind="phone"), is_active=True
    ).first()


def _check_phone_limits(phone_hash: str, now) -> None:
    recent = list(
        PhoneCode.objects.filter(phone_hash=phone_hash, created_at__gte=now - timedelta(days=1))
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:PHONE_DAILY]
    )
    wait = None
    if recent and now - recent[0] < RESEND_AFTER:
        wait = RESEND_AFTER - (now - recent[0])
    hourly = [at for at in recent if at >= now - timedelta(hours=1)]
    if len(hourly) >= PHONE_HOURLY:
        wait = max(wait or timedelta(0), hourly[PHONE_HOURLY - 1] + timedelta(hours=1) - now)
    if len(recent) >= PHONE_DAILY:
        wait = max(wait or timedelta(0), recent[PHONE_DAILY - 1] + timedelta(days=1) - now)
    if wait is not None:
        seconds = max(1, int(wait.total_seconds() + 0.999))
        raise RateLimited(
            _(
                "A code was sent to this number a moment ago. You may ask again in %(seconds)s seconds."
            )
            % {"seconds": seconds},
            retry_after=seconds,
        )


def request_code(phone: str, purpose: str, *, request=None, language: str = "") -> str:
    """Send a new code for ``purpose`` to ``phone``; returns the masked number it went to.

    Registration refuses a number that already has a login (409). To log in or reset, a
    number without a driver's login gets the same answer and no SMS.
    """
    if purpose not in Purpose.values:
        raise DomainError(_("Unknown purpose."), code="invalid_purpose", field="purpose")
    mobile = clean_phone(phone)
    if request is not None:
        check_rate(request, "sms-code-send", limit=IP_HOURLY, window=3600)
    phone_hash = pii.lookup_hash(mobile, kind="phone")
    now = timezone.now()
    _check_phone_limits(phone_hash, now)
    user = login_for(mobile)
    if purpose == Purpose.REGISTER and user is not None:
        raise Conflict(
            _("This mobile number already has a login. Log in, or set a new password."),
            code="login_exists",
            field="phone",
        )
    if purpose != Purpose.REGISTER and (user is None or user.role != Role.DRIVER):
        return pii.mask_phone(mobile)  # the same answer, and nothing sent
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    salt = secrets.token_hex(16)
    try:
        with transaction.atomic():
            PhoneCode.objects.filter(
                phone_hash=phone_hash, purpose=purpose, status=Status.LIVE
            ).update(status=Status.REPLACED)
            row = PhoneCode(
                phone_hash=phone_hash,
                purpose=purpose,
                salt=salt,
                code_hash=_code_hash(salt, code),
                created_at=now,
                expires_at=now + CODE_TTL,
            )
            insert(row)
            audit.record(
                user,
                "auth.code_sent",
                row,
                changes={"purpose": purpose},
                organisation=user.organisation_id if user else None,
            )
    except IntegrityError:
        raise Conflict(
            _("A code is being sent to this number already."), code="code_race"
        ) from None
    if _delivery is None:
        raise DomainError(_("Text messages cannot be sent from this server."), code="sms_off")
    # After the commit: the gateway is not called while the database is locked.
    _delivery(
        phone=mobile,
        purpose=purpose,
        code=code,
        minutes=int(CODE_TTL.total_seconds() // 60),
        language=language or getattr(user, "preferred_language", "") or "",
        user=user,
    )
    return pii.mask_phone(mobile)


def verify_code(phone: str, purpose: str, code: str, *, request=None) -> PhoneCode:
    """Use the live code of ``phone`` for ``purpose``: returns it marked used, or raises.

    A wrong code counts a try at once (its own statement: it stays counted whatever the
    caller does next); the fifth wrong try spends the code. Call it outside a transaction
    that could roll back, and before anything else the request changes.
    """
    if request is not None:
        check_rate(request, "sms-code-verify", limit=IP_VERIFY, window=600)
    mobile = clean_phone(phone)
    phone_hash = pii.lookup_hash(mobile, kind="phone")
    code = (code or "").strip()
    now = timezone.now()
    row = PhoneCode.objects.filter(
        phone_hash=phone_hash, purpose=purpose, status=Status.LIVE
    ).first()
    if row is None:
        raise DomainError(
            _("No code is waiting for this number. Ask for a code first."),
            code="code_missing",
            field="code",
        )
    if row.expires_at <= now:
        raise DomainError(
            _("This code has expired (codes are valid for %(minutes)s minutes). Ask for a new one.")
            % {"minutes": int(CODE_TTL.total_seconds() // 60)},
            code="code_expired",
            field="code",
        )
    if not (code.isdigit() and hmac.compare_digest(row.code_hash, _code_hash(row.salt, code))):
        tries = row.attempts + 1
        spent = tries >= MAX_TRIES
        counted = PhoneCode.objects.filter(
            pk=row.pk, status=Status.LIVE, attempts=row.attempts
        ).update(attempts=tries, status=Status.SPENT if spent else Status.LIVE)
        if not counted:
            raise Conflict(
                _("The code was checked at the same moment. Try again."), code="code_race"
            )
        if spent:
            raise DomainError(
                _("The code was wrong %(n)s times and no longer works. Ask for a new one.")
                % {"n": MAX_TRIES},
                code="code_spent",
                field="code",
            )
        raise DomainError(
            _("The code is wrong. %(left)s tries left.") % {"left": MAX_TRIES - tries},
            code="code_wrong",
            field="code",
            tries_left=MAX_TRIES - tries,
        )
    used = PhoneCode.objects.filter(pk=row.pk, status=Status.LIVE).update(
        status=Status.USED, used_at=now
    )
    if not used:
        raise Conflict(_("This code was just used."), code="code_used", field="code")
    row.status, row.used_at = Status.USED, now
    return row


def proves(proof: PhoneCode | None, mobile: str, purpose: str, *, within=CODE_TTL) -> bool:
    """Whether ``proof`` is a code for ``mobile`` and ``purpose`` used within ``within``."""
    return (
        proof is not None
        and proof.status == Status.USED
        and proof.purpose == purpose
        and proof.phone_hash == pii.lookup_hash(mobile, kind="phone")
        and proof.used_at is not None
        and timezone.now() - proof.used_at <= within
    )


def _driver_login(mobile: str) -> User:
    user = login_for(mobile)
    if user is None or user.role != Role.DRIVER:
        # Only reachable with a used code, which is only sent to drivers' logins.
        raise DomainError(_("This number has no driver's login."), code="no_login", field="phone")
    return user


def login_with_code(phone: str, code: str, *, request) -> User:
    """The driver whose number received the code, checked; the caller logs him in."""
    mobile = clean_phone(phone)
    verify_code(mobile, Purpose.LOGIN, code, request=request)
    user = _driver_login(mobile)
    audit.record(user, "user.login_code", user, organisation=user.organisation_id)
    return user


def reset_password(phone: str, code: str, password: str, *, request) -> User:
    """Set a new password for the driver whose number received the code."""
    from django.contrib.auth import password_validation
    from django.core.exceptions import ValidationError

    mobile = clean_phone(phone)
    user = login_for(mobile)
    try:  # before the code is used: a weak password does not cost a code
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="weak_password", field="password") from None
    verify_code(mobile, Purpose.RESET, code, request=request)
    user = _driver_login(mobile)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(user, "user.password_reset", user, organisation=user.organisation_id)
    return user


def minutes_valid() -> int:
    return int(CODE_TTL.total_seconds() // 60)
