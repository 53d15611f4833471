"""``driverhome check --deploy`` on the WeChat account and staff single sign-on: a missing
server token, no WeChat template at all, and staff password login switched off with no
single sign-on to replace it."""

from __future__ import annotations

from driverhome.notifications.checks import channels_configured

WECHAT = {
    "app_id": "wx-1",
    "app_secret": "s",
    "token": "t",
    "api_base": "https://api.weixin.qq.com",
    "oauth_base": "https://open.weixin.qq.com",
    "timeout": 5,
}
OIDC = {
    "discovery_url": "https://idp.example/.well-known/openid-configuration",
    "client_id": "c",
    "client_secret": "s",
    "scope": "openid",
    "username_claim": "preferred_username",
    "timeout": 5,
}


def ids():
    return sorted(message.id for message in channels_configured())


def test_nothing_configured_is_nothing_to_report(settings):
    settings.WECHAT = {**WECHAT, "app_id": "", "app_secret": ""}
    settings.STAFF_PASSWORD_LOGIN = "all"
    assert ids() == []


def test_wechat_without_token_or_templates_is_reported(settings, tmp_path):
    settings.WECHAT = {**WECHAT, "token": ""}
    settings.SMS_TEMPLATES_FILE = ""
    assert ids() == ["driverhome.W021", "driverhome.W022"]
    path = tmp_path / "t.toml"
    path.write_text('[wechat.templates."appeal.received"]\ncode = "T1"\n', encoding="utf-8")
    settings.SMS_TEMPLATES_FILE = str(path)
    settings.WECHAT = WECHAT
    assert ids() == []


def test_staff_passwords_off_without_sso_is_an_error(settings):
    settings.WECHAT = {**WECHAT, "app_id": ""}
    settings.STAFF_PASSWORD_LOGIN = "admins"
    settings.OIDC = {**OIDC, "discovery_url": ""}
    assert ids() == ["driverhome.E023"]
    settings.OIDC = OIDC
    assert ids() == []
