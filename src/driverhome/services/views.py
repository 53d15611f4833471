"""Console pages: recommendations, catalogue, recording services, journeys, programmes."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from driverhome.accounts.access import role_required
from driverhome.accounts.models import Role
from driverhome.accounts.scoping import get_for_user
from driverhome.core.errors import DomainError
from driverhome.core.pagination import paginate
from driverhome.drivers import picker

from . import actions, figures
from .api import worklist
from .forms import (
    AttendanceForm,
    BulkRecordForm,
    CareerChangeForm,
    EarningForm,
    EnrolForm,
    ItemForm,
    MemberForm,
    NodeForm,
    RecordForm,
)
from .journey import journey
from .models import (
    CareEnrolment,
    CareerChange,
    CareTerm,
    Certificate,
    LifecycleNode,
    MonthlyEarning,
    Recommendation,
    ServiceItem,
    ServiceRecord,
    ServiceRequest,
    TrainingCourse,
    Workshop,
    WorkshopMember,
)

FILE_ROLES = (Role.BROKER, Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN)
files_required = role_required(*FILE_ROLES)
admin_required = role_required(Role.ADMIN)


def find_driver(user, text: str, picked: str = ""):
    """The driver a form names (drivers/picker.py): his file chosen in the picker, or the one
    file the text matches (public id, name, pinyin, plate, mobile or ID number); or None."""
    text = (text or "").strip()
    if not text and not picked:
        return None
    return picker.resolve(user, text, picked=picked).driver


def _scope_figures(user) -> dict:
    path = user.scope_path or "/"
    return {
        "children_in_care": figures.children_in_care(path),
        "kasao_employed": figures.kasao_employed(path),
        "kasao_families_income_raised": figures.kasao_families_income_raised(path),
        "career_changes": figures.career_changes(path),
        "training_sessions": figures.training_sessions(path),
    }


# --- recommendations ----------------------------------------------------------------------


@files_required
def recommendations(request):
    node = request.GET.get("node", "")
    mine = request.GET.get("mine") == "1"
    recos = worklist(request.user, node=node, mine=mine)
    page = paginate(recos, order="-urgency", cursor=request.GET.get("cursor"))
    open_requests = (
        ServiceRequest.objects.for_user(request.user)
        .filter(status=ServiceRequest.Status.OPEN)
        .select_related("driver", "item", "family_member")
        .order_by("created_at")[:20]
    )
    return render(
        request,
        "services/recommendations.html",
        {
            "page": page,
            "nodes": LifecycleNode.objects.filter(is_active=True),
            "node": node,
            "mine": mine,
            "requests": open_requests,
            "querystring": urlencode(
                {k: v for k, v in (("node", node), ("mine", "1" if mine else "")) if v}
            ),
        },
    )


def _reco(request, public_id) -> Recommendation:
    return get_for_user(
        Recommendation.objects.select_related("driver", "item", "family_member"),
        request.user,
        public_id=public_id,
    )


@files_required
@require_POST
def recommendation_accept(request, public_id):
    reco = _reco(request, public_id)
    try:
        actions.accept_recommendation(reco, actor=request.user, notes=request.POST.get("notes", ""))
        messages.success(
            request,
            _("Recorded: %(item)s for %(driver)s.")
            % {"item": reco.item.label, "driver": reco.driver.name},
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(request.POST.get("next") or reverse("services:recommendations"))


@files_required
@require_POST
def recommendation_dismiss(request, public_id):
    reco = _reco(request, public_id)
    try:
        actions.dismiss_recommendation(reco, actor=request.user, note=request.POST.get("note", ""))
        messages.success(request, _("The suggestion was dismissed."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(request.POST.get("next") or reverse("services:recommendations"))


@files_required
@require_POST
def recommendations_refresh(request):
    from driverhome.drivers.models import Driver

    counts = actions.refresh_recommendations(
        Driver.objects.for_user(request.user).active(), actor=request.user
    )
    messages.success(
        request,
        _("Suggestions brought up to date: %(added)s new, %(removed)s no longer apply.") % counts,
    )
    return redirect("services:recommendations")


def _request(request, public_id) -> ServiceRequest:
    return get_for_user(
        ServiceRequest.objects.select_related("driver", "item"), request.user, public_id=public_id
    )


@files_required
@require_POST
def request_fulfil(request, public_id):
    req = _request(request, public_id)
    try:
        actions.fulfil_request(req, actor=request.user, notes=request.POST.get("notes", ""))
        messages.success(request, _("The service was recorded and the request closed."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("services:recommendations")


@files_required
@require_POST
def request_decline(request, public_id):
    req = _request(request, public_id)
    try:
        actions.decline_request(req, actor=request.user, note=request.POST.get("note", ""))
        messages.success(request, _("The request was declined."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("services:recommendations")


# --- catalogue ----------------------------------------------------------------------------


@files_required
def catalogue(request):
    # Services delivered per node, counted in the user's own area only.
    path = request.user.scope_path or ""
    in_scope = (
        Q() if path == "/" else Q(items__records__driver__organisation__path__startswith=path)
    )
    nodes = LifecycleNode.objects.prefetch_related("items").annotate(
        delivered=Count("items__records", filter=in_scope & ~Q(items__records__outcome="declined"))
    )
    return render(
        request,
        "services/catalogue.html",
        {"nodes": nodes, "can_edit": request.user.has_role(Role.ADMIN)},
    )


@admin_required
def node_edit(request, code=None):
    node = get_object_or_404(LifecycleNode, code=code) if code else None
    initial = (
        {
            f: getattr(node, f)
            for f in ("code", "name", "name_en", "description", "order", "is_active")
        }
        if node
        else {"order": LifecycleNode.objects.count() + 1, "is_active": True}
    )
    form = NodeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_node(actor=request.user, node=node, **form.cleaned_data)
            messages.success(request, _("The node was saved."))
            return redirect("services:catalogue")
        except DomainError as exc:
            form.add_error(None, str(exc))
    return render(request, "services/node_edit.html", {"node": node, "form": form})


@admin_required
def item_new(request):
    return item_edit(request, None)


@admin_required
def item_edit(request, code):
    item = get_object_or_404(ServiceItem, code=code) if code else ServiceItem(base_urgency=10)
    node_code = request.GET.get("node", "")
    initial = {
        "code": item.code,
        "node": item.node if item.node_id else LifecycleNode.objects.filter(code=node_code).first(),
        "name": item.name,
        "name_en": item.name_en,
        "description": item.description,
        "provider_label": item.provider_label,
        "channel": item.channel,
        "beneficiary": item.beneficiary,
        "eligibility": json.dumps(item.eligibility or {}, ensure_ascii=False, indent=2),
        "eligibility_hint": item.eligibility_hint,
        "clause": item.clause,
        "base_urgency": item.base_urgency,
        "is_active": item.is_active,
    }
    form = ItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_item(
                actor=request.user, item=item if item.pk else None, **form.cleaned_data
            )
            messages.success(request, _("The item was saved."))
            return redirect("services:catalogue")
        except DomainError as exc:
            form.add_error("eligibility" if exc.code == "bad_rules" else None, str(exc))
    from .eligibility import RULES

    rules = [(name, ", ".join(params) or "—", desc) for name, (_fn, params, desc) in RULES.items()]
    return render(request, "services/item_edit.html", {"item": item, "form": form, "rules": rules})


# --- records ------------------------------------------------------------------------------


@files_required
def record_list(request):
    records = ServiceRecord.objects.for_user(request.user).select_related(
        "driver", "item", "family_member", "staff"
    )
    item = request.GET.get("item", "")
    if item:
        records = records.filter(item__code=item)
    page = paginate(records, order="-delivered_at", cursor=request.GET.get("cursor"))
    return render(
        request,
        "services/record_list.html",
        {"page": page, "item": item, "querystring": urlencode({"item": item}) if item else ""},
    )


@files_required
def record_new(request):
    # Coming from the driver's page, the driver is fixed (his public id in the query).
    fixed = find_driver(request.user, request.GET.get("driver", ""))
    picked = None
    driver = fixed
    if request.method == "POST" and fixed is None:
        picked = picker.from_post(request, "driver")
        driver = picked.driver
    family = list(driver.family.all()) if driver else []
    initial = {
        "driver": request.GET.get("driver", ""),
        "item": ServiceItem.objects.filter(
            code=request.GET.get("item", ""), is_active=True
        ).first(),
    }
    form = RecordForm(request.POST or None, family=family, initial=initial)
    if fixed is not None:
        # The driver is shown above the form.
        form.fields["driver"].widget = forms.HiddenInput()
        form.initial["driver"] = str(fixed.public_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if driver is None:
            form.add_error("driver", picked.message)
        else:
            member = next((m for m in family if str(m.public_id) == data["family_member"]), None)
            try:
                actions.record_service(
                    actor=request.user,
                    driver=driver,
                    item=data["item"],
                    family_member=member,
                    delivered_at=data["delivered_at"],
                    station=data["station"],
                    place=data["place"],
                    outcome=data["outcome"],
                    notes=data["notes"],
                )
                messages.success(
                    request,
                    _("Recorded: %(item)s for %(driver)s.")
                    % {"item": data["item"].label, "driver": driver.name},
                )
                return redirect("services:journey", public_id=driver.public_id)
            except DomainError as exc:
                form.add_error(None, str(exc))
    return render(
        request,
        "services/record_form.html",
        {"form": form, "driver": fixed, "picked": picked},
    )


@files_required
def record_bulk(request):
    form = BulkRecordForm(request.POST or None)
    unknown = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        drivers, seen = [], set()
        for line in data["drivers"].splitlines():
            if not line.strip():
                continue
            found = picker.resolve(request.user, line)
            d = found.driver
            if d is None:
                unknown.append(found.message)
            elif d.pk not in seen:
                seen.add(d.pk)
                drivers.append(d)
        if unknown:
            form.add_error(
                "drivers",
                _("Nothing was recorded. %(lines)s") % {"lines": " ".join(unknown)},
            )
        else:
            try:
                records = actions.record_services_bulk(
                    actor=request.user,
                    drivers=drivers,
                    item=data["item"],
                    delivered_at=data["delivered_at"],
                    place=data["place"],
                    notes=data["notes"],
                )
                messages.success(
                    request,
                    _("%(n)s services recorded: %(item)s.")
                    % {"n": len(records), "item": data["item"].label},
                )
                return redirect("services:record-list")
            except DomainError as exc:
                form.add_error(None, str(exc))
    return render(request, "services/record_bulk.html", {"form": form})


@files_required
def journey_view(request, public_id):
    from driverhome.drivers.models import Driver

    driver = get_for_user(
        Driver.objects.select_related("current_node"), request.user, public_id=public_id
    )
    return render(request, "services/journey.html", {"driver": driver, "journey": journey(driver)})


# --- after-school care --------------------------------------------------------------------


@files_required
def care(request):
    terms = CareTerm.objects.for_user(request.user).annotate(
        enrolled=Count("enrolments", filter=Q(enrolments__status="enrolled")),
        waiting=Count("enrolments", filter=Q(enrolments__status="waiting")),
    )
    page = paginate(terms, order="-starts_on", cursor=request.GET.get("cursor"))
    path = request.user.scope_path or "/"
    return render(
        request,
        "services/care.html",
        {"page": page, "children_in_care": figures.children_in_care(path)},
    )


@files_required
def care_term(request, code):
    from driverhome.drivers.models import FamilyMember

    term = get_for_user(CareTerm.objects, request.user, code=code)
    enrolments = list(
        term.enrolments.exclude(status=CareEnrolment.Status.WITHDRAWN)
        .select_related("child", "driver")
        .annotate(days=Count("attendance", filter=Q(attendance__present=True)))
        .order_by("status", "applied_at", "pk")[:1000]
    )
    enrolled = [e for e in enrolments if e.status == CareEnrolment.Status.ENROLLED]
    waiting = [e for e in enrolments if e.status == CareEnrolment.Status.WAITING]
    picked = (
        picker.resolve(
            request.user, request.GET["driver"], picked=request.GET.get("driver_pick", "")
        )
        if request.GET.get("driver") or request.GET.get("driver_pick")
        else None
    )
    driver = picked.driver if picked else None
    children = (
        FamilyMember.objects.filter(driver=driver, relation="child").select_related("driver")
        if driver
        else []
    )
    return render(
        request,
        "services/care_term.html",
        {
            "term": term,
            "enrolled": enrolled,
            "waiting": waiting,
            "completed": [e for e in enrolments if e.status == CareEnrolment.Status.COMPLETED],
            "enrol_form": EnrolForm(children=children) if driver else None,
            "driver": driver,
            "picked": picked,
            "attendance_form": AttendanceForm(initial={"day": timezone.localdate()}),
        },
    )


@files_required
@require_POST
def care_enrol(request, code):
    from driverhome.drivers.models import FamilyMember

    term = get_for_user(CareTerm.objects, request.user, code=code)
    child = get_for_user(
        FamilyMember.objects, request.user, public_id=request.POST.get("child", "")
    )
    try:
        e = actions.enrol_child(actor=request.user, term=term, child=child)
        if e.status == CareEnrolment.Status.ENROLLED:
            messages.success(request, _("%(name)s is enrolled.") % {"name": child.name})
        else:
            messages.warning(
                request,
                _("The term is full: %(name)s is on the waiting list.") % {"name": child.name},
            )
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("services:care-term", code=term.code)


@files_required
@require_POST
def care_withdraw(request, public_id):
    enrolment = get_for_user(
        CareEnrolment.objects.select_related("term", "child"), request.user, public_id=public_id
    )
    if not CareTerm.objects.for_user(request.user).filter(pk=enrolment.term_id).exists():
        raise Http404
    try:
        promoted = actions.withdraw_enrolment(enrolment, actor=request.user)
        messages.success(request, _("%(name)s was withdrawn.") % {"name": enrolment.child.name})
        if promoted is not None:
            messages.success(
                request,
                _("%(name)s moved up from the waiting list.") % {"name": promoted.child.name},
            )
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("services:care-term", code=enrolment.term.code)


@files_required
@require_POST
def care_attendance(request, code):
    term = get_for_user(CareTerm.objects, request.user, code=code)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        present = {int(pk) for pk in request.POST.getlist("present") if pk.isdigit()}
        try:
            n = actions.record_attendance(
                actor=request.user, term=term, day=form.cleaned_data["day"], present=present
            )
            messages.success(request, _("Register saved for %(n)s children.") % {"n": n})
        except DomainError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("Give a valid day."))
    return redirect("services:care-term", code=term.code)


# --- the kasao workshop -------------------------------------------------------------------


@files_required
def workshop(request):
    workshops = list(Workshop.objects.for_user(request.user)[:20])
    current = workshops[0] if workshops else None
    if request.GET.get("w"):
        current = next((w for w in workshops if w.code == request.GET["w"]), current)
    members, months, totals = [], [], {}
    if current is not None:
        members = list(
            WorkshopMember.objects.filter(workshop=current, left_on__isnull=True)
            .select_related("spouse", "driver")
            .annotate(total=Sum("earnings__amount"), months=Count("earnings"))
            .order_by("mode", "joined_on", "pk")[:500]
        )
        months = list(
            MonthlyEarning.objects.filter(member__workshop=current)
            .values("month")
            .annotate(total=Sum("amount"), n=Count("pk"))
            .order_by("-month")[:6]
        )
    path = current.organisation.path if current else (request.user.scope_path or "/")
    for m in members:
        m.average = (m.total / m.months) if m.months else None
        m.gain = (m.average - m.income_before) if m.average is not None else None
    totals = {
        "employed": figures.kasao_employed(path),
        "raised": figures.kasao_families_income_raised(path),
        "gain": figures.kasao_monthly_income_gain_yuan(path),
        "members": len(members),
    }
    return render(
        request,
        "services/workshop.html",
        {
            "workshops": workshops,
            "current": current,
            "members": members,
            "months": months,
            "totals": totals,
            "earning_form": EarningForm(
                members=members, initial={"month": date.today().replace(day=1)}
            ),
            "member_form": MemberForm(),
            "orders": current.orders.all()[:10] if current else [],
        },
    )


@files_required
@require_POST
def workshop_earning(request, code):
    current = get_for_user(Workshop.objects, request.user, code=code)
    members = list(WorkshopMember.objects.filter(workshop=current).select_related("spouse"))
    form = EarningForm(request.POST, members=members)
    if form.is_valid():
        data = form.cleaned_data
        member = next(m for m in members if str(m.public_id) == data["member"])
        try:
            actions.record_monthly_earning(
                actor=request.user,
                member=member,
                month=data["month"],
                amount=data["amount"],
                pieces=data["pieces"] or 0,
            )
            messages.success(
                request, _("Earnings recorded for %(name)s.") % {"name": member.spouse.name}
            )
        except DomainError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(
            request,
            _("Check the form: %(errors)s")
            % {"errors": "; ".join(e for errs in form.errors.values() for e in errs)},
        )
    return redirect(f"{reverse('services:workshop')}?w={current.code}")


@files_required
@require_POST
def workshop_member_add(request, code):
    current = get_for_user(Workshop.objects, request.user, code=code)
    form = MemberForm(request.POST)
    if form.is_valid():
        picked = picker.from_post(request, "spouse")
        driver = picked.driver
        spouse = driver.family.filter(relation="spouse").first() if driver else None
        if driver is None:
            messages.error(request, picked.message)
        elif spouse is None:
            messages.error(request, _("%(name)s has no spouse on file.") % {"name": driver.name})
        else:
            try:
                actions.add_workshop_member(
                    actor=request.user,
                    workshop=current,
                    spouse=spouse,
                    mode=form.cleaned_data["mode"],
                    income_before=form.cleaned_data["income_before"],
                )
                messages.success(
                    request, _("%(name)s joined the workshop.") % {"name": spouse.name}
                )
            except DomainError as exc:
                messages.error(request, str(exc))
    else:
        messages.error(request, _("Check the form."))
    return redirect(f"{reverse('services:workshop')}?w={current.code}")


# --- training and career change -----------------------------------------------------------


def _has_relation(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


@files_required
def training(request):
    form = CareerChangeForm(request.POST or None)
    picked = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        data.pop("driver")
        picked = picker.from_post(request, "driver")
        driver = picked.driver
        if driver is None:
            form.add_error("driver", picked.message)
        else:
            try:
                actions.record_career_change(actor=request.user, driver=driver, **data)
                messages.success(
                    request, _("Career change recorded for %(name)s.") % {"name": driver.name}
                )
                return redirect("services:training")
            except DomainError as exc:
                form.add_error(None, str(exc))
    changes = paginate(
        CareerChange.objects.for_user(request.user).select_related("driver"),
        order="-changed_on",
        cursor=request.GET.get("cursor"),
    )
    courses = TrainingCourse.objects.for_user(request.user).select_related("item")
    if _has_relation(TrainingCourse, "sessions"):
        # Sessions are events (the events app); count the ones held per course.
        courses = courses.annotate(held=Count("sessions", filter=Q(sessions__status="held")))
    path = request.user.scope_path or "/"
    return render(
        request,
        "services/training.html",
        {
            "form": form,
            "picked": picked,
            "page": changes,
            "courses": courses,
            "certificates": Certificate.objects.for_user(request.user).count(),
            "sessions": figures.training_sessions(path),
            "career_changes": figures.career_changes(path),
        },
    )
