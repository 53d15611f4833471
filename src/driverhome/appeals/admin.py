"""The closed loop's tables in the Django admin.

The category tree, time limits and routing rules are edited in the console
(``appeals/reference.py``); what the admin changes writes the same audit rows.
Open311 keys are issued and revoked in the console (the secret is shown once) and
requests change only through ``appeals/actions.py``: both are read-only here.
"""

from django.contrib import admin

from driverhome.accounts.admin import AuditedModelAdmin, ReadOnlyAdmin

from .models import Appeal, Category, Open311Key, RoutingRule, TimeLimit


@admin.register(Category)
class CategoryAdmin(AuditedModelAdmin):
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
class TimeLimitAdmin(AuditedModelAdmin):
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
class RoutingRuleAdmin(AuditedModelAdmin):
    list_display = ["category", "area", "unit"]
    list_filter = ["area"]
    raw_id_fields = ["area", "unit"]


@admin.register(Open311Key)
class Open311KeyAdmin(ReadOnlyAdmin):
    list_display = ["name", "prefix", "organisation", "created_at", "revoked_at"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["tracking_no", "category", "status", "handling_unit", "received_at", "due_at"]
    list_filter = ["status", "appeal_type", "channel"]
    search_fields = ["tracking_no"]
