"""The working calendar: each year's statutory holidays and make-up working days (调休).

The State Council's General Office publishes next year's notice (关于X年部分节假日安排的通知)
each autumn. A year with a :class:`CalendarYear` row is *known*: its working days are Monday to
Friday, less its holidays, plus its make-up working days. A year without one is *unknown*:
deadlines falling in it are counted Monday to Friday and shown as provisional until an official
enters the notice (``actions.enter_year``), which recomputes them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    class Source(models.TextChoices):
        LIBRARY = "library", _("chinese-calendar package")
        ENTERED = "entered", _("Entered in the console")
        IMPORTED = "imported", _("Imported from a file")
        API = "api", _("Sent through the API")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    #: the notice's reference, e.g. 国办发明电〔2026〕7号
    notice = models.CharField(_("notice"), max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=2000, year__lte=2100), name="calendar_year_range"
            )
        ]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        WORKDAY = "workday", _("Make-up working day")

    calendar = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    #: the festival it belongs to, e.g. 春节
    name = models.CharField(_("name"), max_length=60, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.day} {self.kind}"
