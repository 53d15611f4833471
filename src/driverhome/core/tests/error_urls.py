"""The platform's URLs plus two that fail, for the error-page tests."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from driverhome.config import urls as platform_urls
from driverhome.config.urls import handler400, handler403, handler404, handler500  # noqa: F401


def _boom(request):
    raise RuntimeError("a bug")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("d/boom/", _boom),
    path("console/boom/", _boom),
    path("api/v1/boom/", _boom),
    path("d/forbidden/", _forbidden),
    path("console/forbidden/", _forbidden),
    *platform_urls.urlpatterns,
]
