"""Console pages of the closed loop: list, intake on behalf, detail with every action, hotspots."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from driverhome.accounts.access import role_required, staff_required
from driverhome.accounts.models import Role, User
from driverhome.accounts.scoping import get_for_user
from driverhome.core.errors import DomainError
from driverhome.core.pagination import paginate
from driverhome.core.uploads import upload_response

from . import access, actions, operations, routing, similar
from .console import WEAK_CLOSURE_ROLES, panel_list
from .forms import FilterForm, PeriodForm, RatingForm, RevealForm, StaffIntakeForm
from .models import Appeal, BrokerTransfer, Category, Extension, Reopening

INTAKE_ROLES = (Role.BROKER, Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN)


def _list_qs(user):
    return Appeal.objects.for_user(user).select_related(
        "category", "handling_unit", "organisation", "driver"
    )


@staff_required
@require_GET
def appeal_list(request):
    form = FilterForm(request.GET or None)
    qs = _list_qs(request.user)
    order = "-received_at"
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(tracking_no__icontains=data["q"].strip())
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["category"]:
            qs = qs.filter(category__code=data["category"])
        if data["unit"]:
            qs = qs.filter(handling_unit__code=data["unit"].strip())
        if data["state"] == "open":
            qs = qs.open()
        elif data["state"] == "answered":
            qs = qs.filter(answered_at__isnull=False)
        elif data["state"] == "closed":
            qs = qs.filter(status=Appeal.Status.CLOSED)
        if data["rehandled"]:
            qs = qs.filter(rehandle_count__gt=0)
        if data["mine"]:
            # Exactly the rows the worklist panel counted.
            which = "overdue" if data["overdue"] else "soon" if data["soon"] else "waiting"
            qs = panel_list(request.user, qs, which)
            order = "due_at"
        elif data["overdue"]:
            qs = qs.overdue()
            order = "due_at"
    page = paginate(qs, order=order, cursor=request.GET.get("cursor"))
    querystring = request.GET.copy()
    querystring.pop("cursor", None)
    return render(
        request,
        "appeals/appeal_list.html",
        {"form": form, "page": page, "now": timezone.now(), "querystring": querystring.urlencode()},
    )


def _driver_lookup(user, text):
    if not text:
        return None
    from driverhome.drivers.lookup import driver_by_phone_or_plate

    return driver_by_phone_or_plate(user, text)


@role_required(*INTAKE_ROLES)
def appeal_new(request):
    """Staff file a request on a driver's behalf: phone call, walk-in, market desk, paper form."""
    form = StaffIntakeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        driver = _driver_lookup(request.user, data["driver_lookup"].strip())
        if data["driver_lookup"] and driver is None:
            form.add_error("driver_lookup", _("No driver in your area matches this."))
        elif driver is None and not data["reporter_phone"] and not data["reporter_name"]:
            form.add_error("reporter_name", _("Name the driver, or at least the caller."))
        else:
            try:
                appeal = actions.file_appeal(
                    actor=request.user,
                    driver=driver,
                    channel=data["channel"],
                    category=data["category"],
                    appeal_type=data["appeal_type"] or None,
                    description=data["description"],
                    location=form.location(),
                    address=data["address"],
                    station=data["station"],
                    received_at=data["received_at"],
                    anonymous=data["anonymous"],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    photos=data["photos"],
                    idempotency_key=data["idempotency_key"],
                    idempotency_scope=f"staff-form:{request.user.pk}",
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("Request %(no)s registered.") % {"no": appeal.tracking_no}
                )
                return redirect("appeals:appeal-detail", appeal.tracking_no)
    return render(request, "appeals/appeal_new.html", {"form": form})


@role_required(*INTAKE_ROLES)
@require_GET
def appeal_similar(request):
    """htmx partial on the intake form: open requests like the one being typed."""
    category = Category.objects.filter(code=request.GET.get("category", "")).first()
    description = request.GET.get("description", "")[:4000]
    matches = []
    if category is not None and len(description.strip()) >= 4:
        matches = similar.similar_to(
            Appeal.objects.for_user(request.user).select_related("category"),
            category=category,
            description=description,
        )
    return render(request, "appeals/_similar.html", {"matches": matches})


def _detail_context(request, appeal: Appeal) -> dict:
    user = request.user
    hide_driver = access.hides_driver(user, appeal)
    available = operations.available(appeal, user)
    context = {
        "appeal": appeal,
        "hide_driver": hide_driver,
        "driver_file": _driver_file_visible(user, appeal) and not hide_driver,
        "broker": appeal.care_broker or (appeal.driver.care_broker if appeal.driver_id else None),
        "may_reveal_phone": access.may_reveal_phone(user, appeal),
        "phone_masked": "" if hide_driver else _masked_phone(appeal),
        "pending_reopening": appeal.reopenings.filter(status=Reopening.Status.PENDING).first(),
        "transitions": appeal.transitions.select_related("actor"),
        "visits": appeal.visits.select_related("by"),
        "extensions": appeal.extensions.select_related("requested_by", "decided_by"),
        "supervisions": appeal.supervisions.select_related("by"),
        "photos": appeal.photos.all(),
        "transfers": appeal.transfers.select_related("from_broker", "to_broker"),
        "duplicates": appeal.duplicates.all(),
        "available": available,
        "labels": operations.LABELS,
        "pending_extension": appeal.extensions.filter(status=Extension.Status.PENDING).first(),
        "pending_transfer": appeal.transfers.filter(status=BrokerTransfer.Status.PENDING).first(),
        "rating_form": RatingForm(),
        "now": timezone.now(),
    }
    if "dispatch" in available:
        context["units"] = routing.handling_units(user)
        context["suggested"] = routing.suggest_unit(
            appeal.category, appeal.organisation, appeal.station
        )
    if "transfer" in available:
        context["brokers"] = User.objects.filter(
            role=Role.BROKER, is_active=True, organisation__path__startswith=_district_path(appeal)
        ).exclude(pk=appeal.care_broker_id)
    if "merge" in available:
        context["similar"] = similar.similar_to(
            Appeal.objects.for_user(user).select_related("category"),
            category=appeal.category,
            description=appeal.description,
            lat=appeal.lat,
            lon=appeal.lon,
            exclude_pk=appeal.pk,
        )
    return context


def _driver_file_visible(user, appeal: Appeal) -> bool:
    from driverhome.drivers.access import FILE_ROLES
    from driverhome.drivers.models import Driver

    if appeal.driver_id is None or not (user.is_superuser or user.role in FILE_ROLES):
        return False
    return Driver.objects.for_user(user).filter(pk=appeal.driver_id).exists()


def _masked_phone(appeal: Appeal) -> str:
    from driverhome.core.pii import mask_phone

    return mask_phone(access.contact_phone(appeal))


@staff_required
@require_POST
def appeal_phone(request, tracking_no):
    """htmx: the full phone number behind the request, with a reason, access-logged."""
    appeal = _get(request, tracking_no)
    if not access.may_reveal_phone(request.user, appeal):
        raise Http404
    form = RevealForm(request.POST)
    context = {"appeal": appeal, "phone_masked": _masked_phone(appeal)}
    if not form.is_valid():
        context["error"] = _("Say why you need the full value.")
        return render(request, "appeals/_phone.html", context, status=400)
    try:
        context["phone"] = actions.reveal_phone(
            appeal, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        context["error"] = str(exc)
        return render(request, "appeals/_phone.html", context, status=exc.status)
    return render(request, "appeals/_phone.html", context)


def _district_path(appeal: Appeal) -> str:
    for area in appeal.organisation.ancestors():
        if area.kind == "district":
            return area.path
    return appeal.organisation.path


def _get(request, tracking_no):
    return get_for_user(
        Appeal.objects.select_related(
            "category",
            "handling_unit",
            "organisation",
            "driver",
            "care_broker",
            "merged_into",
            "station",
            "driver__care_broker",
            "driver__organisation",
        ),
        request.user,
        tracking_no=tracking_no,
    )


@staff_required
@require_GET
def appeal_detail(request, tracking_no):
    appeal = _get(request, tracking_no)
    return render(request, "appeals/appeal_detail.html", _detail_context(request, appeal))


@staff_required
@require_POST
def appeal_act(request, tracking_no, action):
    appeal = _get(request, tracking_no)
    if action not in operations.NAMES:
        raise Http404
    try:
        operations.perform(appeal, action, actor=request.user, data=request.POST)
    except DomainError as exc:
        appeal = _get(request, tracking_no)
        context = _detail_context(request, appeal)
        context["error"] = str(exc)
        return render(request, "appeals/appeal_detail.html", context, status=exc.status)
    messages.success(request, _("Done: %(action)s.") % {"action": operations.LABELS[action]})
    return redirect("appeals:appeal-detail", tracking_no)


@staff_required
@require_GET
def appeal_photo(request, tracking_no, photo_id):
    appeal = _get(request, tracking_no)
    photo = get_object_or_404(appeal.photos, public_id=photo_id)
    return upload_response(photo.file)


@role_required(Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN, Role.BROKER)
@require_GET
def hotspot_list(request):
    try:
        days = max(1, min(int(request.GET.get("days", 7)), 90))
    except ValueError:
        days = 7
    rows = similar.hotspots(Appeal.objects.for_user(request.user), days=days)
    return render(request, "appeals/hotspot_list.html", {"rows": rows, "days": days})


@role_required(*WEAK_CLOSURE_ROLES)
@require_GET
def weak_closure_list(request):
    """Requests closed partly or not resolved, or rated below 3: per unit, then one by one."""
    from . import weak

    start, end = weak.default_period()
    form = PeriodForm(request.GET or None, initial={"start": start, "end": end})
    unit = ""
    status = 200
    if form.is_bound:
        if form.is_valid():
            start = form.cleaned_data["start"] or start
            end = form.cleaned_data["end"] or end
            unit = form.cleaned_data["unit"].strip()
        else:
            status = 400
    scoped = Appeal.objects.for_user(request.user)
    rows = weak.per_unit(scoped, start, end)
    items = weak.weak_closures(scoped, start, end).select_related("category", "handling_unit")
    if unit:
        items = items.filter(handling_unit__code=unit)
    return render(
        request,
        "appeals/weak_closures.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "unit": unit,
            "rows": rows,
            "total": sum(row["weak"] for row in rows),
            "items": items.order_by("-closed_at")[:200],
        },
        status=status,
    )
