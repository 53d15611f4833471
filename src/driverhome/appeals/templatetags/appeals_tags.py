from django import template

register = template.Library()

TONES = {
    "collected": "badge-blue",
    "reported": "badge-blue",
    "returned": "badge-amber",
    "handling": "badge-amber",
    "answered": "badge-green",
    "visited": "badge-green",
    "closed": "badge-green",
    "withdrawn": "",
    "merged": "",
}


@register.filter
def status_badge(status: str) -> str:
    return TONES.get(status, "")


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")
