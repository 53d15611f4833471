from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "driverhome.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from driverhome.accounts import codes

        from . import checks  # noqa: F401 - registers the deploy checks of SMS, WeChat and SSO
        from .codes import send_code

        codes.deliver_with(send_code)
