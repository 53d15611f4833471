"""Administrators edit the catalogues (facilities, grading rubric, thresholds) here.

Sites, check-ins and reviews change through the console (and its actions), not the admin.
"""

from django.contrib import admin
from django.db import transaction

from driverhome.accounts import audit

from .models import Facility, GradeThreshold, RubricCriterion, Station


class AuditedAdmin(admin.ModelAdmin):
    """Catalogue edits write the audit log like every other change."""

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        fields = [f for f in form.changed_data if f in {x.name for x in obj._meta.fields}]
        before = {}
        if change and obj.pk:
            old = type(obj).objects.get(pk=obj.pk)
            before = audit.snapshot(old, fields)
        super().save_model(request, obj, form, change)
        label = obj._meta.model_name
        audit.record(
            request.user,
            f"{label}.{'update' if change else 'create'}",
            obj,
            changes=audit.diff(before, audit.snapshot(obj, fields)),
        )

    @transaction.atomic
    def delete_model(self, request, obj):
        audit.record(request.user, f"{obj._meta.model_name}.delete", obj)
        super().delete_model(request, obj)


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
