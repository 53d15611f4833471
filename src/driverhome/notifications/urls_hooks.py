from django.urls import path

from . import reports, wechat_hook

app_name = "notifications_hooks"

urlpatterns = [
    # The WeChat service account's server URL (signed by WeChat; see wechat_hook).
    path("wechat/", wechat_hook.server, name="wechat"),
    path("sms/<str:provider>/<str:token>/", reports.delivery_report, name="sms-report"),
]
