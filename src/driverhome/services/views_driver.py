"""Driver pages: my services and "you may be eligible for …"."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from driverhome.accounts.access import driver_required
from driverhome.core.errors import DomainError

from . import actions
from .journey import suggestions_for
from .models import ServiceItem, ServiceRecord, ServiceRequest


def _driver(request):
    from driverhome.drivers.access import driver_for_user

    return driver_for_user(request.user)


@driver_required
def my_services(request):
    driver = _driver(request)
    records, suggestions, requests = [], [], []
    today = timezone.localdate()
    if driver is not None:
        records = list(
            ServiceRecord.objects.filter(driver=driver)
            .select_related("item__node", "family_member")
            .order_by("-delivered_at")[:50]
        )
        items = {i.pk: i for i in ServiceItem.objects.select_related("node")}
        asked = set(
            ServiceRequest.objects.filter(
                driver=driver, status=ServiceRequest.Status.OPEN
            ).values_list("item_id", flat=True)
        )
        suggestions = [
            {
                "item": items[s.item_id],
                "reason": s.reason,
                "due": s.due if s.due and s.due >= today else None,
            }
            for s in suggestions_for(driver)
            if s.item_id not in asked
        ][:12]
        requests = list(
            ServiceRequest.objects.filter(driver=driver)
            .select_related("item")
            .order_by("-created_at")[:10]
        )
    return render(
        request,
        "services/driver/my_services.html",
        {"driver": driver, "records": records, "suggestions": suggestions, "requests": requests},
    )


@driver_required
@require_POST
def suggestion_accept(request, code):
    driver = _driver(request)
    if driver is None:
        messages.error(
            request, _("Your file is not on the platform yet: ask the staff at a Driver's Home.")
        )
        return redirect("services_driver:my-services")
    item = get_object_or_404(ServiceItem, code=code, is_active=True)
    eligible = {s.item_id: s for s in suggestions_for(driver)}
    suggestion = eligible.get(item.pk)
    member = (
        driver.family.filter(pk=suggestion.family_member_id).first()
        if suggestion and suggestion.family_member_id
        else None
    )
    try:
        actions.request_service(
            actor=request.user,
            driver=driver,
            item=item,
            family_member=member,
            note=request.POST.get("note", ""),
            recommendation=driver.service_recommendations.filter(item=item, status="open").first(),
        )
        messages.success(
            request,
            _("Sent. Your care broker will contact you about “%(item)s”.") % {"item": item.label},
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("services_driver:my-services")
