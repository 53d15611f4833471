"""Message templates by code. Rendered in the recipient's language (Chinese by default)."""

from __future__ import annotations

from datetime import date, datetime

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
        values = {key: _as_text(value) for key, value in context.items()}
        return str(text) % values


def _as_text(value) -> str:
    """A context value in the language being rendered: dates and times in its format,
    anything else through ``str`` (lazy texts and objects whose name follows the language)."""
    if isinstance(value, datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)
