"""Console pages: staff correct and remove a driver's family members and vehicles.

The file is found through ``Driver.objects.for_user`` (404 outside the viewer's area), its
family member or vehicle through the file; the actions check the same again
(``access.require_keeper``) and write the audit rows.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from driverhome.accounts.access import role_required
from driverhome.accounts.scoping import get_for_user
from driverhome.core.errors import DomainError

from . import actions
from .access import FILE_ROLES
from .forms import FamilyEditForm, FamilyForm, VehicleForm
from .models import Driver

file_roles = role_required(*FILE_ROLES)


def _driver(request, public_id) -> Driver:
    driver = get_for_user(
        Driver.objects.select_related("organisation"), request.user, public_id=public_id
    )
    if driver.is_anonymised:
        raise Http404
    return driver


def _member(request, public_id, member):
    driver = _driver(request, public_id)
    found = driver.family.filter(public_id=member).first()
    if found is None:
        raise Http404
    return driver, found


def _vehicle(request, public_id, vehicle):
    driver = _driver(request, public_id)
    found = driver.vehicles.filter(public_id=vehicle).first()
    if found is None:
        raise Http404
    return driver, found


def _form_error(form, exc: DomainError) -> None:
    field = exc.extra.get("field")
    form.add_error(field if field in form.fields else None, str(exc))


def _back(driver):
    return redirect("drivers:driver-detail", public_id=driver.public_id)


@file_roles
def family_edit(request, public_id, member):
    driver, found = _member(request, public_id, member)
    fields = FamilyForm.Meta.fields
    form = FamilyEditForm(
        request.POST or None, initial={name: getattr(found, name) for name in fields}
    )
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in fields}
        id_number = form.cleaned_data["id_number"].strip() or None
        try:
            actions.update_family_member(found, actor=request.user, id_number=id_number, **data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": data["name"]})
            return _back(driver)
    return render(
        request, "drivers/family_form.html", {"form": form, "driver": driver, "member": found}
    )


@file_roles
@require_POST
def family_remove(request, public_id, member):
    driver, found = _member(request, public_id, member)
    try:
        actions.remove_family_member(found, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(name)s was removed from the file.") % {"name": found.name})
    return _back(driver)


@file_roles
def vehicle_edit(request, public_id, vehicle):
    driver, found = _vehicle(request, public_id, vehicle)
    initial = {"plate": found.plate, "truck_type": found.truck_type, "ownership": found.ownership}
    form = VehicleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.update_vehicle(found, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("%(plate)s was saved.") % {"plate": saved.plate})
            return _back(driver)
    return render(
        request, "drivers/vehicle_form.html", {"form": form, "driver": driver, "vehicle": found}
    )


@file_roles
@require_POST
def vehicle_remove(request, public_id, vehicle):
    driver, found = _vehicle(request, public_id, vehicle)
    try:
        actions.remove_vehicle(found, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(plate)s was removed.") % {"plate": found.plate})
    return _back(driver)
