"""Driver pages: the SMS sent to me and whether they arrived."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from driverhome.accounts.access import driver_required
from driverhome.core.pagination import paginate

from . import history


@driver_required
@require_GET
def my_messages(request):
    page = paginate(
        history.own_messages(request.user), order="-created_at", cursor=request.GET.get("cursor")
    )
    return render(request, "notifications/driver/my_messages.html", {"page": page})
