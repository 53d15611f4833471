"""System checks that refuse an unsafe production configuration."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=False)
def production_settings(app_configs=None, **kwargs):
    if not settings.PRODUCTION:
        return []
    errors = []
    if settings.DEBUG:
        errors.append(
            Error(
                "DEBUG is on in production.",
                hint="Unset DRIVERHOME_DEBUG (or set it to 0) when DRIVERHOME_ENV=production.",
                id="driverhome.E002",
            )
        )
    if not settings.SECRET_KEY_FROM_ENV or len(settings.SECRET_KEY) < 40:
        errors.append(
            Error(
                "No secret key is set for production (or it is shorter than 40 characters).",
                hint="Set DRIVERHOME_SECRET_KEY to a long random value: driverhome genkey --secret.",
                id="driverhome.E001",
            )
        )
    if not settings.FIELD_ENCRYPTION_KEYS or not settings.FIELD_LOOKUP_KEY:
        errors.append(
            Error(
                "No field-encryption key is set: ID and phone numbers cannot be stored.",
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
