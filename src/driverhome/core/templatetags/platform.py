from django import template

from driverhome.core.nav import console_nav

register = template.Library()


@register.simple_tag(takes_context=True)
def console_menu(context):
    request = context["request"]
    return console_nav(request.user, request.path)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
