"""The reporter's contact in clear: one accessor, always access-logged.

A request's reporter is either a driver (his file holds the contact) or a caller without
a file (a hotline call, an Open311 citizen), whose name, phone and e-mail the request
holds encrypted (``Appeal.reporter_*``, field keys, ``reporter_phone_hash`` for look-up).
Pages, the API and exports show them masked (``Appeal.reporter_phone_masked`` ...);
Open311 never shows them. Whatever needs a value in clear (calling the caller back, the
"show phone" button) goes through :func:`reporter_contact`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from driverhome.accounts import audit
from driverhome.accounts.models import Role
from driverhome.core.errors import DomainError, PermissionDeniedError
from driverhome.drivers.access import may_reveal

from .models import Appeal

#: the fields ``reporter_contact`` gives, as the access log names them
FIELDS = ("name", "phone", "email")


def may_see_contact(appeal: Appeal, viewer) -> bool:
    """Whether ``viewer`` may see this request's reporter contact in clear."""
    if not may_reveal(viewer):
        return False
    if appeal.anonymous and viewer.role == Role.UNIT_HANDLER:
        return False
    return Appeal.objects.for_user(viewer).filter(pk=appeal.pk).exists()


def reporter_contact(appeal: Appeal, viewer, reason: str, *, fields=FIELDS) -> dict:
    """The reporter's ``name``, ``phone`` and ``email`` in clear (those asked in ``fields``).

    Refused (403) unless ``viewer`` may reveal personal values (``drivers.access.may_reveal``)
    and sees the request; a request anonymous to the handling unit is never revealed to
    a unit handler. ``reason`` is required. Writes one access-log row (field
    ``reporter:<fields>``; about a driver's request, the row is sealed under his personal
    key) in its own transaction, before the values are returned.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why you need to see it."), code="reason_required", field="reason")
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), code="bad_field", field="fields")
    if not may_see_contact(appeal, viewer):
        raise PermissionDeniedError(_("Your role may not see full values."), code="forbidden")
    if appeal.driver_id:
        driver = appeal.driver
        values = {"name": driver.name, "phone": driver.phone, "email": ""}
    else:
        values = {
            "name": appeal.reporter_name,
            "phone": appeal.reporter_phone,
            "email": appeal.reporter_email,
        }
    with transaction.atomic():
        audit.record_access(
            viewer,
            appeal,
            "reporter:" + ",".join(fields),
            reason=reason,
            organisation=appeal.organisation_id,
        )
    return {name: values[name] for name in fields}
