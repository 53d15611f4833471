from django.urls import path

from . import reports

app_name = "notifications_hooks"

urlpatterns = [
    path("sms/<str:provider>/<str:token>/", reports.delivery_report, name="sms-report"),
]
