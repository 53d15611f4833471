"""One validation per field: the rules of a model field, used by every way in.

A field's rule is derived from its model field, declared once:

* **length**: the field's ``max_length`` (``TEXT_MAX`` for a ``TextField`` without
  one); an over-long value is refused with the field and the limit, never cut;
* **choices**: the field's ``choices`` (the model's ``TextChoices``);
* **visible text**: surrounding whitespace is stripped (as Django's form fields
  do), and a value made only of whitespace or invisible characters (zero-width
  spaces, joiners, direction marks, BOM, Hangul fillers ...) is refused; a
  required field (``blank=False``) refuses the empty value;
* **repeated items**: a list (tags, item codes) has at most ``max_items`` entries,
  each checked by its own rule (``declare`` adds one to a JSON field).

The same :class:`Rule` is applied by

* the API: body schemas derive from :class:`WriteSchema` and name their model
  (``rules_model``); every ``str`` and ``list`` field gets its rule (same-named
  model field, a ``rules_map`` entry, or the short default for codes and
  references), checked by pydantic and published in the OpenAPI schema;
* the forms: :class:`RulesFormMixin` sets each mapped form field's ``max_length``
  from the rule and checks the rest in ``clean``;
* the roster importer and Open311: :func:`check` (``FieldInvalid`` on refusal).

So the API, the pages, the importer and Open311 accept and refuse the same
values, on SQLite (which does not enforce lengths) as on PostgreSQL (which does).
"""

from __future__ import annotations

import types
import typing
import unicodedata
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

#: A TextField without its own max_length (free text: notes, answers, comments).
TEXT_MAX = 4000
#: A string field of a body that names no model field: codes, references, usernames.
SHORT_MAX = 200
#: A list of a body without its own declaration (codes, ids).
ITEMS_MAX = 1000

# Code points that draw nothing although Unicode does not call them spaces.
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")


def is_invisible(text: str) -> bool:
    """True when ``text`` has no visible character (only spaces, controls, format marks)."""
    for ch in text:
        if ch.isspace() or ch in _INVISIBLE:
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"):
            continue
        return False
    return True


class FieldInvalid(ValueError):
    """A value refused by a field's rule: ``code`` is stable, ``message`` for people."""

    def __init__(self, code: str, message: str, **ctx):
        super().__init__(message)
        self.code = code
        self.message = message
        self.ctx = ctx


@dataclass(frozen=True)
class Rule:
    """What one field accepts. ``clean`` returns the value to store or raises FieldInvalid."""

    max_length: int | None = None
    choices: tuple[str, ...] | None = None
    required: bool = False
    strip: bool = True
    max_items: int | None = None
    item: Rule | None = None

    def clean(self, value):
        if value is None:
            return None
        if isinstance(value, list | tuple):
            return self._clean_items(value)
        if isinstance(value, dict):
            if self.max_items is not None and len(value) > self.max_items:
                raise _too_many(self.max_items)
            return value
        if not isinstance(value, str):
            return value
        if self.strip:
            value = value.strip()
        if not value:
            if self.required:
                raise FieldInvalid("required", _("This field is required."))
            return value
        if self.max_length is not None and len(value) > self.max_length:
            raise FieldInvalid(
                "too_long",
                _("At most %(limit)s characters (this one has %(length)s).")
                % {"limit": self.max_length, "length": len(value)},
                limit=self.max_length,
            )
        if self.choices is not None and value not in self.choices:
            shown = ", ".join(self.choices[:20])
            raise FieldInvalid(
                "invalid_choice",
                _("Not one of the allowed values: %(values)s.") % {"values": shown},
            )
        if is_invisible(value):
            raise FieldInvalid("blank", _("The text has only spaces or invisible characters."))
        return value

    def _clean_items(self, values):
        if self.max_items is not None and len(values) > self.max_items:
            raise _too_many(self.max_items)
        if self.item is None:
            return values
        cleaned = []
        for index, value in enumerate(values):
            try:
                cleaned.append(self.item.clean(value))
            except FieldInvalid as exc:
                raise FieldInvalid(
                    exc.code,
                    _("Item %(number)s: %(reason)s") % {"number": index + 1, "reason": exc.message},
                    **exc.ctx,
                ) from None
        return cleaned

    def json_schema(self, schema: dict) -> None:
        """Publish the rule in an OpenAPI property (the string or array branch of it)."""
        branches = schema.get("anyOf") or [schema]
        for branch in branches:
            kind = branch.get("type")
            if kind == "string":
                if self.max_length is not None:
                    branch["maxLength"] = self.max_length
                if self.choices is not None:
                    branch["enum"] = list(self.choices) + ([] if self.required else [""])
            elif kind == "array":
                if self.max_items is not None:
                    branch["maxItems"] = self.max_items
                if self.item is not None and isinstance(branch.get("items"), dict):
                    self.item.json_schema(branch["items"])
            elif kind == "object" and self.max_items is not None:
                branch["maxProperties"] = self.max_items


def _too_many(limit: int) -> FieldInvalid:
    return FieldInvalid("too_many", _("At most %(limit)s items.") % {"limit": limit}, limit=limit)


# model label + field name -> a rule declared beside the model (JSON lists such as tags)
_DECLARED: dict[tuple[str, str], Rule] = {}


def declare(model: type[models.Model], name: str, rule: Rule) -> None:
    """Give a model field without length or choices (a JSON list) its rule, once, beside the model."""
    _DECLARED[(model._meta.label_lower, name)] = rule


def choices_of(text_choices) -> tuple[str, ...]:
    return tuple(str(v) for v in text_choices.values)


def rule_for(model: type[models.Model], name: str) -> Rule:
    """The rule of ``model.name``, derived from the model field (or its declaration)."""
    declared = _DECLARED.get((model._meta.label_lower, name))
    if declared is not None:
        return declared
    field = model._meta.get_field(name)
    if isinstance(field, models.JSONField):
        return Rule(max_items=ITEMS_MAX)
    if not isinstance(field, models.CharField | models.TextField):
        return Rule(max_length=SHORT_MAX)
    max_length = field.max_length or (TEXT_MAX if isinstance(field, models.TextField) else None)
    choices = None
    if field.choices:
        choices = tuple(str(value) for value, _label in field.flatchoices)
    return Rule(max_length=max_length, choices=choices, required=not field.blank)


def _model(model):
    """A model class, or one named by its label (for an app imported only when installed)."""
    if isinstance(model, str):
        from django.apps import apps

        return (
            apps.get_model(model)
            if apps.is_installed(f"driverhome.{model.split('.')[0]}")
            else None
        )
    return model


def check(model: type[models.Model], name: str, value):
    """``value`` cleaned by the rule of ``model.name``; raises :class:`FieldInvalid`."""
    return rule_for(model, name).clean(value)


# --- the API ------------------------------------------------------------------------------------


def _base_type(annotation) -> tuple[type | None, Any]:
    """(str | list | dict | None, item type) of an annotation, Optional stripped."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _base_type(args[0])
        return None, None
    if origin is typing.Annotated:
        return _base_type(typing.get_args(annotation)[0])
    if annotation is str:
        return str, None
    if origin in (list, set, tuple):
        args = typing.get_args(annotation)
        return list, args[0] if args else None
    if origin is dict or annotation is dict:
        return dict, None
    return None, None


def _schema_extra(schema: dict, cls) -> None:
    properties = schema.get("properties", {})
    for name, rule in getattr(cls, "__field_rules__", {}).items():
        field = cls.model_fields.get(name)
        key = (field.alias if field is not None and field.alias else None) or name
        if key in properties:
            rule.json_schema(properties[key])


class WriteSchema(Schema):
    """A request body whose fields follow the rules of the model fields they write.

    ``rules_model`` names the model; a field is matched to the model field of the
    same name, or to what ``rules_map`` gives: another field's name, a
    ``(model, name)`` pair, or a :class:`Rule`. A ``str`` field that matches no
    model field gets ``Rule(max_length=SHORT_MAX)``, a list ``ITEMS_MAX`` entries
    of at most ``SHORT_MAX`` characters each.
    """

    rules_model: ClassVar[type[models.Model] | None] = None
    rules_map: ClassVar[dict[str, Any]] = {}
    __field_rules__: ClassVar[dict[str, Rule]] = {}

    model_config = ConfigDict(json_schema_extra=_schema_extra)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs):
        super().__pydantic_init_subclass__(**kwargs)
        cls.__field_rules__ = {
            name: rule
            for name, field in cls.model_fields.items()
            if (rule := cls._rule(name, field.annotation)) is not None
        }

    @classmethod
    def _rule(cls, name: str, annotation) -> Rule | None:
        kind, item = _base_type(annotation)
        mapped = cls.rules_map.get(name, name)
        if isinstance(mapped, Rule):
            return mapped
        model = cls.rules_model
        if isinstance(mapped, tuple):
            model, mapped = _model(mapped[0]), mapped[1]
        if kind is None:
            return None
        if model is not None and mapped is not None:
            try:
                model._meta.get_field(mapped)
            except Exception:  # noqa: BLE001 - FieldDoesNotExist: fall back to the default
                pass
            else:
                rule = rule_for(model, mapped)
                if kind is list and rule.max_items is None:
                    return Rule(max_items=ITEMS_MAX, item=rule)
                return rule
        if kind is str:
            return Rule(max_length=SHORT_MAX)
        if kind is list:
            return Rule(
                max_items=ITEMS_MAX,
                item=Rule(max_length=SHORT_MAX) if _base_type(item)[0] is str else None,
            )
        return Rule(max_items=ITEMS_MAX)

    @field_validator("*", mode="after")
    @classmethod
    def _follow_field_rules(cls, value, info: ValidationInfo):
        rule = cls.__field_rules__.get(info.field_name)
        if rule is None:
            return value
        try:
            return rule.clean(value)
        except FieldInvalid as exc:
            raise PydanticCustomError(exc.code, exc.message.replace("{", "{{"), exc.ctx) from None


# --- the forms ------------------------------------------------------------------------------------


class RulesFormMixin:
    """A Django form whose fields follow the rules of the model fields they write.

    The model is ``Meta.model`` (a ModelForm) or ``rules_model``; ``rules_map`` maps a
    form field to another model field's name, a ``(model, name)`` pair or a Rule.
    Each mapped ``CharField`` takes its ``max_length`` from the rule; ``clean`` applies
    the rest (visible text, choices) to what the form field accepted.
    """

    rules_model: type[models.Model] | None = None
    rules_map: dict[str, Any] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django import forms
        from django.core.validators import MaxLengthValidator

        self._field_rules: dict[str, Rule] = {}
        for name, form_field in self.fields.items():
            rule = self._rule(name)
            if rule is None:
                continue
            self._field_rules[name] = rule
            if isinstance(form_field, forms.CharField) and rule.max_length is not None:
                form_field.max_length = rule.max_length
                form_field.validators = [
                    v for v in form_field.validators if not isinstance(v, MaxLengthValidator)
                ] + [MaxLengthValidator(rule.max_length)]
                form_field.widget.attrs["maxlength"] = str(rule.max_length)

    def _rule(self, name: str) -> Rule | None:
        mapped = self.rules_map.get(name, name)
        if isinstance(mapped, Rule):
            return mapped
        meta = getattr(self, "_meta", None)
        model = self.rules_model or getattr(meta, "model", None)
        if isinstance(mapped, tuple):
            model, mapped = _model(mapped[0]), mapped[1]
        if model is None or mapped is None:
            return None
        try:
            model._meta.get_field(mapped)
        except Exception:  # noqa: BLE001 - FieldDoesNotExist: a form-only field
            return None
        return rule_for(model, mapped)

    def clean(self):
        cleaned = super().clean()
        for name, rule in self._field_rules.items():
            if name not in cleaned or cleaned[name] in (None, ""):
                continue
            try:
                cleaned[name] = rule.clean(cleaned[name])
            except FieldInvalid as exc:
                self.add_error(name, exc.message)
        return cleaned
