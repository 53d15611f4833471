from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.driver_home, name="driver-home"),
    path("console/", views.console_home, name="console-home"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
]
