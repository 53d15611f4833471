"""Find one driver from what a member of staff types at a counter: a phone number or a plate."""

from __future__ import annotations

from driverhome.core import pii, plates

from .search import classify


def driver_by_phone_or_plate(user, text: str):
    """The driver (within the user's scope) whose mobile number or plate is ``text``, or None."""
    from .models import Driver, Vehicle

    kind, value = classify(text)
    drivers = Driver.objects.for_user(user).active()
    if kind == "phone":
        return drivers.filter(phone_hash=pii.lookup_hash(value, kind="phone")).first()
    if kind == "id":
        return drivers.filter(id_hash=pii.lookup_hash(value, kind="id")).first()
    if kind == "plate" and plates.is_valid(value):
        plate, _new_energy = plates.parse(value)
        ids = Vehicle.objects.filter(plate=plate).values("driver_id")
        return drivers.filter(pk__in=ids).order_by("-updated_at").first()
    return None
