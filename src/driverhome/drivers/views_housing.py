"""Console pages of housing: buildings with their occupancy, buildings and apartments created,
edited and taken out of service, and the import from Excel or CSV."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from driverhome.accounts.access import role_required
from driverhome.accounts.scoping import get_for_user
from driverhome.core.errors import DomainError
from driverhome.core.pagination import paginate

from . import housing, housing_import
from .access import APARTMENT_ROLES
from .forms_housing import ApartmentForm, BuildingForm, HousingImportForm, ServiceForm
from .models import Allocation, Apartment, Building, FamilyMember

housing_roles = role_required(*APARTMENT_ROLES)


def _form_error(form, exc: DomainError) -> None:
    field = exc.extra.get("field")
    form.add_error(field if field in form.fields else None, str(exc))


def _building(request, code) -> Building:
    return get_for_user(Building.objects.select_related("organisation"), request.user, code=code)


def _apartment(request, public_id) -> Apartment:
    return get_for_user(
        Apartment.objects.select_related("building__organisation"),
        request.user,
        public_id=public_id,
    )


@housing_roles
def building_list(request):
    rows = housing.occupancy(Building.objects.for_user(request.user).select_related("organisation"))
    totals = {
        key: sum(row[key] for row in rows)
        for key in ("total", "in_service", "occupied", "free", "places", "residents")
    }
    return render(
        request,
        "drivers/housing/building_list.html",
        {"rows": rows, "totals": totals, "tab": "buildings"},
    )


@housing_roles
def building_create(request):
    form = BuildingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            building = housing.create_building(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The building was created."))
            return redirect("drivers:building-detail", code=building.code)
    return render(
        request, "drivers/housing/building_form.html", {"form": form, "tab": "new-building"}
    )


@housing_roles
def building_detail(request, code):
    building = _building(request, code)
    [row] = housing.occupancy(Building.objects.filter(pk=building.pk))
    page = paginate(
        building.apartments.all(), order="pk", cursor=request.GET.get("cursor"), page_size=100
    )
    current = {
        a.apartment_id: a
        for a in Allocation.objects.filter(
            apartment__in=[a.pk for a in page.items], ended_on__isnull=True
        ).select_related("driver")
    }
    family = dict(
        FamilyMember.objects.filter(
            driver__in=[a.driver_id for a in current.values()], lives_with_driver=True
        )
        .values_list("driver")
        .annotate(n=Count("pk"))
    )
    apartments = []
    for a in page.items:
        allocation = current.get(a.pk)
        size = 1 + family.get(allocation.driver_id, 0) if allocation else 0
        apartments.append({"apartment": a, "allocation": allocation, "household": size})
    return render(
        request,
        "drivers/housing/building_detail.html",
        {
            "building": building,
            "row": row,
            "page": page,
            "apartments": apartments,
            "service_form": ServiceForm(),
            "tab": "buildings",
        },
    )


@housing_roles
def building_edit(request, code):
    building = _building(request, code)
    initial = {
        "name": building.name,
        "organisation": building.organisation_id,
        "address": building.address,
        "floors": building.floors,
    }
    form = BuildingForm(request.POST or None, initial=initial, user=request.user, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            housing.update_building(building, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The building was saved."))
            return redirect("drivers:building-detail", code=building.code)
    return render(
        request,
        "drivers/housing/building_form.html",
        {"form": form, "building": building, "tab": "buildings"},
    )


def _out_of_service(request) -> bool:
    return request.POST.get("out_of_service") == "1"


@housing_roles
@require_POST
def building_service(request, code):
    building = _building(request, code)
    form = ServiceForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    out = _out_of_service(request)
    try:
        housing.set_building_service(
            building, actor=request.user, out_of_service=out, reason=reason
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The building was taken out of service.")
            if out
            else _("The building is back in service."),
        )
    return redirect("drivers:building-detail", code=building.code)


@housing_roles
def apartment_create(request, code):
    building = _building(request, code)
    form = ApartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            housing.create_apartment(building, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The apartment was added."))
            if request.POST.get("another"):
                return redirect("drivers:apartment-create", code=building.code)
            return redirect("drivers:building-detail", code=building.code)
    return render(
        request,
        "drivers/housing/apartment_form.html",
        {"form": form, "building": building, "tab": "buildings"},
    )


@housing_roles
def apartment_edit(request, public_id):
    apartment = _apartment(request, public_id)
    initial = {"number": apartment.number, "floor": apartment.floor, "capacity": apartment.capacity}
    form = ApartmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            housing.update_apartment(apartment, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The apartment was saved."))
            return redirect("drivers:building-detail", code=apartment.building.code)
    return render(
        request,
        "drivers/housing/apartment_form.html",
        {
            "form": form,
            "building": apartment.building,
            "apartment": apartment,
            "service_form": ServiceForm(),
            "tab": "buildings",
        },
    )


@housing_roles
@require_POST
def apartment_service(request, public_id):
    apartment = _apartment(request, public_id)
    form = ServiceForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    out = _out_of_service(request)
    try:
        housing.set_apartment_service(
            apartment, actor=request.user, out_of_service=out, reason=reason
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The apartment was taken out of service.")
            if out
            else _("The apartment is back in service."),
        )
    return redirect("drivers:building-detail", code=apartment.building.code)


@housing_roles
def housing_import_page(request):
    form = HousingImportForm(request.POST or None, request.FILES or None, user=request.user)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(settings.IMPORT_MAX_BYTES + 1)
        try:
            result = housing_import.import_housing(
                data,
                upload.name,
                actor=request.user,
                organisation=form.cleaned_data["organisation"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            if result.written:
                messages.success(request, result.message)
    return render(
        request,
        "drivers/housing/import.html",
        {"form": form, "result": result, "tab": "import", "columns": housing_import.COLUMNS},
        status=400 if result is not None and result.errors else 200,
    )


@housing_roles
def housing_template(request):
    response = HttpResponse(
        housing_import.template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="housing-template.xlsx"'
    return response
