"""Rollups: monthly counters per organisation subtree, so the dashboard answers at province scale.

``MonthlyCount`` holds, for each organisation, month and counter, the total over
the organisation's whole *subtree* (the row of a district already includes its
sub-districts and sites). A summary for one organisation and period is then a
sum over at most a few dozen rows found by one index lookup, however many
drivers, requests and service records lie beneath it.

The counters are derived data, never edited by hand: ``actions.refresh_rollups``
recomputes whole months from the records (one grouped query per counter) and
replaces them; ``RollupRun`` records each refresh.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MonthlyCount(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    #: first day of the month; STOCK_MONTH for counters that do not depend on the period
    month = models.DateField()
    #: the counter's key, or ``key:value`` for a counter broken down by a dimension
    counter = models.CharField(max_length=120)
    value = models.DecimalField(max_digits=20, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("monthly counter")
        verbose_name_plural = _("monthly counters")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "counter", "month"], name="dashboard_count_unique"
            )
        ]
        # The summary and the trend charts: one organisation, a range of months.
        # (The unique constraint's index, organisation first, serves it.)

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.counter} {self.month:%Y-%m} = {self.value}"


class RollupRun(models.Model):
    """One refresh of the counters: which months, how many rows, when."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    first_month = models.DateField(null=True, blank=True)
    last_month = models.DateField(null=True, blank=True)
    full = models.BooleanField(default=False)
    rows = models.PositiveIntegerField(default=0)
    counters = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("rollup refresh")
        verbose_name_plural = _("rollup refreshes")
        indexes = [
            # "figures as of": the latest finished refresh.
            models.Index(fields=["-finished_at"], name="dashboard_run_finished_idx")
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.rows} rows"


class StaleMonth(models.Model):
    """A month whose counters are out of date because a record dated in it changed late
    (a paper form entered weeks after, a correction). The periodic refresh recomputes it."""

    month = models.DateField(unique=True)
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("stale month")
        verbose_name_plural = _("stale months")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
