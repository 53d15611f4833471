"""Which unit handles a request: the nearest area routing rule, else the category's default unit kind."""

from __future__ import annotations

from driverhome.accounts.models import Organisation

from .models import RoutingRule

#: default unit kinds from the catalogue that are not Organisation.UnitKind values
SITE = "site"
SUBDISTRICT = "subdistrict"


def suggest_unit(category, organisation, station=None) -> Organisation | None:
    if organisation is None:
        return None
    ancestors = list(organisation.ancestors())
    rules = {
        rule.area_id: rule.unit
        for rule in RoutingRule.objects.filter(
            category=category, area__in=[a.pk for a in ancestors]
        ).select_related("unit")
    }
    for area in reversed(ancestors):  # nearest area first
        if area.pk in rules:
            return rules[area.pk]
    kind = category.default_unit_kind
    if kind == SITE:
        if station is not None:
            return station.operator
        return organisation
    if kind == SUBDISTRICT:
        for area in reversed(ancestors):
            if area.kind == Organisation.Kind.SUBDISTRICT:
                return area
        return organisation
    if kind:
        for area in reversed(ancestors):
            unit = (
                Organisation.objects.filter(
                    parent=area,
                    kind=Organisation.Kind.HANDLING_UNIT,
                    unit_kind=kind,
                    is_active=True,
                )
                .order_by("pk")
                .first()
            )
            if unit is not None:
                return unit
    return None


def handling_units(user):
    """Units a dispatcher may send to: handling units and operators in the district above him."""
    from django.db.models import Q

    if user.sees_everything or user.organisation_id is None:
        base = Organisation.objects.all()
    else:
        top = user.organisation
        for area in user.organisation.ancestors():
            if area.kind in (Organisation.Kind.DISTRICT, Organisation.Kind.CITY):
                top = area
        base = Organisation.objects.filter(path__startswith=top.path)
    return base.filter(
        Q(kind=Organisation.Kind.HANDLING_UNIT)
        | Q(kind=Organisation.Kind.OPERATOR)
        | Q(kind=Organisation.Kind.SUBDISTRICT)
        | Q(kind=Organisation.Kind.COMMUNITY),
        is_active=True,
    ).order_by("kind", "name")
