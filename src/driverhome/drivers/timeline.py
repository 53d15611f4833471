"""The driver's timeline: entries from every app that has ``<app>/timeline.py``, plus ours.

Each app offers ``entries_for_driver(driver, user) -> list[dict(at, kind, title, detail, url)]``
and decides itself what the user may see. Ours: notes, housing moves, employment,
and changes to the file from the audit log (protected values only as "changed").
"""

from __future__ import annotations

from datetime import datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from driverhome.core.modules import optional_import

APPS = ["appeals", "services", "events", "stations", "notifications"]

ACTION_TITLES = {
    "driver.create": gettext_noop("File opened"),
    "driver.update": gettext_noop("File changed"),
    "driver.register": gettext_noop("Registered on the driver site"),
    "driver.consent": gettext_noop("Consent given"),
    "driver.consent_withdrawn": gettext_noop("Consent withdrawn"),
    "driver.correction_requested": gettext_noop("Correction requested"),
    "driver.correction_confirmed": gettext_noop("Correction confirmed"),
    "driver.correction_rejected": gettext_noop("Correction rejected"),
    "driver.anonymise": gettext_noop("File anonymised"),
    "vehicle.create": gettext_noop("Vehicle added"),
    "vehicle.delete": gettext_noop("Vehicle removed"),
    "apartment.waiting_list": gettext_noop("Joined the apartment waiting list"),
}


def _title(action: str) -> str:
    # The English source strings are listed in ACTION_TITLES; gettext translates them here.
    return _(ACTION_TITLES[action])


def _at(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


def own_entries(driver, user) -> list[dict]:
    from driverhome.accounts.models import AuditLog

    entries = []
    for note in driver.notes.select_related("author")[:100]:
        entries.append(
            {
                "at": note.created_at,
                "kind": gettext_noop("note"),
                "title": _("Note by %(author)s")
                % {"author": note.author.display_name if note.author else _("system")},
                "detail": note.text,
                "url": "",
            }
        )
    for allocation in driver.allocations.select_related("apartment__building"):
        entries.append(
            {
                "at": _at(allocation.started_on),
                "kind": gettext_noop("housing"),
                "title": _("Moved into %(apartment)s") % {"apartment": allocation.apartment},
                "detail": "",
                "url": "",
            }
        )
        if allocation.ended_on:
            entries.append(
                {
                    "at": _at(allocation.ended_on),
                    "kind": gettext_noop("housing"),
                    "title": _("Moved out of %(apartment)s") % {"apartment": allocation.apartment},
                    "detail": allocation.end_reason,
                    "url": "",
                }
            )
    for job in driver.employment.select_related("employer"):
        if job.started_on:
            entries.append(
                {
                    "at": _at(job.started_on),
                    "kind": gettext_noop("employment"),
                    "title": _("Started at %(employer)s") % {"employer": job.employer.name},
                    "detail": "",
                    "url": "",
                }
            )
    changes = AuditLog.objects.filter(
        object_type="drivers.driver", object_id=str(driver.public_id), action__in=ACTION_TITLES
    ).order_by("-at")[:100]
    for entry in changes:
        fields = ", ".join(sorted(entry.changes)) if entry.action == "driver.update" else ""
        entries.append(
            {
                "at": entry.at,
                "kind": gettext_noop("file"),
                "title": _title(entry.action),
                "detail": fields,
                "url": "",
                "actor": entry.actor_label,
            }
        )
    return entries


def timeline_for(driver, user, *, limit: int = 200) -> list[dict]:
    entries = own_entries(driver, user)
    for app in APPS:
        module = optional_import(f"driverhome.{app}.timeline")
        if module is None or not hasattr(module, "entries_for_driver"):
            continue
        entries.extend(module.entries_for_driver(driver, user))
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries[:limit]
