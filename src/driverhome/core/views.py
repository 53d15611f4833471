"""The two shells (driver home, console home), health check, the web-app manifest and service worker."""

from __future__ import annotations

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from driverhome.accounts.access import staff_required

from .modules import optional_import
from .nav import driver_tiles

WORKLIST_APPS = ["holidays", "appeals", "services", "drivers", "events", "stations"]


@never_cache
@require_GET
def healthz(request):
    """Process up and database reachable."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": database, "vendor": connection.vendor})


def driver_home(request):
    """The driver site's home: big touch targets, usable without logging in."""
    user = request.user
    if user.is_authenticated and user.is_platform_staff:
        return redirect("core:console-home")
    return render(request, "driver/home.html", {"tiles": driver_tiles()})


@staff_required
def console_home(request):
    """The staff console's home: the user's worklist, filled in by each app's ``console.py``."""
    panels = []
    for app in WORKLIST_APPS:
        module = optional_import(f"driverhome.{app}.console")
        if module is None:
            continue
        panels.extend(module.worklist_panels(request))
    return render(request, "console/home.html", {"panels": panels})


@cache_control(max_age=3600, public=True)
def manifest(request):
    """Installable web app for the driver site."""
    data = {
        "name": _("Driver's Home"),
        "short_name": _("Driver's Home"),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b3261e",
        "lang": request.LANGUAGE_CODE,
        "icons": [
            {"src": static("driverhome/img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("driverhome/img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    return JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )


# Static files the service worker keeps for offline use (the driver shell).
SW_PRECACHE = [
    "driverhome/css/driverhome.css",
    "vendor/htmx/htmx.min.js",
    "driverhome/js/app.js",
    "driverhome/js/outbox.js",
    "driverhome/img/icon-192.png",
]


def _static_source(name: str) -> str:
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import staticfiles_storage

    if staticfiles_storage.exists(name):
        with staticfiles_storage.open(name) as handle:
            return handle.read().decode("utf-8")
    path = finders.find(name)
    with open(path, encoding="utf-8") as handle:
        return handle.read()


@require_GET
@cache_control(max_age=0, no_cache=True)
def service_worker(request):
    """The driver site's service worker, at the root so that it may control every driver page."""
    import hashlib
    import json

    precache = [static(name) for name in SW_PRECACHE]
    source = _static_source("driverhome/js/sw.js")
    version = hashlib.sha256((source + "".join(precache)).encode()).hexdigest()[:12]
    config = json.dumps({"version": version, "precache": precache})
    response = HttpResponse(
        f"self.DRIVERHOME = {config};\n{source}", content_type="text/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    return response
