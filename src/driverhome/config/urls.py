"""URL map: the driver site at ``/``, the staff console at ``/console/``, the API at ``/api/v1/``.

Each app contributes its pages through ``<app>/urls.py`` (staff pages) and, where
it has driver-facing pages, ``<app>/urls_driver.py``.
"""

from django.contrib import admin
from django.urls import include, path

from driverhome.core import views as core_views
from driverhome.core.modules import optional_import

from .api import api

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("accounts/", include("driverhome.accounts.urls")),
    path("console/admin/", admin.site.urls),
    # Providers' delivery reports (token in the address; see notifications/reports.py).
    path("hooks/", include("driverhome.notifications.urls_hooks")),
    path("", include("driverhome.core.urls")),
]

# (url prefix, app) for staff console pages and driver pages.
APP_PAGES = [
    "holidays",
    "stations",
    "drivers",
    "services",
    "appeals",
    "events",
    "dashboard",
    "notifications",
]
for app in APP_PAGES:
    for module_name, prefix in (
        (f"driverhome.{app}.urls", f"console/{app}/"),
        (f"driverhome.{app}.urls_driver", f"d/{app}/"),
    ):
        if optional_import(module_name) is None:
            continue
        urlpatterns.append(path(prefix, include(module_name)))

# The platform's own error pages (driver or console look; JSON under /api/ and /open311/).
handler400 = "driverhome.core.errorpages.bad_request"
handler403 = "driverhome.core.errorpages.permission_denied"
handler404 = "driverhome.core.errorpages.page_not_found"
handler500 = "driverhome.core.errorpages.server_error"

if optional_import("driverhome.appeals.open311") is not None:
    urlpatterns.append(path("open311/v2/", include("driverhome.appeals.open311")))
