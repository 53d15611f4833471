"""Export of a filtered driver list to Excel: masked, or in full for allowed roles (then logged)."""

from __future__ import annotations

import io

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from driverhome.accounts import audit
from driverhome.accounts.models import AccessLog
from driverhome.core import pii, sheets

from .access import may_reveal

MAX_ROWS = 100_000


def drivers_xlsx(queryset, *, user, full: bool = False, reason: str = "") -> bytes:
    if full and not may_reveal(user):
        full = False
    drivers = queryset.select_related("employer", "organisation", "personal_key").order_by("pk")[
        :MAX_ROWS
    ]
    out = io.BytesIO()
    book = sheets.workbook(out, in_memory=True, constant_memory=True)
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(_("Drivers"))
    headers = [
        pgettext("person", "Name"),
        _("ID number"),
        _("Mobile number"),
        _("Sex"),
        _("Date of birth"),
        _("Residence"),
        _("Employer"),
        _("File held by"),
        _("Hometown"),
        _("Driving licence class"),
        _("Tags"),
    ]
    sheets.write_row(sheet, 0, 0, headers, bold)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 2, 20)
    sheet.set_column(6, 7, 28)
    logged = []
    for row, d in enumerate(drivers.iterator(chunk_size=2000), start=1):
        if full:
            id_number, mobile = d.id_number, d.phone
            logged.append(d)
        else:
            id_number, mobile = pii.mask_id(d.id_number), pii.mask_phone(d.phone)
        sheets.write_row(
            sheet,
            row,
            0,
            [
                d.name,
                id_number,
                mobile,
                d.get_sex_display() if d.sex else "",
                d.birth_date.isoformat() if d.birth_date else "",
                d.get_residence_type_display(),
                d.employer.name if d.employer_id else "",
                d.organisation.name,
                d.hometown,
                d.licence_class,
                ", ".join(d.tags or []),
            ],
        )
    book.close()
    if logged:
        _log_export(user, logged, reason)
    return out.getvalue()


@transaction.atomic
def _log_export(user, drivers, reason: str) -> None:
    reason = reason or _("Full export")
    AccessLog.objects.bulk_create(
        [
            audit.access_entry(
                user, d, "id_number,phone", reason=reason, organisation=d.organisation_id
            )
            for d in drivers
        ],
        batch_size=1000,
    )
