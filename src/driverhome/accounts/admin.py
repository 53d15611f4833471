"""The Django admin (``/console/admin/``), for platform administrators.

Organisations, users and the other editable tables are edited in the console through
actions that audit; whatever the admin still changes writes the same audit rows
(``<model>.create`` / ``.update`` / ``.delete`` with the changed fields) through
:class:`AuditedModelAdmin`. Every other registration is read-only (:class:`ReadOnlyAdmin`).
``tests/test_admin_audited.py`` walks every registered model and fails on a change
that wrote no audit row.
"""

from __future__ import annotations

from axes import admin as axes_admin
from axes.models import AccessAttempt
from axes.models import AccessFailureLog as LoginFailureLog
from axes.models import AccessLog as LoginLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db import transaction

from driverhome.core import pii

from . import audit
from .models import AccessLog, ApiToken, AuditLog, Organisation, User

#: values an audit row says only "changed" about
PROTECTED_FIELDS = frozenset({"password", "key_hash"})
#: derived or bookkeeping columns an audit row leaves out
SKIPPED_FIELDS = frozenset({"path", "depth", "phone_hash", "last_login"})


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose every save and delete (one object, a list's inline edits, the
    "delete selected" action) writes an audit row in the same transaction."""

    def audit_fields(self, model) -> list[str]:
        return [
            field.name
            for field in model._meta.concrete_fields
            if not field.primary_key and field.name not in SKIPPED_FIELDS
        ]

    def audit_protected(self, model) -> frozenset[str]:
        encrypted = {
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, pii.EncryptedTextField)
        }
        return PROTECTED_FIELDS | encrypted

    def audit_organisation(self, obj):
        if isinstance(obj, Organisation):
            return obj.pk
        for name in ("organisation_id", "area_id", "operator_id"):
            value = getattr(obj, name, None)
            if value is not None:
                return value
        return None

    def audit_action(self, obj, verb: str) -> str:
        return f"{obj._meta.model_name}.{verb}"

    def _record(self, request, obj, verb: str, changes: dict) -> None:
        audit.record(
            request.user,
            self.audit_action(obj, verb),
            obj,
            changes=changes,
            organisation=self.audit_organisation(obj),
        )
        _mark(request, obj)

    def _snapshot(self, obj) -> dict:
        return audit.snapshot(obj, self.audit_fields(type(obj)))

    def _diff(self, obj, before: dict, after: dict) -> dict:
        return audit.diff(before, after, protected=self.audit_protected(type(obj)))

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        before = {}
        if change and obj.pk is not None:
            stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = self._snapshot(stored) if stored is not None else {}
        super().save_model(request, obj, form, change)
        changes = self._diff(obj, before, self._snapshot(obj))
        if changes or not change:
            self._record(request, obj, "update" if change else "create", changes)

    @transaction.atomic
    def save_related(self, request, form, formsets, change):
        obj = form.instance
        many = [field.name for field in obj._meta.many_to_many]
        before = {name: _pks(obj, name) for name in many}
        super().save_related(request, form, formsets, change)
        changes = audit.diff(before, {name: _pks(obj, name) for name in many})
        if formsets and any(formset.has_changed() for formset in formsets):
            changes["inlines"] = [None, [formset.prefix for formset in formsets]]
        if changes:
            self._record(request, obj, "update", changes)

    @transaction.atomic
    def delete_model(self, request, obj):
        self._record(request, obj, "delete", self._diff(obj, self._snapshot(obj), {}))
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._record(request, obj, "delete", self._diff(obj, self._snapshot(obj), {}))
        super().delete_queryset(request, queryset)

    def audit_fallback_changes(self, obj, message) -> dict:
        """The changes of an admin page that saves without ``save_model`` (none, here)."""
        return {}

    def log_change(self, request, obj, message):
        # A page that saved without save_model (the password form of a user) is still audited.
        if not _marked(request, obj):
            self._record(request, obj, "update", self.audit_fallback_changes(obj, message))
        return super().log_change(request, obj, message)

    def log_addition(self, request, obj, message):
        if not _marked(request, obj):
            self._record(request, obj, "create", {})
        return super().log_addition(request, obj, message)


def _pks(obj, name: str) -> list:
    if obj.pk is None:
        return []
    return sorted(getattr(obj, name).values_list("pk", flat=True))


def _mark(request, obj) -> None:
    marks = getattr(request, "_audited_objects", None)
    if marks is None:
        marks = request._audited_objects = set()
    marks.add((obj._meta.label_lower, obj.pk))


def _marked(request, obj) -> bool:
    return (obj._meta.label_lower, obj.pk) in getattr(request, "_audited_objects", ())


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed here: the console's actions (or nobody) change these."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ["name", "code", "kind", "unit_kind", "parent", "is_active"]
    list_filter = ["kind", "unit_kind", "is_active"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent"]

    def has_delete_permission(self, request, obj=None):
        return False  # audit rows, users and requests point at it: deactivate it instead


@admin.register(User)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    list_display = ["username", "full_name", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name"]
    fieldsets = BaseUserAdmin.fieldsets + (
        ("driverhome", {"fields": ("role", "organisation", "full_name", "phone")}),
    )
    raw_id_fields = ["organisation"]

    def audit_fallback_changes(self, obj, message) -> dict:
        return {"password": ["***", "***"]}  # the password form saves the user itself


# Django's permission groups (the platform's own access is by role): changes audited too.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedModelAdmin, BaseGroupAdmin):
    pass


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


# django-axes' login lockouts: releasing one (deleting the attempt) is audited; its logs
# are read-only. (AXES_ENABLE_ADMIN is off so that axes registers nothing of its own.)
@admin.register(AccessAttempt)
class LoginLockAdmin(AuditedModelAdmin, axes_admin.AccessAttemptAdmin):
    actions = []  # "clean up expired attempts" deletes without the admin's delete path

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LoginLog)
class LoginLogAdmin(ReadOnlyAdmin, axes_admin.AccessLogAdmin):
    pass


@admin.register(LoginFailureLog)
class LoginFailureLogAdmin(ReadOnlyAdmin, axes_admin.AccessFailureLogAdmin):
    pass
