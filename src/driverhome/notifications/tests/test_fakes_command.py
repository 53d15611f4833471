"""``driverhome fakes`` maps every kind of message for each fake provider, so that ``make
run`` against the fakes sends every kind as a template (``driverhome check`` finds none
missing)."""

from __future__ import annotations

from driverhome.notifications import messages, sms_templates
from driverhome.notifications.management.commands.fakes import _template_file


def test_the_fakes_template_file_maps_every_kind_for_every_provider(tmp_path):
    path = tmp_path / "fakes-templates.toml"
    _template_file(path)
    configs = sms_templates._load_file(str(path))
    for provider in ("aliyun", "tencent"):
        for key in messages.TEMPLATES:
            mapping = configs[provider].templates.get(key)
            assert sms_templates.problems(provider, mapping, key) == [], (provider, key)
    # WeChat notices for everything but one-time codes (those always go by SMS).
    wechat = configs["wechat"].templates
    assert "appeal.received" in wechat and "auth.code.login" not in wechat
