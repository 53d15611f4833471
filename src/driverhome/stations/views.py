"""Staff console: site profile, facilities, hours, free places, QR poster, check-ins, reviews, grading."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from driverhome.accounts.access import role_required
from driverhome.accounts.models import Role
from driverhome.accounts.scoping import get_for_user
from driverhome.core.errors import DomainError
from driverhome.core.pagination import paginate

from . import actions, present
from .forms import (
    AssessmentForm,
    AvailabilityForm,
    CriterionForm,
    FacilitiesForm,
    FacilityForm,
    GradeForm,
    HideForm,
    HoursExceptionForm,
    HoursForm,
    NewStationForm,
    PhotoForm,
    ReplyForm,
    SensorTokenForm,
    StaffCheckInForm,
    StationForm,
)
from .models import (
    Assessment,
    AvailabilityUpdate,
    CheckIn,
    Facility,
    GradeThreshold,
    HoursException,
    Review,
    RubricCriterion,
    Station,
)
from .qr import poster_url, qr_svg

VIEW_ROLES = (Role.BROKER, Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN)
EDIT_ROLES = (Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN)
SUPERVISION_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def _station(request, code: str) -> Station:
    return get_for_user(Station.objects, request.user, code=code)


def _may_edit(user) -> bool:
    return user.has_role(*EDIT_ROLES)


@role_required(*VIEW_ROLES)
def station_list(request):
    stations = Station.objects.for_user(request.user).select_related("operator")
    q = request.GET.get("q", "").strip()
    if q:
        stations = stations.filter(name__icontains=q) | stations.filter(code__icontains=q)
    page = paginate(stations, order="code", cursor=request.GET.get("cursor"))
    today = timezone.localdate()
    visits = dict(
        CheckIn.objects.filter(station__in=[s.pk for s in page], day=today)
        .values_list("station")
        .annotate(n=Count("id"))
    )
    now = timezone.now()
    rows = [
        {
            "station": s,
            "availability": present.availability(s, now),
            "visits_today": visits.get(s.pk, 0),
        }
        for s in page
    ]
    return render(
        request, "stations/console/station_list.html", {"page": page, "rows": rows, "q": q}
    )


@role_required(*VIEW_ROLES)
def station_detail(request, code: str):
    station = _station(request, code)
    now = timezone.now()
    today = timezone.localdate()
    week = list(
        CheckIn.objects.filter(station=station, day__gt=today - timedelta(days=7))
        .values("day")
        .annotate(visits=Count("id"))
        .order_by("-day")
    )
    return render(
        request,
        "stations/console/station_detail.html",
        {
            "station": station,
            "tab": "overview",
            "availability": present.availability(station, now),
            "open_now": station.is_open_now(),
            "history": list(station.availability.all()[:8]),
            "week": week,
            "today_visits": next((w["visits"] for w in week if w["day"] == today), 0),
            "checkin_form": StaffCheckInForm(),
            "availability_form": AvailabilityForm(
                initial={"free_truck_bays": station.free_truck_bays, "free_beds": station.free_beds}
            ),
            "rating": present.rating(station),
            "awaiting_reply": Review.objects.filter(
                station=station, status=Review.Status.VISIBLE, reply=""
            )
            .exclude(comment="")
            .count(),
            "latest_assessment": station.assessments.first(),
            "may_edit": _may_edit(request.user),
            "facilities": list(station.facilities.select_related("facility")),
            "photos": list(station.photos.all()),
            "photo_form": PhotoForm(),
        },
    )


@role_required(*VIEW_ROLES)
def catalogue(request):
    """The facility catalogue and the grading rubric; administrators edit them."""
    return render(
        request,
        "stations/console/catalogue.html",
        {
            "facilities": Facility.objects.order_by("order", "code"),
            "criteria": RubricCriterion.objects.order_by("code"),
            "thresholds": GradeThreshold.objects.order_by("min_score"),
            "may_edit": request.user.has_role(Role.ADMIN),
            "language": get_language(),
        },
    )


@role_required(Role.ADMIN)
def facility_edit(request, code: str | None = None):
    facility = get_object_or_404(Facility, code=code) if code else None
    form = FacilityForm(request.POST or None, instance=facility)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            actions.save_facility(actor=request.user, facility=facility, **fields)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The catalogue was saved."))
            return redirect("stations:catalogue")
    return render(
        request, "stations/console/catalogue_edit.html", {"form": form, "entry": facility}
    )


@role_required(Role.ADMIN)
def criterion_edit(request, code: str):
    criterion = get_object_or_404(RubricCriterion, code=code)
    form = CriterionForm(
        request.POST or None, instance=RubricCriterion.objects.get(pk=criterion.pk)
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            actions.update_criterion(criterion, actor=request.user, **fields)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The catalogue was saved."))
            return redirect("stations:catalogue")
    return render(
        request, "stations/console/catalogue_edit.html", {"form": form, "entry": criterion}
    )


@role_required(*SUPERVISION_ROLES)
def station_new(request):
    form = NewStationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            station = actions.create_station(actor=request.user, **fields)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The site was opened."))
            return redirect("stations:station-detail", code=station.code)
    return render(request, "stations/console/station_new.html", {"form": form})


@role_required(*EDIT_ROLES)
def station_edit(request, code: str):
    station = _station(request, code)
    form = StationForm(request.POST or None, instance=Station.objects.get(pk=station.pk))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            actions.update_station(station, actor=request.user, **fields)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The site's details were saved."))
            return redirect("stations:station-detail", code=station.code)
    return render(
        request,
        "stations/console/station_edit.html",
        {"station": station, "form": form, "tab": "edit"},
    )


@role_required(*EDIT_ROLES)
def station_facilities(request, code: str):
    station = _station(request, code)
    form = FacilitiesForm(request.POST or None, station=station)
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_facilities(station, actor=request.user, items=form.items())
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The facilities were saved."))
            return redirect("stations:station-facilities", code=station.code)
    return render(
        request,
        "stations/console/station_facilities.html",
        {"station": station, "form": form, "tab": "facilities", "language": get_language()},
    )


@role_required(*EDIT_ROLES)
def station_hours(request, code: str):
    station = _station(request, code)
    form = HoursForm(request.POST or None, station=station)
    exception_form = HoursExceptionForm()
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_hours(
                station,
                actor=request.user,
                open_24h=form.cleaned_data["open_24h"],
                weekly=form.weekly(),
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The opening hours were saved."))
            return redirect("stations:station-hours", code=station.code)
    return render(
        request,
        "stations/console/station_hours.html",
        {
            "station": station,
            "form": form,
            "exception_form": exception_form,
            "exceptions": station.hours_exceptions.filter(date__gte=timezone.localdate()),
            "tab": "hours",
        },
    )


@role_required(*EDIT_ROLES)
@require_POST
def hours_exception_add(request, code: str):
    station = _station(request, code)
    form = HoursExceptionForm(request.POST)
    if form.is_valid():
        try:
            actions.add_hours_exception(
                station,
                actor=request.user,
                day=form.cleaned_data["date"],
                closed=form.cleaned_data["closed"],
                opens=form.cleaned_data["opens"],
                closes=form.cleaned_data["closes"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The exception was added."))
    else:
        messages.error(request, _("Check the date and times."))
    return redirect("stations:station-hours", code=station.code)


@role_required(*EDIT_ROLES)
@require_POST
def hours_exception_remove(request, code: str, exception_id: int):
    station = _station(request, code)
    try:
        exception = station.hours_exceptions.get(pk=exception_id)
    except HoursException.DoesNotExist:
        raise Http404 from None
    actions.remove_hours_exception(exception, actor=request.user)
    messages.success(request, _("The exception was removed."))
    return redirect("stations:station-hours", code=station.code)


@role_required(*EDIT_ROLES)
@require_POST
def availability_update(request, code: str):
    """Two taps: a +/- button (``truck``/``bed`` deltas) or the two figures typed in."""
    station = _station(request, code)
    try:
        if "truck_delta" in request.POST or "bed_delta" in request.POST:
            actions.adjust_availability(
                station,
                actor=request.user,
                truck_delta=int(request.POST.get("truck_delta") or 0),
                bed_delta=int(request.POST.get("bed_delta") or 0),
            )
        else:
            form = AvailabilityForm(request.POST)
            if not form.is_valid():
                raise DomainError(_("Enter whole numbers of free places."))
            actions.update_availability(
                station,
                actor=request.user,
                source=AvailabilityUpdate.Source.CONSOLE,
                free_truck_bays=form.cleaned_data["free_truck_bays"],
                free_beds=form.cleaned_data["free_beds"],
            )
    except (DomainError, ValueError) as exc:
        messages.error(request, str(exc) if isinstance(exc, DomainError) else _("Not a number."))
    else:
        messages.success(request, _("Free places updated."))
    station.refresh_from_db()
    if request.htmx:
        return render(
            request,
            "stations/console/_availability.html",
            {
                "station": station,
                "availability": present.availability(station),
                "availability_form": AvailabilityForm(
                    initial={
                        "free_truck_bays": station.free_truck_bays,
                        "free_beds": station.free_beds,
                    }
                ),
                "may_edit": True,
            },
        )
    return redirect("stations:station-detail", code=station.code)


@role_required(*EDIT_ROLES)
def sensor_token(request, code: str):
    station = _station(request, code)
    form = SensorTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        token, new_key = actions.issue_sensor_token(
            station, actor=request.user, name=form.cleaned_data["name"]
        )
    return render(
        request,
        "stations/console/sensor_token.html",
        {
            "station": station,
            "form": form,
            "new_key": new_key,
            "endpoint": reverse("api:post_availability", kwargs={"code": station.code}),
            "tab": "overview",
        },
    )


@role_required(*VIEW_ROLES)
def station_poster(request, code: str):
    station = _station(request, code)
    return render(
        request,
        "stations/console/poster.html",
        {
            "station": station,
            "url": poster_url(request, station),
            "free": list(station.facilities.filter(is_free=True).select_related("facility")),
        },
    )


@role_required(*VIEW_ROLES)
def station_qr(request, code: str):
    """The poster's QR code as an SVG file (printed or saved by the operator)."""
    station = _station(request, code)
    response = HttpResponse(qr_svg(poster_url(request, station)), content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="{station.code}-check-in.svg"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*EDIT_ROLES)
@require_POST
def poster_renew(request, code: str):
    station = _station(request, code)
    actions.renew_checkin_key(station, actor=request.user)
    messages.success(
        request, _("A new QR code was made; print the poster again. The old one no longer works.")
    )
    return redirect("stations:station-poster", code=station.code)


@role_required(*VIEW_ROLES)
def checkin_list(request, code: str):
    station = _station(request, code)
    checkins = CheckIn.objects.filter(station=station).select_related("driver")
    day = request.GET.get("day", "")
    if day:
        try:
            checkins = checkins.filter(day=day)
        except ValidationError:
            messages.error(request, _("Not a date."))
            day = ""
    page = paginate(checkins, order="-at", cursor=request.GET.get("cursor"))
    today = timezone.localdate()
    per_day = list(
        CheckIn.objects.filter(station=station, day__gt=today - timedelta(days=30))
        .values("day")
        .annotate(visits=Count("id"))
        .order_by("-day")
    )
    return render(
        request,
        "stations/console/checkin_list.html",
        {
            "station": station,
            "page": page,
            "per_day": per_day,
            "day": day,
            "form": StaffCheckInForm(),
            "tab": "checkins",
            "may_check_in": _may_edit(request.user),
        },
    )


@role_required(*EDIT_ROLES)
@require_POST
def checkin_new(request, code: str):
    station = _station(request, code)
    form = StaffCheckInForm(request.POST)
    if form.is_valid():
        try:
            result = actions.check_in_by_lookup(
                station, form.cleaned_data["who"], actor=request.user
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            if result.created:
                messages.success(
                    request, _("%(name)s is checked in.") % {"name": result.driver.name}
                )
            else:
                messages.info(
                    request,
                    _("%(name)s has already checked in today.") % {"name": result.driver.name},
                )
    else:
        messages.error(request, _("Enter a phone number or a plate."))
    return redirect(
        request.POST.get("next") or reverse("stations:checkin-list", kwargs={"code": station.code})
    )


@role_required(*VIEW_ROLES)
def review_list(request, code: str):
    station = _station(request, code)
    reviews = Review.objects.filter(station=station)
    show = request.GET.get("show", "")
    if show == "awaiting":
        # A rating without a comment needs no answer.
        reviews = reviews.filter(status=Review.Status.VISIBLE, reply="").exclude(comment="")
    elif show == "hidden":
        reviews = reviews.filter(status=Review.Status.HIDDEN)
    page = paginate(reviews, order="-created_at", cursor=request.GET.get("cursor"))
    return render(
        request,
        "stations/console/review_list.html",
        {
            "station": station,
            "page": page,
            "show": show,
            "rating": present.rating(station),
            "reply_form": ReplyForm(),
            "hide_form": HideForm(),
            "may_reply": _may_edit(request.user),
            "may_hide": request.user.has_role(*SUPERVISION_ROLES),
            "tab": "reviews",
        },
    )


def _review(request, review_id) -> Review:
    stations = Station.objects.for_user(request.user)
    try:
        return Review.objects.select_related("station").get(
            public_id=review_id, station__in=stations
        )
    except Review.DoesNotExist:
        raise Http404 from None


@role_required(*EDIT_ROLES)
@require_POST
def review_reply(request, review_id):
    review = _review(request, review_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            actions.reply_to_review(review, actor=request.user, text=form.cleaned_data["reply"])
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your reply is published."))
    else:
        messages.error(request, _("Write a reply."))
    return redirect("stations:review-list", code=review.station.code)


@role_required(*SUPERVISION_ROLES)
@require_POST
def review_hide(request, review_id):
    review = _review(request, review_id)
    form = HideForm(request.POST)
    if form.is_valid():
        try:
            actions.hide_review(review, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The review is hidden; its text is kept in the audit log."))
    else:
        messages.error(request, _("Say why the review is hidden."))
    return redirect("stations:review-list", code=review.station.code)


@role_required(*EDIT_ROLES)
def assessment_list(request, code: str):
    station = _station(request, code)
    page = paginate(
        Assessment.objects.filter(station=station).select_related("assessor"),
        order="-created_at",
        cursor=request.GET.get("cursor"),
    )
    return render(
        request,
        "stations/console/assessment_list.html",
        {
            "station": station,
            "page": page,
            "officials": list(station.official_grades.all()),
            "grade_form": GradeForm(),
            "may_award": request.user.has_role(*SUPERVISION_ROLES),
            "tab": "grading",
        },
    )


@role_required(*EDIT_ROLES)
def assessment_new(request, code: str):
    station = _station(request, code)
    form = AssessmentForm(request.POST or None)
    supervision = request.user.has_role(*SUPERVISION_ROLES)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = actions.run_assessment(
                station,
                actor=request.user,
                year=form.cleaned_data["year"],
                kind=Assessment.Kind.SUPERVISION if supervision else Assessment.Kind.SELF,
                assessor_points=form.points(),
                note=form.cleaned_data["note"],
                language=get_language() or "zh-hans",
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("stations:assessment-detail", assessment_id=assessment.public_id)
    return render(
        request,
        "stations/console/assessment_new.html",
        {"station": station, "form": form, "supervision": supervision, "tab": "grading"},
    )


@role_required(*EDIT_ROLES)
def assessment_detail(request, assessment_id):
    stations = Station.objects.for_user(request.user)
    try:
        assessment = Assessment.objects.select_related("station", "assessor").get(
            public_id=assessment_id, station__in=stations
        )
    except Assessment.DoesNotExist:
        raise Http404 from None
    language = get_language() or "zh-hans"
    criteria = {c.code: c for c in RubricCriterion.objects.all()}
    rows = []
    for code, s in sorted(assessment.scores.items()):
        c = criteria.get(code)
        rows.append(
            {
                "code": code,
                "name": c.label(language) if c else code,
                "group": c.get_group_display() if c else "",
                **s,
            }
        )
    return render(
        request,
        "stations/console/assessment_detail.html",
        {"assessment": assessment, "station": assessment.station, "rows": rows, "tab": "grading"},
    )


@role_required(*SUPERVISION_ROLES)
@require_POST
def grade_award(request, code: str):
    station = _station(request, code)
    form = GradeForm(request.POST)
    if form.is_valid():
        try:
            actions.award_grade(station, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The official grade is recorded."))
    else:
        messages.error(request, _("Check the year, grade and date."))
    return redirect("stations:assessment-list", code=station.code)


@role_required(*EDIT_ROLES)
@require_POST
def photo_add(request, code: str):
    station = _station(request, code)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.add_photo(
                station,
                actor=request.user,
                upload=form.cleaned_data["image"],
                caption=form.cleaned_data["caption"],
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The photo was added."))
    else:
        messages.error(request, _("Choose a photo."))
    return redirect("stations:station-detail", code=station.code)


@role_required(*EDIT_ROLES)
@require_POST
def photo_remove(request, code: str, photo_id):
    station = _station(request, code)
    photo = station.photos.filter(public_id=photo_id).first()
    if photo is None:
        raise Http404
    actions.remove_photo(photo, actor=request.user)
    messages.success(request, _("The photo was removed."))
    return redirect("stations:station-detail", code=station.code)
