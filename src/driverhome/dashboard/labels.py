"""Readable names for the keys of breakdown figures (codes -> names), looked up in one query."""

from __future__ import annotations

from django.apps import apps
from django.utils.translation import gettext as _


def _model(label):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _codes(model_label: str, field: str = "name"):
    def names(keys):
        model = _model(model_label)
        if model is None:
            return {}
        return dict(model.objects.filter(code__in=list(keys)).values_list("code", field))

    return names


def _residence(keys):
    from driverhome.core.modules import optional_import

    models = optional_import("driverhome.drivers.models")
    if models is None:
        return {}
    return {value: str(label) for value, label in models.ResidenceType.choices}


def _employers(keys):
    from driverhome.accounts.models import Organisation

    rows = Organisation.objects.filter(code__in=list(keys)).values_list(
        "code", "short_name", "name"
    )
    return {code: short or name for code, short, name in rows}


def _grades(keys):
    return {"none": _("Not graded")}


LABELS = {
    "drivers_by_residence": _residence,
    "drivers_by_employer": _employers,
    "drivers_by_node": _codes("services.LifecycleNode"),
    "services_by_node": _codes("services.LifecycleNode"),
    "services_by_item": _codes("services.ServiceItem"),
    "site_grades": _grades,
}

#: keys of a breakdown that are not a part of it (a total given alongside)
SKIP = {"site_grades": {"total"}}


def labelled(key: str, value: dict) -> list[tuple[str, object]]:
    """The breakdown as (readable name, number) pairs, largest first."""
    skip = SKIP.get(key, set())
    items = [(k, v) for k, v in value.items() if k not in skip]
    names = LABELS[key]([k for k, _v in items]) if key in LABELS else {}
    items.sort(key=lambda kv: -(kv[1] or 0))
    return [(names.get(k) or str(k), v) for k, v in items]
