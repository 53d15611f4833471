"""``driverhome check --deploy``: every kind of message has a template at the configured provider.

A kind without a mapping would otherwise be found only when its first message
fails. Registered by ``NotificationsConfig.ready`` with the deploy tag.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

from . import messages, sms_templates


@register(Tags.compatibility, deploy=True)
def sms_templates_mapped(app_configs=None, **kwargs):
    provider = sms_templates.provider_name()
    if not provider:
        return []
    try:
        mapped = sms_templates.mappings(provider)
    except sms_templates.ConfigError as exc:
        return [
            Error(
                f"The SMS template file cannot be used: {exc}",
                hint="Fix DRIVERHOME_SMS_TEMPLATES (see docs/operations.md).",
                id="driverhome.E020",
            )
        ]
    except DatabaseError:  # no database yet: the file alone
        mapped = dict(sms_templates.file_config(provider).templates)
    errors = []
    for key in sorted(messages.TEMPLATES):
        for problem in sms_templates.problems(provider, mapped.get(key), key):
            errors.append(
                Error(
                    f"SMS via {provider}: {problem}.",
                    hint="Map it in DRIVERHOME_SMS_TEMPLATES or in the console (SMS templates).",
                    id="driverhome.E021",
                )
            )
    credentials = {
        "aliyun": ("access_key_id", "access_key_secret"),
        "tencent": ("secret_id", "secret_key", "sdk_app_id"),
    }[provider]
    conf = settings.ALIYUN_SMS if provider == "aliyun" else settings.TENCENT_SMS
    missing = [name for name in credentials if not conf[name]]
    if missing:
        errors.append(
            Error(
                f"SMS via {provider}: {', '.join(missing)} not set.",
                hint="See docs/operations.md, section SMS providers.",
                id="driverhome.E022",
            )
        )
    if not settings.SMS_REPORT_TOKEN:
        errors.append(
            Warning(
                "No DRIVERHOME_SMS_REPORT_TOKEN: delivery reports are only fetched by the query job.",
                id="driverhome.W020",
            )
        )
    return errors


@register(Tags.compatibility, deploy=True)
def channels_configured(app_configs=None, **kwargs):
    """The WeChat service account and the staff single sign-on, when a district uses them."""
    from driverhome.accounts import sso, wechat

    found = []
    if wechat.configured():
        if not settings.WECHAT["token"]:
            found.append(
                Warning(
                    "WeChat is configured without DRIVERHOME_WECHAT_TOKEN: the account's "
                    "server URL refuses every call, so notice reports are not recorded.",
                    id="driverhome.W021",
                )
            )
        try:
            mapped = sms_templates.file_config("wechat").templates
        except sms_templates.ConfigError:
            mapped = {}  # reported by sms_templates_mapped
        if not mapped:
            found.append(
                Warning(
                    "WeChat is configured but no kind of message has a [wechat] template in "
                    "DRIVERHOME_SMS_TEMPLATES: every update goes by SMS.",
                    hint="See docs/operations.md, section WeChat service account.",
                    id="driverhome.W022",
                )
            )
    if settings.STAFF_PASSWORD_LOGIN == "admins" and not sso.configured():
        found.append(
            Error(
                "DRIVERHOME_STAFF_PASSWORD_LOGIN=admins without single sign-on configured: "
                "staff other than administrators could not log in at all.",
                hint="Set DRIVERHOME_OIDC_DISCOVERY_URL, _CLIENT_ID and _CLIENT_SECRET, or 'all'.",
                id="driverhome.E023",
            )
        )
    return found
