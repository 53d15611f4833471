"""Driver pages: register, my file, corrections, my data, deletion."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from driverhome.accounts import codes, views_channels, wechat
from driverhome.accounts.access import driver_required
from driverhome.accounts.views import BACKEND, code_page, safe_next
from driverhome.core.errors import DomainError
from driverhome.core.ratelimit import rate_limit

from . import actions
from .access import driver_for_user
from .forms import CorrectionForm, DeleteForm, RegisterForm, SelfEditForm
from .models import Consent, CorrectionRequest


@rate_limit("driver-register", limit=10, window=600)
def register(request):
    """Two steps on one page: the mobile number proven by a code, then the file."""
    user = request.user
    if user.is_authenticated:
        if user.is_platform_staff:
            return redirect("core:console-home")
        if driver_for_user(user) is not None:
            return redirect("drivers_driver:my-file")

    def submit(form):
        data = form.cleaned_data
        proof = codes.verify_code(
            data["phone"], codes.Purpose.REGISTER, data["code"], request=request
        )
        new_user, _driver = actions.register_driver(
            name=data["name"],
            phone_number=data["phone"],
            id_number=data["id_number"],
            password=data["password"],
            organisation=data["site"],
            consents=form.consents(),
            phone_proof=proof,
        )
        login(request, new_user, backend=BACKEND)
        messages.success(request, _("Welcome! Your file is ready."))
        return redirect(safe_next(request, "/d/drivers/"))

    return code_page(
        request, RegisterForm, codes.Purpose.REGISTER, "drivers/driver/register.html", submit
    )


def _own(request):
    return driver_for_user(request.user)


@driver_required
def my_file(request):
    driver = _own(request)
    if driver is None:
        return redirect("drivers_driver:register")
    return render(
        request,
        "drivers/driver/my_file.html",
        {
            "driver": driver,
            "family": driver.family.all().order_by("relation", "birth_date"),
            "vehicles": driver.vehicles.all(),
            "allocation": driver.allocations.filter(ended_on__isnull=True)
            .select_related("apartment__building")
            .first(),
            "corrections": driver.corrections.filter(
                status=CorrectionRequest.Status.PENDING, family_member__isnull=True
            ).defer("new_value"),
            "family_pending": set(
                driver.corrections.filter(
                    status=CorrectionRequest.Status.PENDING, family_member__isnull=False
                ).values_list("family_member_id", flat=True)
            ),
            "consents": driver.consents.all(),
            "optional": [
                (
                    purpose,
                    driver.consents.filter(purpose=purpose, withdrawn_at__isnull=True).exists(),
                )
                for purpose in OPTIONAL_CONSENTS
            ],
            # The WeChat binding, when the platform has a service account.
            "wechat_configured": wechat.configured(),
            "wechat_binding": views_channels.binding_of(request.user),
        },
    )


@driver_required
def my_file_edit(request):
    driver = _own(request)
    if driver is None:
        return redirect("drivers_driver:register")
    form = SelfEditForm(
        request.POST or None,
        initial={
            "hometown": driver.hometown,
            "household_registration": driver.household_registration,
            "residence_type": driver.residence_type,
        },
    )
    if request.method == "POST" and form.is_valid():
        actions.update_driver(driver, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Your file was saved."))
        return redirect("drivers_driver:my-file")
    return render(request, "drivers/driver/edit.html", {"form": form, "driver": driver})


@driver_required
def correction_new(request):
    driver = _own(request)
    if driver is None:
        return redirect("drivers_driver:register")
    form = CorrectionForm(request.POST or None, initial={"field": request.GET.get("field")})
    if request.method == "POST" and form.is_valid():
        try:
            actions.request_correction(driver, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error("new_value", str(exc))
        else:
            messages.success(
                request, _("Thank you. Staff will check the correction and confirm it.")
            )
            return redirect("drivers_driver:my-file")
    return render(request, "drivers/driver/correction.html", {"form": form})


@driver_required
def my_data(request):
    driver = _own(request)
    if driver is None:
        return redirect("drivers_driver:register")
    return render(
        request,
        "drivers/driver/my_data.html",
        {"data": actions.export_for_driver(driver), "driver": driver},
    )


@driver_required
def my_data_json(request):
    driver = _own(request)
    if driver is None:
        return redirect("drivers_driver:register")
    body = json.dumps(actions.export_for_driver(driver), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


@driver_required
def delete_request(request):
    driver = _own(request)
    if driver is None:
        return redirect("drivers_driver:register")
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.anonymise_driver(driver, actor=request.user, reason=_("Asked by the driver"))
        logout(request)
        messages.success(request, _("Your file was anonymised and your login closed."))
        return redirect("core:driver-home")
    return render(request, "drivers/driver/delete.html", {"form": form})


#: consents a driver may give and withdraw here; withdrawing the file or sensitive-data
#: consent means deleting the file (delete-request).
OPTIONAL_CONSENTS = (Consent.Purpose.CONTACT, Consent.Purpose.SHARING)


@driver_required
@require_POST
def consent_toggle(request, purpose):
    driver = _own(request)
    if driver is None or purpose not in OPTIONAL_CONSENTS:
        raise Http404
    active = driver.consents.filter(purpose=purpose, withdrawn_at__isnull=True).first()
    if active is not None:
        actions.withdraw_consent(active, actor=request.user)
        messages.success(request, _("Your consent was withdrawn."))
    else:
        actions.record_consent(
            driver, actor=request.user, purpose=purpose, channel=Consent.Channel.WEB
        )
        messages.success(request, _("Thank you for your consent."))
    return redirect("drivers_driver:my-file")
