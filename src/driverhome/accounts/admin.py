from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AccessLog, ApiToken, AuditLog, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "unit_kind", "parent", "is_active"]
    list_filter = ["kind", "unit_kind", "is_active"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name"]
    fieldsets = BaseUserAdmin.fieldsets + (
        ("driverhome", {"fields": ("role", "organisation", "full_name", "phone")}),
    )
    raw_id_fields = ["organisation"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_id", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_id", "object_repr"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "subject_repr", "field", "reason", "ip"]
    search_fields = ["actor_label", "subject_id"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "prefix", "scope", "created_at", "last_used_at", "revoked_at"]
