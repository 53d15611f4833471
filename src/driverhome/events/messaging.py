"""Messages to drivers about events, through the notification backend.

The message texts live here and are added to the notification templates when the
app loads (``EventsConfig.ready``); ``notifications.actions.notify`` renders and
queues them after the surrounding transaction commits.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _

from driverhome.core.modules import optional_import

log = logging.getLogger(__name__)

TEMPLATES = {
    "events.reminder": _(
        "Reminder: %(event)s at %(site)s starts tomorrow, %(starts_at)s. "
        "Show your QR code at the door."
    ),
    "events.event_moved": _(
        "%(event)s at %(site)s has moved from %(old_starts_at)s to %(starts_at)s. %(reason)s"
    ),
    "events.event_cancelled": _("%(event)s at %(site)s on %(starts_at)s is cancelled. %(reason)s"),
    "events.place_offered": _(
        "A place at %(event)s (%(site)s, %(starts_at)s) is free for you. "
        "Please confirm by %(confirm_by)s or it goes to the next driver."
    ),
    "events.confirm_requested": _(
        "You have been registered for %(event)s (%(site)s, %(starts_at)s). "
        "Please confirm by %(confirm_by)s."
    ),
    "events.registered": _("You have a place at %(event)s (%(site)s, %(starts_at)s)."),
    "events.waitlisted": _(
        "%(event)s (%(site)s, %(starts_at)s) is full. You are number %(position)s on the "
        "waiting list; we tell you when a place frees."
    ),
    "events.registration_expired": _(
        "Your place at %(event)s (%(starts_at)s) was not confirmed in time and has been released."
    ),
    "events.course_completed": _(
        "Congratulations: you completed %(course)s. Certificate number %(certificate_no)s."
    ),
}


def register_templates() -> None:
    messages = optional_import("driverhome.notifications.messages")
    if messages is not None and hasattr(messages, "TEMPLATES"):
        for key, text in TEMPLATES.items():
            messages.TEMPLATES.setdefault(key, text)


def tell_driver(driver, template: str, context: dict, *, url: str = "") -> None:
    """Queue a message to a driver (SMS goes out after the surrounding transaction commits)."""
    notifications = optional_import("driverhome.notifications.actions")
    if notifications is None:
        log.warning("notifications app missing: %s to %s not sent", template, driver.public_id)
        return
    kwargs = {"url": url} if url else {}
    notifications.notify(
        driver=driver,
        template=template,
        context=context,
        channels=("sms", "console"),
        **kwargs,
    )
