"""Console pages: driver list and file, family, vehicles, notes, import and export, corrections, apartments."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from driverhome.accounts.access import role_required
from driverhome.accounts.models import Role
from driverhome.accounts.scoping import get_for_user
from driverhome.core.errors import DomainError
from driverhome.core.pagination import paginate

from . import actions, exporting, importer, picker
from .access import APARTMENT_ROLES, FILE_ROLES, may_reveal
from .forms import (
    AllocateForm,
    DriverFilterForm,
    DriverForm,
    FamilyForm,
    ImportForm,
    NoteForm,
    RevealForm,
    TransferForm,
    VacateForm,
    VehicleForm,
    WaitingForm,
)
from .models import (
    Allocation,
    Apartment,
    Building,
    CorrectionRequest,
    Driver,
    ImportJob,
    WaitingListEntry,
)
from .search import find_drivers
from .timeline import timeline_for

file_roles = role_required(*FILE_ROLES)
apartment_roles = role_required(*APARTMENT_ROLES)
supervisor_roles = role_required(Role.SUPERVISOR, Role.ADMIN)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def filtered_drivers(request):
    form = DriverFilterForm(request.GET or None)
    drivers = Driver.objects.for_user(request.user).active()
    if form.is_valid():
        data = form.cleaned_data
        drivers = find_drivers(drivers, data["q"])
        if data["residence"]:
            drivers = drivers.filter(residence_type=data["residence"])
        if data["tag"]:
            drivers = drivers.with_tag(data["tag"])
        if data["mine"]:
            drivers = drivers.filter(care_broker=request.user)
    return form, drivers


@file_roles
def driver_list(request):
    form, drivers = filtered_drivers(request)
    # The list never shows protected values: leave the ciphertext undecrypted.
    drivers = drivers.select_related("organisation", "employer", "care_broker").defer(
        "id_number", "phone"
    )
    page = paginate(drivers, order="-created_at", cursor=request.GET.get("cursor"))
    template = "drivers/_driver_rows.html" if request.htmx else "drivers/driver_list.html"
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "querystring": query.urlencode(),
            "may_reveal": may_reveal(request.user),
        },
    )


@file_roles
def driver_export(request):
    _form, drivers = filtered_drivers(request)
    full = request.GET.get("full") == "1"
    if full and not may_reveal(request.user):
        raise Http404
    content = exporting.drivers_xlsx(
        drivers, user=request.user, full=full, reason=request.GET.get("reason", "")
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return _xlsx(content, f"drivers-{stamp}.xlsx")


def _driver(request, public_id) -> Driver:
    return get_for_user(
        Driver.objects.select_related(
            "organisation", "employer", "care_broker", "current_node", "user"
        ),
        request.user,
        public_id=public_id,
    )


@file_roles
def driver_detail(request, public_id):
    driver = _driver(request, public_id)
    context = {
        "driver": driver,
        "family": driver.family.all().order_by("relation", "birth_date"),
        "vehicles": driver.vehicles.all(),
        "employment": driver.employment.select_related("employer"),
        "allocation": driver.allocations.filter(ended_on__isnull=True)
        .select_related("apartment__building")
        .first(),
        "consents": driver.consents.all(),
        "corrections": driver.corrections.filter(status=CorrectionRequest.Status.PENDING),
        "timeline": timeline_for(driver, request.user),
        "note_form": NoteForm(),
        "vehicle_form": VehicleForm(),
        "reveal_form": RevealForm(),
        "may_reveal": may_reveal(request.user),
        "may_anonymise": request.user.has_role(Role.SUPERVISOR, Role.ADMIN),
        "today": timezone.localdate(),
    }
    return render(request, "drivers/driver_detail.html", context)


def _driver_fields(form: DriverForm, *, creating: bool) -> dict:
    data = dict(form.cleaned_data)
    for key in ("id_number", "phone"):
        if not data.get(key) and not creating:
            data.pop(key, None)
    for key in ("licence_expiry", "qualification_expiry"):
        data[key] = data.get(key) or None
    return data


def _form_error(form, exc: DomainError) -> None:
    field = exc.extra.get("field")
    form.add_error(field if field in form.fields else None, str(exc))


@file_roles
def driver_create(request):
    form = DriverForm(request.POST or None, user=request.user, creating=True)
    if request.method == "POST" and form.is_valid():
        data = _driver_fields(form, creating=True)
        try:
            driver = actions.create_driver(
                actor=request.user,
                organisation=request.user.organisation or _default_org(request),
                **data,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The file was opened."))
            return redirect("drivers:driver-detail", public_id=driver.public_id)
    return render(request, "drivers/driver_form.html", {"form": form, "creating": True})


def _default_org(request):
    from driverhome.accounts.models import Organisation

    return Organisation.objects.filter(parent__isnull=True).order_by("path").first()


@file_roles
def driver_edit(request, public_id):
    driver = _driver(request, public_id)
    initial = {
        "name": driver.name,
        "hometown": driver.hometown,
        "household_registration": driver.household_registration,
        "residence_type": driver.residence_type,
        "employer": driver.employer_id,
        "care_broker": driver.care_broker_id,
        "tags": driver.tags,
        "licence_class": driver.licence_class,
        "licence_expiry": driver.licence_expiry,
        "qualification_expiry": driver.qualification_expiry,
        "social_insurance": driver.social_insurance,
        "party_membership": driver.party_membership,
        "party_branch": driver.party_branch,
        "union_member": driver.union_member,
    }
    form = DriverForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_driver(
                driver, actor=request.user, **_driver_fields(form, creating=False)
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The file was saved."))
            return redirect("drivers:driver-detail", public_id=driver.public_id)
    return render(
        request, "drivers/driver_form.html", {"form": form, "driver": driver, "creating": False}
    )


@file_roles
@require_POST
def driver_reveal(request, public_id, field):
    driver = _driver(request, public_id)
    if field not in actions.PROTECTED or not may_reveal(request.user):
        raise Http404
    form = RevealForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "drivers/_reveal.html",
            {"driver": driver, "field": field, "error": _("Say why you need the full value.")},
            status=400,
        )
    value = actions.reveal(
        driver, actor=request.user, field=field, reason=form.cleaned_data["reason"]
    )
    return render(
        request, "drivers/_reveal.html", {"driver": driver, "field": field, "value": value}
    )


@file_roles
@require_POST
def note_add(request, public_id):
    driver = _driver(request, public_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        actions.add_note(driver, actor=request.user, text=form.cleaned_data["text"])
        messages.success(request, _("The note was added."))
    else:
        messages.error(request, _("The note is empty."))
    return redirect("drivers:driver-detail", public_id=driver.public_id)


@file_roles
@require_POST
def vehicle_add(request, public_id):
    driver = _driver(request, public_id)
    form = VehicleForm(request.POST)
    if form.is_valid():
        try:
            actions.add_vehicle(driver, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The vehicle was added."))
    else:
        messages.error(request, _("Enter a plate."))
    return redirect("drivers:driver-detail", public_id=driver.public_id)


@file_roles
def family_add(request, public_id):
    driver = _driver(request, public_id)
    form = FamilyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        id_number = data.pop("id_number", "")
        try:
            actions.add_family_member(driver, actor=request.user, id_number=id_number, **data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The family member was added."))
            return redirect("drivers:driver-detail", public_id=driver.public_id)
    return render(request, "drivers/family_form.html", {"form": form, "driver": driver})


@supervisor_roles
@require_POST
def driver_anonymise(request, public_id):
    driver = _driver(request, public_id)
    actions.anonymise_driver(driver, actor=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("The file was anonymised."))
    return redirect("drivers:driver-list")


# --- import ---------------------------------------------------------------------------------------


@file_roles
def import_new(request):
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # One byte over the limit is enough for read_table to refuse the file.
        data = upload.read(settings.IMPORT_MAX_BYTES + 1)
        try:
            # Refuse a file that is not a roster before queueing anything.
            table = importer.read_table(data, upload.name)
            if not table:
                raise importer.ImportFileError(_("The file is empty."))
            importer.map_headers(table[0])
        except importer.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            with transaction.atomic():
                job = ImportJob.objects.create(
                    organisation=form.cleaned_data["organisation"],
                    created_by=request.user,
                    filename=upload.name[:200],
                    dry_run=form.cleaned_data["dry_run"],
                    total_rows=max(len(table) - 1, 0),
                )
                importer.start_job(job, data)
            return redirect("drivers:import-detail", public_id=job.public_id)
    jobs = ImportJob.objects.for_user(request.user).order_by("-created_at")[:10]
    return render(request, "drivers/import_new.html", {"form": form, "jobs": jobs})


def _job(request, public_id) -> ImportJob:
    return get_for_user(ImportJob.objects, request.user, public_id=public_id)


@file_roles
def import_detail(request, public_id):
    job = _job(request, public_id)
    return render(request, "drivers/import_detail.html", {"job": job})


@file_roles
def import_progress(request, public_id):
    job = _job(request, public_id)
    return render(request, "drivers/_import_progress.html", {"job": job})


@file_roles
def import_report(request, public_id):
    job = _job(request, public_id)
    only_errors = request.GET.get("errors") == "1"
    return _xlsx(
        importer.report_xlsx(job.results, only_errors=only_errors),
        f"import-{str(job.public_id)[:8]}.xlsx",
    )


@file_roles
def import_template(request):
    return _xlsx(importer.template_xlsx(), "drivers-template.xlsx")


# --- corrections ---------------------------------------------------------------------------------


@file_roles
def correction_list(request):
    corrections = (
        CorrectionRequest.objects.for_user(request.user)
        .filter(status=CorrectionRequest.Status.PENDING)
        .select_related("driver", "family_member")
        .defer("new_value", "family_member__id_number", "family_member__phone")
    )
    page = paginate(corrections, order="requested_at", cursor=request.GET.get("cursor"))
    return render(request, "drivers/correction_list.html", {"page": page})


@file_roles
@require_POST
def correction_decide(request, public_id):
    correction = get_for_user(CorrectionRequest.objects, request.user, public_id=public_id)
    try:
        actions.decide_correction(
            correction,
            actor=request.user,
            confirm=request.POST.get("decision") == "confirm",
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The correction was decided."))
    return redirect("drivers:correction-list")


# --- apartments -------------------------------------------------------------------------------------


@apartment_roles
def apartment_list(request):
    buildings = Building.objects.for_user(request.user)
    occupancy = actions.occupancy(buildings)
    apartments = Apartment.objects.for_user(request.user).select_related("building").order_by()
    building_code = request.GET.get("building", "")
    if building_code:
        apartments = apartments.filter(building__code=building_code)
    status = request.GET.get("status", "")
    occupied_ids = Allocation.objects.filter(ended_on__isnull=True).values("apartment_id")
    if status == "free":
        apartments = apartments.exclude(pk__in=occupied_ids).filter(
            out_of_service=False, building__out_of_service=False
        )
    elif status == "occupied":
        apartments = apartments.filter(pk__in=occupied_ids)
    page = paginate(apartments, order="pk", cursor=request.GET.get("cursor"), page_size=60)
    current = {
        a.apartment_id: a
        for a in Allocation.objects.filter(
            apartment__in=[a.pk for a in page.items], ended_on__isnull=True
        ).select_related("driver")
    }
    rows = [(a, current.get(a.pk)) for a in page.items]
    waiting = (
        WaitingListEntry.objects.for_user(request.user)
        .filter(status=WaitingListEntry.Status.WAITING)
        .select_related("driver", "building")
        .order_by("applied_at", "pk")[:50]
    )
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "drivers/apartment_list.html",
        {
            "occupancy": occupancy,
            "page": page,
            "rows": rows,
            "waiting": waiting,
            "buildings": buildings,
            "building_code": building_code,
            "status": status,
            "querystring": query.urlencode(),
            "waiting_form": WaitingForm(buildings=buildings),
        },
    )


@apartment_roles
def apartment_detail(request, public_id):
    apartment = get_for_user(
        Apartment.objects.select_related("building"), request.user, public_id=public_id
    )
    form = AllocateForm(request.POST or None)
    picked = None
    if request.method == "POST" and form.is_valid():
        picked = picker.from_post(request, "driver")
        driver = picked.driver
        if driver is None:
            form.add_error("driver", picked.message)
        else:
            try:
                actions.allocate_apartment(
                    apartment,
                    driver,
                    actor=request.user,
                    started_on=form.cleaned_data["started_on"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The apartment was allocated."))
                return redirect("drivers:apartment-detail", public_id=apartment.public_id)
    history = apartment.allocations.select_related("driver").order_by("-started_on")[:20]
    current = next((a for a in history if a.ended_on is None), None)
    return render(
        request,
        "drivers/apartment_detail.html",
        {
            "apartment": apartment,
            "form": form,
            "picked": picked,
            "history": history,
            "current": current,
            "vacate_form": VacateForm(),
            "transfer_form": TransferForm(
                buildings=Building.objects.for_user(request.user).order_by("code"),
                initial={"building": apartment.building.code},
            ),
        },
    )


def _allocation(request, public_id) -> Allocation:
    """An allocation in the user's area (404 outside it), with its apartment and driver."""
    return get_for_user(
        Allocation.objects.select_related("apartment__building", "driver"),
        request.user,
        public_id=public_id,
    )


@apartment_roles
@require_POST
def allocation_transfer(request, public_id):
    """Move the household living in an apartment to another one (vacate and allocate at once)."""
    allocation = _allocation(request, public_id)
    form = TransferForm(request.POST, buildings=Building.objects.for_user(request.user))
    target = None
    if form.is_valid():
        target = (
            Apartment.objects.for_user(request.user)
            .filter(
                building=form.cleaned_data["building"], number=form.cleaned_data["number"].strip()
            )
            .first()
        )
    if target is None:
        messages.error(request, _("There is no such apartment in your area."))
        return redirect("drivers:apartment-detail", public_id=allocation.apartment.public_id)
    try:
        actions.transfer(allocation, target, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("drivers:apartment-detail", public_id=allocation.apartment.public_id)
    messages.success(request, _("The household moved to %(apartment)s.") % {"apartment": target})
    return redirect("drivers:apartment-detail", public_id=target.public_id)


@apartment_roles
@require_POST
def allocation_vacate(request, public_id):
    allocation = _allocation(request, public_id)
    form = VacateForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    try:
        actions.vacate(
            allocation,
            actor=request.user,
            reason=data.get("reason", ""),
            residence_type=data.get("residence_type") or actions.RESIDENCE_AFTER_VACATING,
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The apartment was vacated."))
    return redirect("drivers:apartment-detail", public_id=allocation.apartment.public_id)


@apartment_roles
@require_POST
def waiting_add(request):
    buildings = Building.objects.for_user(request.user)
    form = WaitingForm(request.POST, buildings=buildings)
    if form.is_valid():
        picked = picker.from_post(request, "driver")
        driver = picked.driver
        if driver is None:
            messages.error(request, picked.message)
        else:
            try:
                actions.join_waiting_list(
                    form.cleaned_data["building"],
                    driver,
                    actor=request.user,
                    household_size=form.cleaned_data["household_size"],
                )
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("The driver was put on the waiting list."))
    else:
        messages.error(request, _("Check the driver and the building."))
    return redirect("drivers:apartment-list")


@apartment_roles
@require_POST
def waiting_withdraw(request, public_id):
    entry = get_for_user(WaitingListEntry.objects, request.user, public_id=public_id)
    try:
        actions.withdraw_waiting(entry, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("drivers:apartment-list")
