from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "driverhome.appeals"
    label = "appeals"
    verbose_name = _("Requests")

    def ready(self):
        from driverhome.holidays.actions import calendar_changing

        from .recalendar import prepare

        calendar_changing.connect(prepare, dispatch_uid="appeals.recalendar")
