"""``driverhome fakes``: local fakes of the outside services for ``make run``.

Serves on 127.0.0.1 the fakes the tests use (Alibaba Cloud SMS, Tencent Cloud SMS, the
WeChat service account, an OpenID Connect provider), writes the settings that point the
platform at them to an env file (``var/fakes.env``) and a template mapping of every kind
of message to ``var/fakes-templates.toml``, and prints every message a fake accepts
(one-time codes included: that is how a developer reads them). Each accepted SMS or
notice gets its delivery report pushed to the platform's callback a second later, as the
real service would. Run ``DRIVERHOME_ENV_FILE=var/fakes.env make run`` in another terminal.
For development only: the secrets it writes are fixed test values.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand

from ... import messages

CHINA = ZoneInfo("Asia/Shanghai")
REPORT_TOKEN = "fake-report-token"
WECHAT_TOKEN = "fake-wechat-token"


def _post(url: str, body: bytes, content_type: str) -> None:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": content_type}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our own site
            response.read()
    except OSError as exc:
        print(f"  report not delivered to {url}: {exc}")


def _later(action) -> None:
    threading.Timer(1.0, action).start()


def _template_file(path: Path) -> None:
    lines = ['[aliyun]\nsignature = "司机之家"\n', '[tencent]\nsignature = "司机之家"\n']
    for key in sorted(messages.TEMPLATES):
        names = messages.parameters(key)
        table = ", ".join(f"{n} = {json.dumps(n)}" for n in names)
        numbered = ", ".join(f'"{i}" = {json.dumps(n)}' for i, n in enumerate(names, 1))
        code = key.replace(".", "_").upper()
        lines.append(f'[aliyun.templates."{key}"]\ncode = "SMS_{code}"\nparams = {{ {table} }}\n')
        lines.append(f'[tencent.templates."{key}"]\ncode = "{code}"\nparams = {{ {numbered} }}\n')
        if not key.startswith("auth.code."):
            lines.append(
                f'[wechat.templates."{key}"]\ncode = "TPL_{code}"\nparams = {{ {table} }}\n'
            )
    path.write_text("\n".join(lines), encoding="utf-8")


class Command(BaseCommand):
    help = "Serve local fakes of the SMS providers, WeChat and an OpenID provider for make run."

    def add_arguments(self, parser):
        parser.add_argument("--provider", choices=("aliyun", "tencent"), default="aliyun")
        parser.add_argument("--site", default=settings.SITE_URL, help="the platform's address")
        parser.add_argument("--port", type=int, default=8100, help="first of four ports")
        parser.add_argument(
            "--staff", default="supervisor", help="username the OpenID fake logs in"
        )

    def handle(self, *args, provider, site, port, staff, **options):
        from driverhome.fakes.oidc import FakeOidc
        from driverhome.fakes.sms import FakeAliyun, FakeTencent
        from driverhome.fakes.wechat import FakeWeChat

        site = site.rstrip("/")
        aliyun, tencent = FakeAliyun(port=port), FakeTencent(port=port + 1)
        wechat, oidc = FakeWeChat(port=port + 2), FakeOidc(port=port + 3)
        oidc.claims = {"sub": f"fake-{staff}", "preferred_username": staff}
        # A menu opened "in WeChat" is this user's, and he follows the account.
        aliyun.on_sent = lambda m: self._aliyun(site, m)
        tencent.on_sent = lambda m: self._tencent(site, m)
        wechat.on_sent = lambda m: self._wechat(site, m)
        for fake in (aliyun, tencent, wechat, oidc):
            fake.start()

        var = Path(settings.DATA_DIR)
        var.mkdir(parents=True, exist_ok=True)
        templates = var / "fakes-templates.toml"
        _template_file(templates)
        env = {
            "DRIVERHOME_SITE_URL": site,  # WeChat and the OpenID provider send people back here
            "DRIVERHOME_SMS_BACKEND": provider,
            "DRIVERHOME_SMS_TEMPLATES": str(templates),
            "DRIVERHOME_SMS_REPORT_TOKEN": REPORT_TOKEN,
            "DRIVERHOME_ALIYUN_SMS_ACCESS_KEY_ID": "LTAI-fake",
            "DRIVERHOME_ALIYUN_SMS_ACCESS_KEY_SECRET": "fake-secret",
            "DRIVERHOME_ALIYUN_SMS_ENDPOINT": aliyun.endpoint,
            "DRIVERHOME_TENCENT_SMS_SECRET_ID": "AKID-fake",
            "DRIVERHOME_TENCENT_SMS_SECRET_KEY": "fake-secret",
            "DRIVERHOME_TENCENT_SMS_SDK_APP_ID": "1400000001",
            "DRIVERHOME_TENCENT_SMS_ENDPOINT": tencent.endpoint,
            "DRIVERHOME_WECHAT_APP_ID": wechat.app_id,
            "DRIVERHOME_WECHAT_APP_SECRET": wechat.app_secret,
            "DRIVERHOME_WECHAT_TOKEN": WECHAT_TOKEN,
            "DRIVERHOME_WECHAT_API_BASE": wechat.endpoint,
            "DRIVERHOME_WECHAT_OAUTH_BASE": wechat.endpoint,
            "DRIVERHOME_OIDC_DISCOVERY_URL": oidc.discovery_url,
            "DRIVERHOME_OIDC_CLIENT_ID": oidc.client_id,
            "DRIVERHOME_OIDC_CLIENT_SECRET": oidc.client_secret,
        }
        env_file = var / "fakes.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()), encoding="utf-8")
        self.stdout.write(
            f"Fakes on 127.0.0.1:{port}-{port + 3}; SMS through {provider}.\n"
            f"In another terminal: DRIVERHOME_ENV_FILE={env_file} make run\n"
            f"WeChat: open {site}/accounts/wechat/ (you are WeChat user {wechat.openid});\n"
            f"single sign-on logs in {staff!r}. Ctrl-C stops the fakes.\n"
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            for fake in (aliyun, tencent, wechat, oidc):
                fake.stop()

    def _show(self, provider: str, to: str, template: str, params) -> None:
        self.stdout.write(f"[{provider}] to {to} {template}: {params}")

    def _aliyun(self, site: str, message: dict) -> None:
        self._show(
            "aliyun",
            message.get("PhoneNumbers"),
            message.get("TemplateCode"),
            message.get("TemplateParam"),
        )
        now = datetime.now(CHINA).strftime("%Y-%m-%d %H:%M:%S")
        report = [
            {
                "phone_number": message.get("PhoneNumbers"),
                "send_time": now,
                "report_time": now,
                "success": True,
                "err_code": "DELIVERED",
                "err_msg": "用户接收成功",
                "sms_size": "1",
                "biz_id": message["BizId"],
                "out_id": message.get("OutId", ""),
            }
        ]
        url = f"{site}/hooks/sms/aliyun/{REPORT_TOKEN}/"
        _later(lambda: _post(url, json.dumps(report).encode(), "application/json"))

    def _tencent(self, site: str, message: dict) -> None:
        phone = (message.get("PhoneNumberSet") or [""])[0]
        self._show("tencent", phone, message.get("TemplateId"), message.get("TemplateParamSet"))
        report = [
            {
                "user_receive_time": datetime.now(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
                "nationcode": "86",
                "mobile": phone[3:],
                "report_status": "SUCCESS",
                "errmsg": "DELIVRD",
                "description": "用户短信送达成功",
                "sid": message["SerialNo"],
                "ext": message.get("SessionContext", ""),
            }
        ]
        url = f"{site}/hooks/sms/tencent/{REPORT_TOKEN}/"
        _later(lambda: _post(url, json.dumps(report).encode(), "application/json"))

    def _wechat(self, site: str, message: dict) -> None:
        self._show("wechat", message.get("touser"), message.get("template_id"), message["data"])
        timestamp, nonce = str(int(time.time())), secrets.token_hex(4)
        signature = hashlib.sha1(  # noqa: S324 - WeChat's documented signature
            "".join(sorted([WECHAT_TOKEN, timestamp, nonce])).encode()
        ).hexdigest()
        body = (
            f"<xml><ToUserName>gh_fake</ToUserName><FromUserName>{message['touser']}"
            f"</FromUserName><CreateTime>{timestamp}</CreateTime><MsgType>event</MsgType>"
            f"<Event>TEMPLATESENDJOBFINISH</Event><MsgID>{message['msgid']}</MsgID>"
            "<Status>success</Status></xml>"
        ).encode()
        url = f"{site}/hooks/wechat/?signature={signature}&timestamp={timestamp}&nonce={nonce}"
        _later(lambda: _post(url, body, "text/xml"))
