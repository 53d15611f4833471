from django import template
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ..report import format_value

register = template.Library()


@register.filter
def figure_value(value, kind):
    """A figure as shown on a tile: counts with separators, rates in per cent, yuan with ¥."""
    return format_value(value, kind)


@register.simple_tag
def with_query(query: dict, **changes) -> str:
    """The dashboard's query string with some parameters changed (None removes one)."""
    merged = {k: v for k, v in {**query, **changes}.items() if v not in (None, "")}
    return urlencode(merged)


@register.filter
def org_label(org) -> str:
    """An organisation's short name, or "All organisations" for the whole platform (None)."""
    if org is None:
        return _("All organisations")
    return org.short_name or org.name
