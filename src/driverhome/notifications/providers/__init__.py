"""Real SMS providers, each through its own SDK: what they share.

A provider sends a template code with parameters under a signature. The
parameters are the message's (``messages.render_params``) renamed as the
deployment's mapping says (``sms_templates``) and fitted to the provider's rules:
a value longer than the provider's limit is shortened (the full text stays in the
message history), a value carrying an address is refused (providers accept links
only as fixed text of the approved template; the ``link`` parameter is the path
that follows it).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from .. import sms_templates
from ..backends import BaseBackend, OutgoingSms, PermanentSendError, SendError

CHINA = ZoneInfo("Asia/Shanghai")  # providers write report times in Beijing time
_ADDRESS = re.compile(r"(?i)\b(?:https?://|www\.)")


def fit(value: str, max_length: int) -> str:
    """``value`` within ``max_length`` characters, shortened with an ellipsis."""
    value = " ".join(str(value).split()) or "-"
    if max_length and len(value) > max_length:
        return value[: max(max_length - 1, 1)] + "…"
    return value


def classify(code: str, message: str, *, retry, give_up, retry_prefix: str, give_up_prefixes):
    """The error for a provider's refusal ``code``: retried (flow control, the provider's own
    failures) or given up (the provider's final refusals); an unknown code is retried."""
    text = f"{code}: {message}"
    if code in retry or code.startswith(retry_prefix):
        return SendError(text, code=code)
    if code in give_up or code.startswith(give_up_prefixes):
        return PermanentSendError(text, code=code)
    return SendError(text, code=code)


class TemplateBackend(BaseBackend):
    """A provider that sends mapped templates; subclasses call ``_prepare`` then their SDK."""

    def _prepare(self, message: OutgoingSms) -> tuple[sms_templates.Mapping, dict[str, str]]:
        mapping = sms_templates.mapping_for(self.provider, message.template)
        if mapping is None:
            raise PermanentSendError(
                f"no {self.provider} template is mapped for {message.template}",
                code="no_template",
            )
        limit = sms_templates.max_param_length(self.provider)
        values = {}
        for provider_name, ours in mapping.params.items():
            if ours == sms_templates.LINK:
                values[provider_name] = message.url.lstrip("/")
                continue
            value = message.params.get(ours, "")
            if _ADDRESS.search(value):
                raise PermanentSendError(
                    f"parameter {ours} of {message.template} holds an address", code="link_param"
                )
            values[provider_name] = fit(value, limit)
        return mapping, values


def parse_china_time(value: str) -> datetime | None:
    """A provider's "2026-12-02 18:03:04" (Beijing time), aware; None when unreadable."""
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    except (AttributeError, ValueError):
        return None
