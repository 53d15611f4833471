"""System checks: an unsafe production configuration is refused; ``check --deploy`` says more.

``production_settings`` runs with every command in production and stops the server on an
error (DEBUG on, no keys). The deploy checks run with ``driverhome check --deploy``: the same
settings problems in any environment, keys left at their development defaults, a missing
calendar year, an empty catalogue, SMS still on the log backend, an unreachable replica.
Each message names its fix.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connections
from django.db.utils import load_backend

from . import workdays

LOG_SMS_BACKEND = "driverhome.notifications.backends.LogBackend"
#: placeholders that must never reach production (examples, Django's generated prefix)
DEFAULT_SECRETS = ("change-me", "changeme", "secret", "missing-secret-key")


def _settings_problems() -> list:
    errors = []
    if settings.DEBUG:
        errors.append(
            Error(
                "DEBUG is on: pages show tracebacks with settings and data.",
                hint="Unset DRIVERHOME_DEBUG (or set it to 0) when DRIVERHOME_ENV=production.",
                id="driverhome.E002",
            )
        )
    key = settings.SECRET_KEY
    if (
        not settings.SECRET_KEY_FROM_ENV
        or len(key) < 40
        or key.lower() in DEFAULT_SECRETS
        or key.startswith("django-insecure-")
    ):
        errors.append(
            Error(
                "No secret key is set in the environment (or it is shorter than 40 characters, "
                "or a placeholder).",
                hint="Set DRIVERHOME_SECRET_KEY to a long random value: driverhome genkey --secret.",
                id="driverhome.E001",
            )
        )
    if not settings.FIELD_KEYS_FROM_ENV or not settings.LOOKUP_KEY_FROM_ENV:
        errors.append(
            Error(
                "No field-encryption key is set: ID and phone numbers cannot be stored "
                "(keys generated into the data folder are for development only).",
                hint="Set DRIVERHOME_FIELD_KEYS and DRIVERHOME_LOOKUP_KEY: driverhome genkey.",
                id="driverhome.E003",
            )
        )
    if not settings.SESSION_COOKIE_SECURE:
        errors.append(
            Warning(
                "Session cookies are sent over plain HTTP.",
                hint="Serve over HTTPS and leave DRIVERHOME_SECURE_COOKIES on.",
                id="driverhome.W001",
            )
        )
    return errors


@register(Tags.security, deploy=False)
def production_settings(app_configs=None, **kwargs):
    if not settings.PRODUCTION:
        return []
    return _settings_problems()


@register(Tags.security, deploy=True)
def deploy_settings(app_configs=None, **kwargs):
    """``check --deploy`` outside production: what production would refuse."""
    if settings.PRODUCTION:
        return []  # production_settings reported them already
    return [
        Warning(
            "DRIVERHOME_ENV is not production.",
            hint="Set DRIVERHOME_ENV=production on the server (see docs/operations.md).",
            id="driverhome.W002",
        ),
        *_settings_problems(),
    ]


@register(Tags.database, deploy=True)
def calendar_years(app_configs=None, databases=None, **kwargs):
    try:
        year = workdays.missing_year()
    except DatabaseError:
        return [_not_migrated()]
    if year is None:
        return []
    return [
        Warning(
            f"The {year} holidays and make-up working days are not entered: deadlines in {year} "
            "are counted Monday to Friday and shown as provisional.",
            hint=(
                f"Enter the State Council's notice for {year} in the console "
                f"(/console/holidays/{year}/) or PUT /api/v1/calendar/years/{year}."
            ),
            id="driverhome.W010",
        )
    ]


# (app label, model, what it is)
CATALOGUE = [
    ("services", "LifecycleNode", "lifecycle nodes"),
    ("services", "ServiceItem", "service items"),
    ("appeals", "Category", "request categories"),
    ("stations", "Facility", "facilities"),
]


@register(Tags.database, deploy=True)
def catalogue_filled(app_configs=None, databases=None, **kwargs):
    problems = []
    for label, name, what in CATALOGUE:
        # Looked up by name: core sits below the apps that own the catalogue.
        try:
            model = apps.get_model(label, name)
        except LookupError:
            continue
        try:
            empty = not model.objects.exists()
        except DatabaseError:
            return [_not_migrated()]
        if empty:
            problems.append(
                Warning(
                    f"The catalogue has no {what}: requests, services or sites cannot be recorded.",
                    hint="Load the reference data before opening the service "
                    "(docs/operations.md, “Reference data”).",
                    id="driverhome.W011",
                )
            )
    return problems


@register(Tags.security, deploy=True)
def sms_gateway(app_configs=None, **kwargs):
    if not settings.PRODUCTION or settings.SMS_BACKEND != LOG_SMS_BACKEND:
        return []
    return [
        Warning(
            "SMS goes to the log backend: no text message reaches a driver.",
            hint="Set DRIVERHOME_SMS_BACKEND to the provider's gateway class (docs/operations.md).",
            id="driverhome.W012",
        )
    ]


@register(Tags.database, deploy=True)
def replica_reachable(app_configs=None, databases=None, **kwargs):
    if "replica" not in settings.DATABASES:
        return []
    # A connection of its own, with a short connect timeout: a firewall that drops packets
    # must not hold the check (and the server's start) for minutes.
    params = dict(settings.DATABASES["replica"])
    params["OPTIONS"] = {**params.get("OPTIONS", {}), "connect_timeout": 5}
    params = connections.configure_settings({"default": params})["default"]
    connection = load_backend(params["ENGINE"]).DatabaseWrapper(params, "replica")
    try:
        connection.ensure_connection()
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the finding
        return [
            Error(
                f"The read replica (DATABASE_REPLICA_URL) cannot be reached: {type(exc).__name__}.",
                hint="Fix the address, user or network, or unset DATABASE_REPLICA_URL: reports "
                "and the dashboard read from it.",
                id="driverhome.E010",
            )
        ]
    finally:
        connection.close()
    return []


def _not_migrated() -> Warning:
    return Warning(
        "The database could not be read (not created or not migrated yet).",
        hint="Run driverhome migrate, then driverhome check --deploy again.",
        id="driverhome.W013",
    )
