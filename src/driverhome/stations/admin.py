"""Administrators edit the catalogues (facilities, grading rubric, thresholds) here.

Sites, check-ins and reviews change through the console (and its actions), not the admin.
"""

from django.contrib import admin

from driverhome.accounts.admin import AuditedModelAdmin as AuditedAdmin

from .models import Facility, GradeThreshold, RubricCriterion, Station


@admin.register(Facility)
class FacilityAdmin(AuditedAdmin):
    list_display = ["code", "name", "name_en", "kind", "usually_free", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "name_en"]


@admin.register(RubricCriterion)
class RubricCriterionAdmin(AuditedAdmin):
    list_display = ["code", "group", "name", "points", "source", "is_active"]
    list_editable = ["points", "is_active"]
    list_filter = ["group", "source"]


@admin.register(GradeThreshold)
class GradeThresholdAdmin(AuditedAdmin):
    list_display = ["grade", "min_score", "requires"]


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    """Read-only here: the console's actions write the audit log."""

    list_display = ["code", "name", "operator", "kind", "official_grade", "is_active"]
    search_fields = ["code", "name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
