"""Which provider template sends which kind of message: the configuration file and the console.

The file named by ``DRIVERHOME_SMS_TEMPLATES`` (TOML, or JSON when it ends in
``.json``) holds one table per provider::

    [aliyun]
    signature = "北仑司机之家"      # the default signature (签名) of this provider
    max_param_length = 35           # the provider's limit on one parameter's value

    [aliyun.templates."appeal.received"]
    code = "SMS_460770001"
    params = { no = "tracking_no", type = "category", due = "answer_due" }

    [tencent.templates."appeal.received"]
    code = "1987654"
    signature = "北仑司机之家"
    params = { 1 = "tracking_no", 2 = "category", 3 = "answer_due" }

``params`` maps the provider's parameter names (Tencent's are the positions
``1``, ``2``, ...) to the message's own (``messages.parameters(key)``, or ``link``
for the path of the message's page, which a provider template writes after its
fixed, registered address). An administrator may set or replace an entry in the
console (:class:`~driverhome.notifications.models.TemplateMapping`); that row wins
over the file.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import messages

SMS_PROVIDERS = {"aliyun": _("Alibaba Cloud SMS"), "tencent": _("Tencent Cloud SMS")}
#: the SMS providers, and the WeChat service account's template notices (``wechat``: the
#: template id as ``code``, its data fields as parameter names, no signature)
PROVIDERS = {**SMS_PROVIDERS, "wechat": _("WeChat service account")}
#: documented limits on one parameter's value (characters); a deployment may set its own
DEFAULT_MAX_PARAM_LENGTH = {"aliyun": 35, "tencent": 6, "wechat": 20}
#: the parameter name that stands for the message's link (a path, never a whole address)
LINK = "link"


class ConfigError(ValueError):
    """The template file cannot be read or does not have the documented shape."""


@dataclass(frozen=True)
class Mapping:
    provider: str
    key: str
    code: str
    signature: str
    #: provider's parameter name → the message's parameter name
    params: dict[str, str] = field(default_factory=dict)
    source: str = "file"


@dataclass(frozen=True)
class ProviderConfig:
    signature: str = ""
    max_param_length: int = 0
    templates: dict[str, Mapping] = field(default_factory=dict)


def provider_name() -> str:
    """The configured real provider ("aliyun", "tencent"), or "" for the log gateway."""
    return settings.SMS_BACKEND if settings.SMS_BACKEND in SMS_PROVIDERS else ""


@cache
def _load_file(path: str) -> dict[str, ProviderConfig]:
    if not path:
        return {}
    file = Path(path)
    try:
        raw = file.read_text(encoding="utf-8")
        data = json.loads(raw) if file.suffix == ".json" else tomllib.loads(raw)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return parse(data)


def parse(data: dict) -> dict[str, ProviderConfig]:
    """The providers' tables of the configuration file, checked for shape."""
    configs = {}
    for provider, table in data.items():
        if provider not in PROVIDERS:
            raise ConfigError(f"unknown provider {provider!r} (known: {', '.join(PROVIDERS)})")
        if not isinstance(table, dict):
            raise ConfigError(f"[{provider}] must be a table")
        signature = str(table.get("signature", ""))
        templates = {}
        for key, entry in (table.get("templates") or {}).items():
            if not isinstance(entry, dict) or not entry.get("code"):
                raise ConfigError(f"[{provider}.templates.{key}] needs a code")
            params = entry.get("params") or {}
            if not isinstance(params, dict):
                raise ConfigError(f"[{provider}.templates.{key}] params must be a table")
            templates[key] = Mapping(
                provider=provider,
                key=key,
                code=str(entry["code"]),
                signature=str(entry.get("signature") or signature),
                params={str(k): str(v) for k, v in params.items()},
            )
        try:
            max_length = int(table.get("max_param_length", DEFAULT_MAX_PARAM_LENGTH[provider]))
        except (TypeError, ValueError):
            raise ConfigError(f"[{provider}] max_param_length must be a number") from None
        configs[provider] = ProviderConfig(signature, max_length, templates)
    return configs


def file_config(provider: str) -> ProviderConfig:
    return _load_file(settings.SMS_TEMPLATES_FILE).get(
        provider, ProviderConfig(max_param_length=DEFAULT_MAX_PARAM_LENGTH.get(provider, 0))
    )


def max_param_length(provider: str) -> int:
    return file_config(provider).max_param_length


def mappings(provider: str) -> dict[str, Mapping]:
    """Every mapped kind for ``provider``: the file's entries, replaced by the console's."""
    from .models import TemplateMapping

    config = file_config(provider)
    result = dict(config.templates)
    for row in TemplateMapping.objects.filter(provider=provider):
        result[row.key] = Mapping(
            provider=provider,
            key=row.key,
            code=row.code,
            signature=row.signature or config.signature,
            params=dict(row.params),
            source="console",
        )
    return result


def mapping_for(provider: str, key: str) -> Mapping | None:
    return mappings(provider).get(key)


def problems(provider: str, mapping: Mapping | None, key: str) -> list[str]:
    """What is wrong with one kind's mapping (empty when it can be sent)."""
    if mapping is None:
        return [f"{key}: no template of {provider} is mapped"]
    found = []
    if not mapping.signature and provider in SMS_PROVIDERS:
        found.append(f"{key}: no signature")
    known = set(messages.parameters(key)) | {LINK}
    for provider_param, ours in mapping.params.items():
        if ours not in known:
            found.append(
                f"{key}: parameter {provider_param} names {ours!r}, not one of the message's"
            )
    return found
