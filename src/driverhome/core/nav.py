"""Navigation of the two shells. Entries whose page does not exist are left out."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from driverhome.accounts.models import Role

B, S, U, V, A = Role.BROKER, Role.SITE_STAFF, Role.UNIT_HANDLER, Role.SUPERVISOR, Role.ADMIN
ALL_STAFF = (B, S, U, V, A)

# (url name, label, roles that see it)
CONSOLE_NAV = [
    ("core:console-home", _("Worklist"), ALL_STAFF),
    ("dashboard:dashboard", _("Dashboard"), (S, V, A)),
    ("appeals:appeal-list", _("Requests"), ALL_STAFF),
    ("drivers:driver-list", _("Drivers"), (B, S, V, A)),
    ("services:recommendations", _("Services"), (B, S, V, A)),
    ("events:event-list", _("Events"), (B, S, V, A)),
    ("stations:station-list", _("Driver's Homes"), (B, S, V, A)),
    ("drivers:apartment-list", _("Apartments"), (S, V, A)),
    ("accounts:org-list", _("Organisations"), (V, A)),
    ("accounts:user-list", _("Users and roles"), (A,)),
    ("holidays:year-list", _("Holiday calendar"), (S, V, A)),
    ("appeals:routing-list", _("Request settings"), (V, A)),
    ("accounts:audit-list", _("Audit log"), (V, A)),
    ("accounts:token-list", _("API tokens"), ALL_STAFF),
    ("notifications:notice-list", _("My notices"), ALL_STAFF),
    ("notifications:notice-failed", _("SMS delivery"), (V, A)),
    ("notifications:template-list", _("SMS templates"), (A,)),
]

# (url name, label, icon, description) for the driver's home tiles.
DRIVER_TILES = [
    (
        "stations_driver:nearby",
        _("Find a Driver's Home"),
        "pin",
        _("Nearest open sites, free bays and beds"),
    ),
    ("appeals_driver:appeal-new", _("File a request"), "chat", _("Problems, complaints, help")),
    ("appeals_driver:my-appeals", _("My requests"), "list", _("Follow and rate")),
    ("events_driver:event-list", _("Markets and training"), "calendar", _("Sign up in one tap")),
    (
        "services_driver:my-services",
        _("My services"),
        "heart",
        _("What you received, what you may get"),
    ),
    ("drivers_driver:my-file", _("My file"), "person", _("Your details and family")),
    (
        "notifications_driver:my-messages",
        _("My messages"),
        "chat",
        _("Text messages we sent you, and whether they arrived"),
    ),
]


def _resolve(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def console_nav(user, current_path: str) -> list[dict]:
    items = []
    for name, label, roles in CONSOLE_NAV:
        if not (user.is_superuser or user.role in roles):
            continue
        url = _resolve(name)
        if url is None:
            continue
        items.append({"url": url, "label": label, "active": False})
    # The active entry is the one whose address is the longest prefix of the page's
    # (the apartments under /console/drivers/apartments/ are not "Drivers").
    matches = [
        item
        for item in items
        if current_path == item["url"]
        or (item["url"] != "/console/" and current_path.startswith(item["url"]))
    ]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    return items


def driver_tiles() -> list[dict]:
    tiles = []
    for name, label, icon, description in DRIVER_TILES:
        url = _resolve(name)
        if url is not None:
            tiles.append({"url": url, "label": label, "icon": icon, "description": description})
    return tiles
