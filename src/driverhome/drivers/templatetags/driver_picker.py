"""``{% driver_picker %}``: the one driver picker of the console forms (drivers/picker.py)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("drivers/_picker.html")
def driver_picker(field=None, *, name="", input_id="", label="", picked=None, submit=False):
    """A search box for a driver with the matching files under it.

    Either a form's ``field`` (``form.driver``) or a plain ``name``, ``input_id`` and
    ``label``; ``picked`` is the ``picker.Picked`` of the last submit (its choices or why
    nobody matched); ``submit`` makes each choice a button that sends the form at once.
    """
    field = field or None  # a variable the page does not have arrives as ""
    picked = picked or None
    name = field.html_name if field is not None else name
    input_id = (field.auto_id if field is not None else "") or input_id or f"id_{name}"
    if field is not None:
        value = field.value() or ""
    else:
        value = picked.text if picked is not None else ""
    return {
        "field": field,
        "name": name,
        "input_id": input_id,
        "label": field.label if field is not None else label,
        "value": value,
        "required": bool(field is not None and field.field.required),
        "picked": picked,
        "pick_name": f"{name}_pick",
        "submit": submit,
    }
