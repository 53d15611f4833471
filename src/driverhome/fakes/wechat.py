"""A local fake of the WeChat service account's documented HTTP API.

``/cgi-bin/token`` (the account's access token, for the app id and secret it was made
with), ``/connect/oauth2/authorize`` (what the WeChat app does: straight back to the
``redirect_uri`` with a code for ``fake.openid``, the user "in WeChat"),
``/sns/oauth2/access_token`` (the code for the openid), ``/cgi-bin/user/info``
(``subscribe`` 1 for the openids in ``followers``), ``/cgi-bin/message/template/send``
(43004 for a user who does not follow, else a ``msgid``; ``script`` queues ``"ok"`` or an
``errcode``). Accepted notices are kept in ``sent``.
"""

from __future__ import annotations

import json
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit

from .sms import FakeProvider


class FakeWeChat(FakeProvider):
    def __init__(
        self, app_id: str = "wx-test-app", app_secret: str = "wechat-test-secret", port: int = 0
    ):
        super().__init__(port=port)
        self.app_id, self.app_secret = app_id, app_secret
        self.openid = "o-test-driver-0001"
        self.followers: set[str] = {self.openid}
        self.codes: dict[str, str] = {}
        self.tokens: set[str] = set()

    def answer(self, handler, body):
        url = urlsplit(handler.path)
        query = dict(parse_qsl(url.query))
        path = url.path
        self.requests.append((path, {k: v for k, v in query.items() if k != "secret"}))
        if path == "/cgi-bin/token":
            if query.get("appid") != self.app_id or query.get("secret") != self.app_secret:
                return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
            token = f"ACCESS-{secrets.token_hex(8)}"
            self.tokens.add(token)
            return 200, {"access_token": token, "expires_in": 7200}
        if path == "/connect/oauth2/authorize":
            code = secrets.token_hex(8)
            self.codes[code] = self.openid
            target = query["redirect_uri"]
            sep = "&" if "?" in target else "?"
            location = f"{target}{sep}{urlencode({'code': code, 'state': query.get('state', '')})}"
            return 302, None, {"Location": location}
        if path == "/sns/oauth2/access_token":
            if query.get("appid") != self.app_id or query.get("secret") != self.app_secret:
                return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
            openid = self.codes.pop(query.get("code", ""), None)
            if openid is None:
                return 200, {"errcode": 40029, "errmsg": "invalid code"}
            return 200, {
                "access_token": f"WEB-{secrets.token_hex(8)}",
                "expires_in": 7200,
                "refresh_token": f"REFRESH-{secrets.token_hex(8)}",
                "openid": openid,
                "scope": "snsapi_base",
            }
        if query.get("access_token") not in self.tokens:
            return 200, {"errcode": 40001, "errmsg": "invalid credential"}
        if path == "/cgi-bin/user/info":
            openid = query.get("openid", "")
            return 200, {"subscribe": int(openid in self.followers), "openid": openid}
        if path == "/cgi-bin/message/template/send":
            data = json.loads(body or b"{}")
            if data.get("touser") not in self.followers:
                return 200, {"errcode": 43004, "errmsg": "require subscribe"}
            answer = self.next_answer()
            if answer == "timeout":
                import time

                time.sleep(self.slow_seconds)
                return 200, {"errcode": 0, "errmsg": "ok", "msgid": 1}
            if answer != "ok":
                return 200, {"errcode": int(answer), "errmsg": "fake error"}
            msgid = 200163800 + len(self.sent)
            self.sent.append({**data, "msgid": msgid})
            return 200, {"errcode": 0, "errmsg": "ok", "msgid": msgid}
        return 404, {"errcode": 40066, "errmsg": "invalid url"}
