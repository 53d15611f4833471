"""One driver picker for every console form that names a driver.

Service records, training and the 卡嫂 workshop, the market desk (registration and
check-in) and apartments (allocation and waiting list) all take the driver the same way:
a search box (``drivers/_picker.html``) that accepts a name, pinyin, initials, a plate
(with or without its province character, in any case, a part of four characters or more,
its last digits) or a mobile number (the last four digits or all of it), the ID number,
and shows the matching files as they type (``pick``, an htmx partial). A choice is sent
as ``<field>_pick`` (the file's public id); without a choice, the typed text is resolved
on submit: one match is the driver, several are shown to choose from, none says what was
searched (``search.nothing_found``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

from driverhome.accounts.access import role_required
from driverhome.core import plates

from .access import FILE_ROLES
from .search import classify, find_drivers, nothing_found

#: files shown at most while typing
SHOWN = 8
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


@dataclass
class Picked:
    """What the text or the choice names: one driver, several to choose from, or nobody."""

    text: str = ""
    driver: object | None = None
    candidates: list = field(default_factory=list)
    message: str = ""
    more: bool = False

    @property
    def shown(self) -> list:
        """The files to show under the box: the one chosen, or those to choose from."""
        return [self.driver] if self.driver is not None else self.candidates


def scoped(user):
    from .models import Driver

    return Driver.objects.for_user(user).active()


def _as_uuid(text: str):
    try:
        return uuid.UUID(str(text).strip())
    except (ValueError, AttributeError):
        return None


def candidates(drivers, text: str, *, limit: int = SHOWN) -> list:
    """Up to ``limit`` + 1 files matching ``text``, newest first, with what the list shows."""
    return list(
        find_drivers(drivers, text)
        .select_related("organisation")
        .prefetch_related("vehicles")
        .defer("id_number", "phone")
        .order_by("-created_at", "-pk")[: limit + 1]
    )


def resolve(user, text: str, *, picked: str = "", drivers=None) -> Picked:
    """The driver a form names: the file chosen in the list (``picked``), else the typed text.

    ``drivers`` narrows the files that may be picked (default: the active files the user
    sees). A full plate that is on exactly one file picks it even when longer plates begin
    with it.
    """
    drivers = scoped(user) if drivers is None else drivers
    text = " ".join(str(text or "").split())
    public_id = _as_uuid(picked) or _as_uuid(text)
    if public_id is not None:
        driver = drivers.filter(public_id=public_id).first()
        if driver is None:
            return Picked(text=text, message=_("The chosen driver is not among your files."))
        return Picked(text=text, driver=driver)
    kind, value = classify(text)
    if kind == "empty":
        return Picked(text=text, message=nothing_found(text))
    if kind == "plate" and plates.is_valid(value):
        from .models import Vehicle

        plate, _new_energy = plates.parse(value)
        exact = list(
            drivers.filter(pk__in=Vehicle.objects.filter(plate=plate).values("driver_id"))[:2]
        )
        if len(exact) == 1:
            return Picked(text=text, driver=exact[0])
    found = candidates(drivers, text)
    if len(found) == 1:
        return Picked(text=text, driver=found[0])
    if not found:
        return Picked(text=text, message=nothing_found(text))
    more = len(found) > SHOWN
    message = (
        _("More than %(n)s drivers match “%(text)s”: type more, or choose one.")
        if more
        else _("%(n)s drivers match “%(text)s”: choose one.")
    ) % {"n": min(len(found), SHOWN), "text": text}
    return Picked(text=text, candidates=found[:SHOWN], message=message, more=more)


def from_post(request, name: str, *, drivers=None) -> Picked:
    """``resolve`` for a form field ``name`` posted with the picker (text and choice)."""
    return resolve(
        request.user,
        request.POST.get(name, ""),
        picked=request.POST.get(f"{name}_pick", ""),
        drivers=drivers,
    )


@role_required(*FILE_ROLES)
def pick(request):
    """The files matching what is typed in a picker box (an htmx partial of choices).

    ``field`` names the form field; its value is the text. ``submit=1`` makes each
    choice a button that sends the form at once (one-field forms such as the door).
    """
    name = request.GET.get("field", "")
    if not _FIELD_NAME.match(name):
        return HttpResponseBadRequest(_("Unknown field."))
    text = request.GET.get(name, "")
    picked = Picked(text=text)
    kind, _value = classify(text)
    if ":" in text:  # a scanned code (the market door's QR codes), not a search
        kind = "empty"
    # Nothing is said while the text is too short to search: he is still typing.
    if kind not in ("empty", "short", "digits"):
        found = candidates(scoped(request.user), text)
        picked.candidates = found[:SHOWN]
        picked.more = len(found) > SHOWN
        if not found:
            picked.message = nothing_found(text)
    return render(
        request,
        "drivers/_picker_results.html",
        {"picked": picked, "pick_name": f"{name}_pick", "submit": request.GET.get("submit")},
    )
