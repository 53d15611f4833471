"""API: the closed loop's reference tables under ``/api/v1/appeals/settings/``.

Categories and time limits are read by supervisors and administrators and changed by the
platform's administrators; routing rules are changed by supervisors and administrators
of the area's subtree; Open311 keys are issued and revoked by administrators (the secret
is in the answer once). Every change is an audited action (``appeals/reference.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from driverhome.accounts.access import require_roles
from driverhome.accounts.models import Organisation, Role
from driverhome.core.errors import DomainError
from driverhome.core.validation import WriteSchema

from . import access, actions
from .models import AppealType, Category, Open311Key, TimeLimit
from .settings_views import keys_for, limit_by_key, limit_key, rules_for

router = Router()

VIEW_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def _catalogue_editor(request) -> None:
    require_roles(request, *VIEW_ROLES)
    if not access.may_edit_catalogue(request.user):
        raise Http404


# --- Categories ------------------------------------------------------------------------------


class CategorySettingsOut(Schema):
    code: str
    group: str | None
    name: str
    name_en: str
    default_type: str
    default_unit_kind: str
    order: int
    is_active: bool


class CategoryIn(WriteSchema):
    rules_model = Category
    rules_map = {"group": "code"}

    code: str
    name: str
    group: str | None = None
    name_en: str = ""
    default_type: str = AppealType.HELP
    default_unit_kind: str = ""
    order: int = 0
    is_active: bool = True


class CategoryPatch(WriteSchema):
    rules_model = Category
    rules_map = {"group": "code"}

    name: str | None = None
    group: str | None = None
    name_en: str | None = None
    default_type: str | None = None
    default_unit_kind: str | None = None
    order: int | None = None
    is_active: bool | None = None


def _category_out(c: Category) -> dict:
    return {
        "code": c.code,
        "group": c.parent.code if c.parent_id else None,
        "name": c.name,
        "name_en": c.name_en,
        "default_type": c.default_type,
        "default_unit_kind": c.default_unit_kind,
        "order": c.order,
        "is_active": c.is_active,
    }


def _group(code: str | None):
    if code is None:
        return None
    group = Category.objects.filter(code=code, parent__isnull=True).first()
    if group is None:
        raise DomainError(_("No group with this code."), code="unknown", field="group")
    return group


def _category_fields(payload) -> dict:
    data = payload.dict(exclude_unset=True)
    if "group" in data:
        data["parent"] = _group(data.pop("group"))
    return {k: v for k, v in data.items() if v is not None or k == "parent"}


def _int_range(name: str, value, low: int, high: int) -> None:
    if value is not None and not low <= value <= high:
        raise DomainError(
            _("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high},
            code="out_of_range",
            field=name,
        )


@router.get(
    "/categories", response=list[CategorySettingsOut], summary="Every category, active or not"
)
def list_categories(request):
    require_roles(request, *VIEW_ROLES)
    rows = Category.objects.select_related("parent").order_by("code")
    return [_category_out(c) for c in rows]


@router.post(
    "/categories",
    response={201: CategorySettingsOut},
    summary="Add a group (no group given) or a category under a group (audited)",
)
def create_category(request, payload: CategoryIn):
    _catalogue_editor(request)
    _int_range("order", payload.order, 0, 32767)
    category = actions.create_category(actor=request.user, **_category_fields(payload))
    return Status(201, _category_out(category))


@router.patch(
    "/categories/{code}",
    response=CategorySettingsOut,
    summary="Rename, move, retype or (de)activate a category (audited; the code stays)",
)
def update_category(request, code: str, payload: CategoryPatch):
    _catalogue_editor(request)
    category = Category.objects.filter(code=code).first()
    if category is None:
        raise Http404
    _int_range("order", payload.order, 0, 32767)
    category = actions.update_category(category, actor=request.user, **_category_fields(payload))
    return _category_out(category)


# --- Time limits -----------------------------------------------------------------------------


class TimeLimitOut(Schema):
    key: str
    appeal_type: str
    category: str | None
    answer_days: int
    day_kind: str
    accept_days: int
    visit_days: int
    reminder_percent: int


class TimeLimitPatch(WriteSchema):
    rules_model = TimeLimit

    answer_days: int | None = None
    day_kind: Literal["working", "calendar"] | None = None
    accept_days: int | None = None
    visit_days: int | None = None
    reminder_percent: int | None = None


class TimeLimitIn(TimeLimitPatch):
    rules_map = {"category": ("appeals.Category", "code")}

    appeal_type: Literal["enquiry", "help", "complaint", "suggestion", "emergency"]
    category: str | None = None
    answer_days: int


def _limit_out(limit: TimeLimit) -> dict:
    return {
        "key": limit_key(limit),
        "appeal_type": limit.appeal_type,
        "category": limit.category.code if limit.category_id else None,
        "answer_days": limit.answer_days,
        "day_kind": limit.day_kind,
        "accept_days": limit.accept_days,
        "visit_days": limit.visit_days,
        "reminder_percent": limit.reminder_percent,
    }


def _limit_fields(payload) -> dict:
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    for name, high in (("answer_days", 365), ("accept_days", 30), ("visit_days", 30)):
        _int_range(name, data.get(name), 0, high)
    _int_range("reminder_percent", data.get("reminder_percent"), 1, 99)
    if "category" in data:
        code = data.pop("category")
        data["category"] = Category.objects.filter(code=code, parent__isnull=False).first()
        if data["category"] is None:
            raise DomainError(_("No category with this code."), code="unknown", field="category")
    return data


@router.get("/time-limits", response=list[TimeLimitOut], summary="The configured time limits")
def list_time_limits(request):
    require_roles(request, *VIEW_ROLES)
    limits = TimeLimit.objects.select_related("category").order_by("appeal_type", "category__code")
    return [_limit_out(limit) for limit in limits]


@router.post(
    "/time-limits",
    response={201: TimeLimitOut},
    summary="Set the time limits of a type, or of a type in one category (audited)",
)
def create_time_limit(request, payload: TimeLimitIn):
    _catalogue_editor(request)
    limit = actions.create_time_limit(actor=request.user, **_limit_fields(payload))
    return Status(201, _limit_out(limit))


def _limit(key: str) -> TimeLimit:
    limit = limit_by_key(key)
    if limit is None:
        raise Http404
    return limit


@router.patch(
    "/time-limits/{key}",
    response=TimeLimitOut,
    summary="Change a limit's days (key: the type, or type.category-code; audited)",
)
def update_time_limit(request, key: str, payload: TimeLimitPatch):
    _catalogue_editor(request)
    limit = actions.update_time_limit(_limit(key), actor=request.user, **_limit_fields(payload))
    return _limit_out(limit)


@router.delete("/time-limits/{key}", response={204: None}, summary="Remove a limit (audited)")
def delete_time_limit(request, key: str):
    _catalogue_editor(request)
    actions.delete_time_limit(_limit(key), actor=request.user)
    return Status(204, None)


# --- Routing rules ---------------------------------------------------------------------------


class RoutingRuleOut(Schema):
    category: str
    area: str
    unit: str


class RoutingRulePatch(WriteSchema):
    rules_map = {"unit": ("accounts.Organisation", "code")}

    unit: str


class RoutingRuleIn(RoutingRulePatch):
    rules_map = {
        "unit": ("accounts.Organisation", "code"),
        "area": ("accounts.Organisation", "code"),
        "category": ("appeals.Category", "code"),
    }

    category: str
    area: str


def _rule_out(rule) -> dict:
    return {"category": rule.category.code, "area": rule.area.code, "unit": rule.unit.code}


def _named(model, code: str, field: str, **filters):
    obj = model.objects.filter(code=code, **filters).first()
    if obj is None:
        raise DomainError(_("Nothing with this code."), code="unknown", field=field)
    return obj


@router.get("/routing-rules", response=list[RoutingRuleOut], summary="Routing rules of my areas")
def list_routing_rules(request):
    require_roles(request, *VIEW_ROLES)
    rules = rules_for(request.user).order_by("area__path", "category__code")
    return [_rule_out(rule) for rule in rules]


@router.post(
    "/routing-rules",
    response={201: RoutingRuleOut},
    summary="Route a category's requests filed in an area of mine to a unit (audited)",
)
def create_routing_rule(request, payload: RoutingRuleIn):
    require_roles(request, *VIEW_ROLES)
    area = Organisation.objects.for_user(request.user).filter(code=payload.area).first()
    if area is None:
        raise DomainError(
            _("No organisation with this code in your scope."), code="unknown", field="area"
        )
    rule = actions.create_routing_rule(
        actor=request.user,
        category=_named(Category, payload.category, "category"),
        area=area,
        unit=_named(Organisation, payload.unit, "unit"),
    )
    return Status(201, _rule_out(rule))


def _rule(request, category: str, area: str):
    rule = rules_for(request.user).filter(category__code=category, area__code=area).first()
    if rule is None:
        raise Http404
    return rule


@router.patch(
    "/routing-rules/{category}/{area}",
    response=RoutingRuleOut,
    summary="Send a rule's requests to another unit (audited)",
)
def update_routing_rule(request, category: str, area: str, payload: RoutingRulePatch):
    require_roles(request, *VIEW_ROLES)
    rule = actions.update_routing_rule(
        _rule(request, category, area),
        actor=request.user,
        unit=_named(Organisation, payload.unit, "unit"),
    )
    return _rule_out(rule)


@router.delete(
    "/routing-rules/{category}/{area}", response={204: None}, summary="Remove a rule (audited)"
)
def delete_routing_rule(request, category: str, area: str):
    require_roles(request, *VIEW_ROLES)
    actions.delete_routing_rule(_rule(request, category, area), actor=request.user)
    return Status(204, None)


# --- Open311 keys ----------------------------------------------------------------------------


class Open311KeyOut(Schema):
    prefix: str
    name: str
    organisation: str
    created_at: datetime
    revoked_at: datetime | None


class NewOpen311KeyOut(Open311KeyOut):
    api_key: str


class Open311KeyIn(WriteSchema):
    rules_model = Open311Key
    rules_map = {"organisation": ("accounts.Organisation", "code")}

    name: str
    organisation: str


def _key_out(key) -> dict:
    return {
        "prefix": key.prefix,
        "name": key.name,
        "organisation": key.organisation.code,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }


@router.get(
    "/open311-keys", response=list[Open311KeyOut], summary="Open311 keys of my organisations"
)
def list_open311_keys(request):
    require_roles(request, Role.ADMIN)
    return [_key_out(key) for key in keys_for(request.user).order_by("-created_at")]


@router.post(
    "/open311-keys",
    response={201: NewOpen311KeyOut},
    summary="Issue an Open311 api_key for a client system (the secret is shown once; audited)",
)
def issue_open311_key(request, payload: Open311KeyIn):
    require_roles(request, Role.ADMIN)
    organisation = (
        Organisation.objects.for_user(request.user).filter(code=payload.organisation).first()
    )
    if organisation is None:
        raise DomainError(
            _("No organisation with this code in your scope."), code="unknown", field="organisation"
        )
    key, secret = actions.issue_open311_key(payload.name, organisation, actor=request.user)
    return Status(201, {**_key_out(key), "api_key": secret})


@router.delete(
    "/open311-keys/{prefix}", response={204: None}, summary="Revoke an Open311 key (audited)"
)
def revoke_open311_key(request, prefix: str):
    require_roles(request, Role.ADMIN)
    key = keys_for(request.user).filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None:
        raise Http404
    actions.revoke_open311_key(prefix, actor=request.user)
    return Status(204, None)
