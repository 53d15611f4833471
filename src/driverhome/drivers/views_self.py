"""Driver pages: his vehicles and family, added and corrected from his phone.

A vehicle he adds, corrects or removes is changed at once; a family member too, except
the ID number he gives for one, which waits for staff to confirm it (a correction, as for
his own name or ID number). Removing a family member is done by staff.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from driverhome.accounts.access import driver_required
from driverhome.core.errors import DomainError

from . import actions
from .access import driver_for_user
from .forms import SelfFamilyForm, VehicleForm
from .models import CorrectionRequest


def _to_file(section: str):
    """Back to his file, at the section he changed."""
    return redirect(reverse("drivers_driver:my-file") + f"#{section}")


def _form_error(form, exc: DomainError) -> None:
    field = exc.extra.get("field")
    form.add_error(field if field in form.fields else None, str(exc))


def _own(request):
    """His file, or 404 (a driver without a file registers first)."""
    driver = driver_for_user(request.user)
    if driver is None:
        raise Http404
    return driver


def _vehicle(request, public_id):
    driver = _own(request)
    vehicle = driver.vehicles.filter(public_id=public_id).first()
    if vehicle is None:
        raise Http404
    return driver, vehicle


def _member(request, public_id):
    driver = _own(request)
    member = driver.family.filter(public_id=public_id).first()
    if member is None:
        raise Http404
    return driver, member


@driver_required
def vehicle_new(request):
    driver = _own(request)
    form = VehicleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vehicle = actions.add_vehicle(driver, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("%(plate)s was added.") % {"plate": vehicle.plate})
            return _to_file("vehicles")
    return render(request, "drivers/driver/vehicle_form.html", {"form": form, "vehicle": None})


@driver_required
def vehicle_edit(request, public_id):
    _driver, vehicle = _vehicle(request, public_id)
    initial = {
        "plate": vehicle.plate,
        "truck_type": vehicle.truck_type,
        "ownership": vehicle.ownership,
    }
    form = VehicleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            vehicle = actions.update_vehicle(vehicle, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("%(plate)s was saved.") % {"plate": vehicle.plate})
            return _to_file("vehicles")
    return render(request, "drivers/driver/vehicle_form.html", {"form": form, "vehicle": vehicle})


@driver_required
@require_POST
def vehicle_remove(request, public_id):
    _driver, vehicle = _vehicle(request, public_id)
    try:
        actions.remove_vehicle(vehicle, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(plate)s was removed.") % {"plate": vehicle.plate})
    return _to_file("vehicles")


def _family_saved(request, member, id_number: str) -> None:
    if id_number and id_number != member.id_number:
        messages.success(
            request,
            _("%(name)s was saved. Staff will check the ID number and confirm it.")
            % {"name": member.name},
        )
    else:
        messages.success(request, _("%(name)s was saved.") % {"name": member.name})


@driver_required
def family_new(request):
    driver = _own(request)
    form = SelfFamilyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in SelfFamilyForm.Meta.fields}
        id_number = form.cleaned_data["id_number"].strip()
        try:
            member = actions.add_family_member(
                driver, actor=request.user, id_number=id_number, **data
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            _family_saved(request, member, id_number)
            return _to_file("family")
    return render(request, "drivers/driver/family_form.html", {"form": form, "member": None})


@driver_required
def family_edit(request, public_id):
    _driver, member = _member(request, public_id)
    initial = {name: getattr(member, name) for name in SelfFamilyForm.Meta.fields}
    form = SelfFamilyForm(request.POST or None, initial=initial)
    pending = member.corrections.filter(status=CorrectionRequest.Status.PENDING).exists()
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in SelfFamilyForm.Meta.fields}
        id_number = form.cleaned_data["id_number"].strip()
        try:
            member = actions.update_family_member(
                member, actor=request.user, id_number=id_number or None, **data
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            _family_saved(request, member, id_number)
            return _to_file("family")
    return render(
        request,
        "drivers/driver/family_form.html",
        {"form": form, "member": member, "pending": pending},
    )
