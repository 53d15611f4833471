from django import template
from django.utils.html import format_html

from driverhome.core.nav import console_nav
from driverhome.core.outbox import pop_delivered

register = template.Library()


@register.simple_tag(takes_context=True)
def console_menu(context):
    request = context["request"]
    return console_nav(request.user, request.path)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def outbox_delivered(context):
    """``<meta name="outbox-delivered">`` with the keys of the forms stored since the last page."""
    request = context.get("request")
    keys = pop_delivered(request) if request is not None else []
    if not keys:
        return ""
    return format_html('<meta name="outbox-delivered" content="{}">', " ".join(keys))
