from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HolidaysConfig(AppConfig):
    name = "driverhome.holidays"
    label = "holidays"
    verbose_name = _("Working calendar")

    def ready(self):
        from driverhome.core import workdays

        from .calendar import YEARS

        workdays.use_calendar(YEARS.get)
