"""The platform's URLs plus django-helpdesk under ``/helpdesk/``."""

from django.urls import include, path

from driverhome.config.urls import urlpatterns as platform_urlpatterns

urlpatterns = [
    path("helpdesk/", include("helpdesk.urls")),
    *platform_urlpatterns,
]
