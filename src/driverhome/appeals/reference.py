"""Actions on the closed loop's reference tables: the category tree, the time limits, the
routing rules. Each runs in a transaction, checks the actor's access
(``appeals/access.py``) and writes its audit row with the changes; the Open311 keys'
actions are in ``actions.py``. ``actor=None`` is the platform itself (data migrations,
commands): no access check.

Changed limits apply to requests received from then on; stored deadlines stay.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from driverhome.accounts import audit
from driverhome.accounts.actions import check_code, checked_fields, forbidden
from driverhome.accounts.models import Organisation
from driverhome.core.errors import Conflict, DomainError, conflict_on_duplicate

from . import access, routing
from .models import AppealType, Category, RoutingRule, TimeLimit

CATEGORY_FIELDS = [
    "code",
    "parent",
    "name",
    "name_en",
    "default_type",
    "default_unit_kind",
    "order",
    "is_active",
]
LIMIT_FIELDS = [
    "appeal_type",
    "category",
    "answer_days",
    "day_kind",
    "accept_days",
    "visit_days",
    "reminder_percent",
]
RULE_FIELDS = ["category", "area", "unit"]

#: what a category's default unit kind may be: a kind of handling unit, or the site / sub-district
UNIT_KINDS = (*Organisation.UnitKind.values, routing.SUBDISTRICT)


def _catalogue_editor(actor) -> None:
    if actor is not None and not access.may_edit_catalogue(actor):
        raise forbidden()


def _check_category(category: Category) -> None:
    check_code(category.code)
    if category.default_type not in AppealType.values:
        raise DomainError(_("Unknown request type."), code="bad_type", field="default_type")
    if category.default_unit_kind and category.default_unit_kind not in UNIT_KINDS:
        raise DomainError(_("Unknown unit kind."), code="invalid_choice", field="default_unit_kind")
    parent = category.parent
    if parent is not None:
        if parent.parent_id is not None or parent.pk == category.pk:
            raise DomainError(
                _("A category sits under a group (a category without a group)."),
                code="not_a_group",
                field="parent",
            )
        if category.pk is not None and category.children.exists():
            raise DomainError(
                _("This group has categories: it cannot move under another group."),
                code="has_children",
                field="parent",
            )


@transaction.atomic
def create_category(*, actor, **fields) -> Category:
    """A new group (no ``parent``) or category under a group, audited."""
    _catalogue_editor(actor)
    category = Category(**checked_fields(Category, fields))
    _check_category(category)
    with conflict_on_duplicate(_("A category with this code exists."), code="duplicate"):
        category.save()
    audit.record(
        actor,
        "category.create",
        category,
        changes=audit.diff({}, audit.snapshot(category, CATEGORY_FIELDS)),
    )
    return category


@transaction.atomic
def update_category(category: Category, *, actor, **fields) -> Category:
    """Rename, move, retype or (de)activate a category; its code stays (Open311 clients use it)."""
    _catalogue_editor(actor)
    fields.pop("code", None)
    fields = checked_fields(Category, fields)
    category = Category.objects.select_for_update().get(pk=category.pk)
    before = audit.snapshot(category, CATEGORY_FIELDS)
    for key, value in fields.items():
        setattr(category, key, value)
    _check_category(category)
    category.save()
    changes = audit.diff(before, audit.snapshot(category, CATEGORY_FIELDS))
    if changes:
        audit.record(actor, "category.update", category, changes=changes)
    return category


def _check_limit(limit: TimeLimit) -> None:
    if limit.appeal_type not in AppealType.values:
        raise DomainError(_("Unknown request type."), code="bad_type", field="appeal_type")
    if limit.day_kind not in TimeLimit.DayKind.values:
        raise DomainError(_("Unknown day kind."), code="invalid_choice", field="day_kind")
    bounds = {
        "answer_days": (0, 365),
        "accept_days": (0, 30),
        "visit_days": (0, 30),
        "reminder_percent": (1, 99),
    }
    for name, (low, high) in bounds.items():
        value = getattr(limit, name)
        if not isinstance(value, int) or not low <= value <= high:
            raise DomainError(
                _("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high},
                code="out_of_range",
                field=name,
            )


@transaction.atomic
def create_time_limit(*, actor, **fields) -> TimeLimit:
    """The time limits of a type, or of a type in one category (that row wins), audited."""
    _catalogue_editor(actor)
    limit = TimeLimit(**checked_fields(TimeLimit, fields))
    _check_limit(limit)
    duplicate = TimeLimit.objects.filter(
        appeal_type=limit.appeal_type, category=limit.category
    ).exists()
    message = _("This type already has time limits for this category.")
    if duplicate:
        raise Conflict(message, code="duplicate")
    with conflict_on_duplicate(message, code="duplicate"):
        limit.save()
    audit.record(
        actor,
        "timelimit.create",
        limit,
        changes=audit.diff({}, audit.snapshot(limit, LIMIT_FIELDS)),
    )
    return limit


@transaction.atomic
def update_time_limit(limit: TimeLimit, *, actor, **fields) -> TimeLimit:
    """Change the days of a limit (its type and category stay: that is another limit)."""
    _catalogue_editor(actor)
    fields.pop("appeal_type", None)
    fields.pop("category", None)
    limit = TimeLimit.objects.select_for_update().get(pk=limit.pk)
    before = audit.snapshot(limit, LIMIT_FIELDS)
    for key, value in checked_fields(TimeLimit, fields).items():
        setattr(limit, key, value)
    _check_limit(limit)
    limit.save()
    changes = audit.diff(before, audit.snapshot(limit, LIMIT_FIELDS))
    if changes:
        audit.record(actor, "timelimit.update", limit, changes=changes)
    return limit


@transaction.atomic
def delete_time_limit(limit: TimeLimit, *, actor) -> None:
    """Remove a limit: the type's own row (or the platform's default) applies again."""
    _catalogue_editor(actor)
    audit.record(
        actor,
        "timelimit.delete",
        limit,
        changes=audit.diff(audit.snapshot(limit, LIMIT_FIELDS), {}),
    )
    limit.delete()


def _check_rule(rule: RoutingRule, *, actor) -> None:
    if rule.category.parent_id is None:
        raise DomainError(
            _("Route a category, not a group."), code="not_a_category", field="category"
        )
    if actor is None:
        return
    if not access.may_edit_routing(actor, rule.area):
        raise forbidden()
    if not routing.handling_units(actor).filter(pk=rule.unit_id).exists():
        raise DomainError(
            _("Choose a handling unit you may send requests to."),
            code="bad_unit",
            field="unit",
        )


def _organisation(rule: RoutingRule):
    return rule.area_id


@transaction.atomic
def create_routing_rule(*, actor, category: Category, area, unit) -> RoutingRule:
    """Requests of ``category`` filed in ``area`` (or below it) go to ``unit``, audited."""
    rule = RoutingRule(category=category, area=area, unit=unit)
    _check_rule(rule, actor=actor)
    message = _("This area already has a rule for this category.")
    if RoutingRule.objects.filter(category=category, area=area).exists():
        raise Conflict(message, code="duplicate")
    with conflict_on_duplicate(message, code="duplicate"):
        rule.save()
    audit.record(
        actor,
        "routingrule.create",
        rule,
        changes=audit.diff({}, audit.snapshot(rule, RULE_FIELDS)),
        organisation=_organisation(rule),
    )
    return rule


@transaction.atomic
def update_routing_rule(rule: RoutingRule, *, actor, unit) -> RoutingRule:
    """Send the rule's requests to another unit, audited."""
    rule = (
        RoutingRule.objects.select_for_update().select_related("category", "area").get(pk=rule.pk)
    )
    before = audit.snapshot(rule, RULE_FIELDS)
    rule.unit = unit
    _check_rule(rule, actor=actor)
    rule.save()
    changes = audit.diff(before, audit.snapshot(rule, RULE_FIELDS))
    if changes:
        audit.record(
            actor, "routingrule.update", rule, changes=changes, organisation=_organisation(rule)
        )
    return rule


@transaction.atomic
def delete_routing_rule(rule: RoutingRule, *, actor) -> None:
    """Remove a rule: the next area up, or the category's default unit kind, routes again."""
    if actor is not None and not access.may_edit_routing(actor, rule.area):
        raise forbidden()
    audit.record(
        actor,
        "routingrule.delete",
        rule,
        changes=audit.diff(audit.snapshot(rule, RULE_FIELDS), {}),
        organisation=_organisation(rule),
    )
    rule.delete()
