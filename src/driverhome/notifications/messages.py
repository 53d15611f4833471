"""Message templates by key. Rendered in the recipient's language (Chinese by default).

Each entry of ``TEMPLATES`` is one kind of message: its key (``"appeal.received"``)
is the template key a deployment maps to a provider's template code, and the
named placeholders of its text (``%(tracking_no)s``) are the template's
parameters. To add a kind, add an entry (apps add theirs with
``TEMPLATES.setdefault(key, text)`` when they load); ``parameters(key)`` and
``render_params`` follow from the text.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache

from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from driverhome.core.errors import DomainError

TEMPLATES = {
    "appeal.received": _(
        "Your request %(tracking_no)s (%(category)s) has been received. "
        "We will answer by %(answer_due)s. Follow it under “My requests”."
    ),
    "appeal.dispatched": _(
        "New request %(tracking_no)s (%(category)s) for your unit. Please accept it by %(due)s."
    ),
    "appeal.returned": _(
        "Request %(tracking_no)s was returned as misdirected by %(unit)s: %(note)s. Please dispatch it again."
    ),
    "appeal.accepted": _("Your request %(tracking_no)s is being handled by %(unit)s."),
    "appeal.answered": _(
        "Your request %(tracking_no)s has been answered: %(answer)s. Please tell us whether it was resolved."
    ),
    "appeal.merged": _(
        "Your request %(tracking_no)s concerns the same matter as %(target)s; "
        "it is followed there from now on."
    ),
    "appeal.withdrawn": _("Request %(tracking_no)s was withdrawn."),
    "appeal.rehandle": _(
        "Request %(tracking_no)s goes back to your unit for re-handling: %(note)s"
    ),
    "appeal.visit_due": _(
        "Request %(tracking_no)s has been answered. Please make the return visit by %(due)s."
    ),
    "appeal.broker_new": _(
        "%(driver)s filed request %(tracking_no)s (%(category)s). It is in your worklist."
    ),
    "appeal.transfer": _("%(from)s asks you to take over request %(tracking_no)s: %(note)s"),
    "appeal.reminder": _("Reminder: request %(tracking_no)s is due %(due)s."),
    "appeal.missed": _(
        "Request %(tracking_no)s at %(unit)s missed its deadline of %(due)s. Please handle it at once."
    ),
    "appeal.escalated": _(
        "Request %(tracking_no)s at %(unit)s is %(days)s working days overdue and has been escalated to you."
    ),
    "appeal.supervised": _("Request %(tracking_no)s has been put under supervision: %(note)s"),
    "appeal.extension_requested": _(
        "%(unit)s asks for %(days)s more working days on request %(tracking_no)s: %(note)s"
    ),
    # One-time codes (accounts/codes.py): each purpose its own template, the code a parameter.
    "auth.code.register": _(
        "%(code)s is your code to register at the Driver's Home. It is valid for "
        "%(minutes)s minutes. Never tell it to anyone, staff included."
    ),
    "auth.code.login": _(
        "%(code)s is your code to log in to the Driver's Home. It is valid for "
        "%(minutes)s minutes. Never tell it to anyone, staff included."
    ),
    "auth.code.reset": _(
        "%(code)s is your code to set a new password at the Driver's Home. It is valid for "
        "%(minutes)s minutes. If you did not ask for it, ignore this message."
    ),
    "appeal.extension_decided": _(
        "The extension of request %(tracking_no)s was %(decision)s. Due: %(due)s."
    ),
    "appeal.decision_due": _(
        "The driver rated request %(tracking_no)s “%(resolved)s”, %(score)s of 5. "
        "Please close it or send it back to be handled again by %(due)s."
    ),
    "appeal.driver_message": _("The driver added to request %(tracking_no)s: %(note)s"),
    "appeal.reopen_asked": _(
        "The driver asks to reopen request %(tracking_no)s: %(note)s. Please decide."
    ),
    "appeal.reopen_decided": _("Your request to reopen %(tracking_no)s was %(decision)s. %(note)s"),
}


#: templates that carry a secret, with its parameter: the stored copy of the message masks
#: it, and such a message is sent once, at once, and never again from the stored copy.
SECRET_PARAMETERS = {
    "auth.code.register": "code",
    "auth.code.login": "code",
    "auth.code.reset": "code",
}


def render(template: str, context: dict, language: str) -> str:
    """The message in ``language``: the recipient's, whatever language the sender works in."""
    try:
        text = TEMPLATES[template]
    except KeyError:
        raise DomainError(f"Unknown message template {template!r}.", code="bad_template") from None
    with translation.override(language or "zh-hans"):
        text = str(text)
        values = {key: _as_text(value) for key, value in context.items()}
        for key in _STOPPED.findall(text):
            # "…answered: 已结清。." reads as a person would write it: one full stop.
            if key in values:
                values[key] = values[key].rstrip(_STOPS + " ")
        return text % values


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_STOPS = ".。!！?？;；"
_STOPPED = re.compile(r"%\((\w+)\)s[.。]")  # a placeholder the text itself ends a sentence after


def parameters(template: str) -> list[str]:
    """The named parameters of a kind of message, in the order its English text uses them."""
    return list(_parameters(template, TEMPLATES[template]))


@cache  # keyed by the text too: a kind's text is fixed once its app has loaded
def _parameters(template: str, text) -> tuple[str, ...]:
    with translation.override("en"):
        return tuple(dict.fromkeys(_PLACEHOLDER.findall(str(text))))


def render_params(template: str, context: dict, language: str) -> dict[str, str]:
    """The template's parameters as texts in ``language``: what a provider fills in."""
    with translation.override(language or "zh-hans"):
        return {name: _as_text(context.get(name, "")) for name in parameters(template)}


def _as_text(value) -> str:
    """A context value in the language being rendered: dates and times in its format,
    anything else through ``str`` (lazy texts and objects whose name follows the language)."""
    if isinstance(value, datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)
