"""Driver pages: file a request, my requests, one request with its timeline and rating; public look-up."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from driverhome.accounts.access import driver_required
from driverhome.accounts.scoping import get_for_user
from driverhome.core.errors import DomainError, RateLimited
from driverhome.core.outbox import mark_delivered
from driverhome.core.pagination import paginate
from driverhome.core.ratelimit import check_rate, rate_limit
from driverhome.core.uploads import upload_response

from . import actions
from .forms import DriverAppealForm, MessageForm, RatingForm, ReasonForm, StatusLookupForm
from .models import Appeal, Reopening


def _driver(request):
    from driverhome.drivers.access import driver_for_user

    return driver_for_user(request.user)


def _visible(request):
    """A driver's own requests, and the ones they were merged into (which he now follows)."""
    return Appeal.objects.for_user(request.user)


@driver_required
@rate_limit("driver-appeal-new", limit=20, window=60)
def appeal_new(request):
    driver = _driver(request)
    if driver is None:
        return render(request, "appeals/driver/no_file.html", status=200)
    form = DriverAppealForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appeal = actions.file_appeal(
                actor=request.user,
                driver=driver,
                channel=Appeal.Channel.APP,
                category=data["category"],
                description=data["description"],
                location=form.location(),
                address=data["address"],
                station=data["station"],
                anonymous=data["anonymous"],
                photos=data["photos"],
                idempotency_key=data["idempotency_key"],
                idempotency_scope=f"driver-form:{request.user.pk}",
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            mark_delivered(request, data["idempotency_key"])
            messages.success(
                request,
                _("Thank you. Your request %(no)s has been received.") % {"no": appeal.tracking_no},
            )
            return redirect("appeals_driver:appeal-detail", appeal.tracking_no)
    return render(request, "appeals/driver/appeal_new.html", {"form": form})


@driver_required
@require_GET
def my_appeals(request):
    qs = _visible(request).select_related("category", "merged_into", "driver")
    page = paginate(qs, order="-received_at", cursor=request.GET.get("cursor"))
    return render(request, "appeals/driver/my_appeals.html", {"page": page})


def _own(request, tracking_no):
    appeal = get_object_or_404(
        _visible(request).select_related("category", "handling_unit", "merged_into", "driver"),
        tracking_no=tracking_no,
    )
    return appeal


def _detail_context(request, appeal: Appeal, **extra) -> dict:
    own = appeal.driver is not None and appeal.driver.user_id == request.user.pk
    reopening = appeal.reopenings.order_by("-requested_at").first() if own else None
    may_reopen = (
        own
        and appeal.status == Appeal.Status.CLOSED
        and appeal.closed_at is not None
        and timezone.now() <= appeal.closed_at + timedelta(days=Appeal.REOPEN_DAYS)
        and not (reopening and reopening.status == Reopening.Status.PENDING)
    )
    broker = appeal.care_broker or (appeal.driver.care_broker if appeal.driver_id else None)
    return {
        "appeal": appeal,
        "own": own,
        "timeline": appeal.transitions.filter(public=True),
        "photos": appeal.photos.all() if own else [],
        "visit": appeal.visits.order_by("-at").first(),
        "rating_form": RatingForm(),
        "message_form": extra.pop("message_form", None) or MessageForm(),
        "reopen_form": extra.pop("reopen_form", None) or ReasonForm(),
        "reopening": reopening,
        "may_reopen": may_reopen,
        "reopen_days": Appeal.REOPEN_DAYS,
        "broker": broker,
        **extra,
    }


@driver_required
@require_GET
def appeal_detail(request, tracking_no):
    appeal = _own(request, tracking_no)
    return render(request, "appeals/driver/appeal_detail.html", _detail_context(request, appeal))


def _act(request, tracking_no, form, run, done: str, form_name: str):
    """Run a driver's action from a form: on a refusal the page comes back with his input."""
    appeal = _own(request, tracking_no)
    if form.is_valid():
        try:
            run(appeal, form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, done)
            return redirect("appeals_driver:appeal-detail", tracking_no)
    appeal = _own(request, tracking_no)
    return render(
        request,
        "appeals/driver/appeal_detail.html",
        _detail_context(request, appeal, **{form_name: form}),
        status=400,
    )


@driver_required
@require_POST
@rate_limit("driver-appeal-message", limit=20, window=60)
def appeal_message(request, tracking_no):
    return _act(
        request,
        tracking_no,
        MessageForm(request.POST, request.FILES),
        lambda appeal, data: actions.add_message(
            appeal, actor=request.user, text=data["text"], photos=data["photos"]
        ),
        _("Added. The unit handling it and your care broker have been told."),
        "message_form",
    )


@driver_required
@require_POST
def appeal_reopen(request, tracking_no):
    return _act(
        request,
        tracking_no,
        ReasonForm(request.POST),
        lambda appeal, data: actions.ask_reopen(appeal, actor=request.user, reason=data["reason"]),
        _("Your request to reopen was sent. A supervisor will decide and tell you."),
        "reopen_form",
    )


@driver_required
@require_POST
def appeal_rate(request, tracking_no):
    appeal = get_for_user(
        Appeal.objects.select_related("category", "driver"), request.user, tracking_no=tracking_no
    )
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please say whether it was resolved and how satisfied you are."))
        return redirect("appeals_driver:appeal-detail", tracking_no)
    try:
        actions.return_visit(
            appeal,
            actor=request.user,
            resolved=form.cleaned_data["resolved"],
            satisfaction=form.cleaned_data["satisfaction"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("appeals_driver:appeal-detail", tracking_no)


@driver_required
def appeal_withdraw(request, tracking_no):
    """A page that asks for confirmation and the reason; only its POST withdraws."""
    appeal = _own(request, tracking_no)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.withdraw(appeal, actor=request.user, note=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your request was withdrawn."))
            return redirect("appeals_driver:appeal-detail", tracking_no)
    return render(
        request,
        "appeals/driver/withdraw.html",
        {"appeal": appeal, "form": form},
        status=400 if form.is_bound else 200,
    )


@driver_required
@require_GET
def appeal_photo(request, tracking_no, photo_id):
    appeal = get_for_user(Appeal.objects, request.user, tracking_no=tracking_no)
    photo = get_object_or_404(appeal.photos, public_id=photo_id)
    return upload_response(photo.file)


def status_lookup(request):
    """Anyone with the tracking number and the phone's last four digits sees the public status."""
    form = StatusLookupForm(request.GET or None)
    appeal = None
    not_found = False
    if form.is_bound:
        try:
            check_rate(request, "appeal-status-lookup", limit=10, window=60)
        except RateLimited as exc:
            response = render(
                request, "appeals/driver/status.html", {"form": form, "error": str(exc)}, status=429
            )
            response["Retry-After"] = str(exc.retry_after)
            return response
        if form.is_valid():
            appeal = (
                Appeal.objects.select_related("category", "handling_unit", "merged_into")
                .filter(
                    tracking_no=form.cleaned_data["tracking_no"].strip().upper(),
                    phone_last4=form.cleaned_data["last4"],
                )
                .exclude(phone_last4="")
                .first()
            )
            not_found = appeal is None
    return render(
        request,
        "appeals/driver/status.html",
        {
            "form": form,
            "appeal": appeal,
            "not_found": not_found,
            "timeline": appeal.transitions.filter(public=True) if appeal else [],
        },
    )
