"""The permission matrix: one table of every page and API operation and who may use it.

Each app lists its checks in ``driverhome/<app>/tests/permission_table.py`` as
``CHECKS = [Check(...), ...]``; ``tests/test_permission_matrix.py`` runs every
check for every persona and fails when a URL or API operation has no entry.

Personas (see the root ``conftest.py``): ``anonymous``, ``driver`` (the owner
where an object belongs to a driver), ``other_driver``, ``broker``,
``site_staff``, ``unit_handler``, ``supervisor``, ``admin`` and ``outsider``
(site staff of another district). Objects made by ``setup`` live inside the
Beilun district (``orgs["xiapu"]`` or ``orgs["guoju"]``), so the outsider must get
404 wherever an object is named in the URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

PERSONAS = (
    "anonymous",
    "driver",
    "other_driver",
    "broker",
    "site_staff",
    "unit_handler",
    "supervisor",
    "admin",
    "outsider",
)
STAFF = frozenset({"broker", "site_staff", "unit_handler", "supervisor", "admin", "outsider"})
EVERYONE_LOGGED_IN = frozenset(PERSONAS) - {"anonymous"}
EVERYONE = frozenset(PERSONAS)


@dataclass(frozen=True)
class Check:
    #: a URL name ("accounts:org-list") or an API operation ("GET /api/v1/organisations/{code}")
    route: str
    #: personas that may use it; any other persona must be refused
    allowed: frozenset[str]
    #: (personas, orgs) -> URL kwargs / API path parameters naming an object in scope
    setup: Callable[[dict, dict], dict] | None = None
    #: HTTP method for URL-name routes (API routes carry theirs)
    method: str = "GET"
    #: form or JSON body for unsafe methods: dict, or (personas, orgs, kwargs) -> dict
    data: dict | Callable | None = None
    #: query string for GET
    query: dict = field(default_factory=dict)
    #: extra words shown in the test id
    note: str = ""

    @property
    def is_api(self) -> bool:
        return " /" in self.route

    def __str__(self) -> str:
        return f"{self.route}{' ' + self.note if self.note else ''}"
