"""The editable catalogues of the closed loop: the category tree, time limits, routing rules, Open311 keys.

Requests themselves change only through ``appeals/actions.py`` (the console pages);
here they are read-only.
"""

from django.contrib import admin

from .models import Appeal, Category, Open311Key, RoutingRule, TimeLimit


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "name_en",
        "parent",
        "default_type",
        "default_unit_kind",
        "is_active",
    ]
    list_filter = ["default_type", "is_active", "parent"]
    search_fields = ["code", "name", "name_en"]


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    list_display = [
        "appeal_type",
        "category",
        "answer_days",
        "day_kind",
        "accept_days",
        "visit_days",
        "reminder_percent",
    ]
    list_filter = ["appeal_type", "day_kind"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "area", "unit"]
    list_filter = ["area"]
    raw_id_fields = ["area", "unit"]


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "organisation", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at"]
    fields = ["name", "prefix", "organisation", "created_at", "revoked_at"]

    def has_add_permission(self, request):
        return False  # keys are issued by `driverhome open311-key NAME` (the secret is shown once)


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = ["tracking_no", "category", "status", "handling_unit", "received_at", "due_at"]
    list_filter = ["status", "appeal_type", "channel"]
    search_fields = ["tracking_no"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
