"""Local fakes of the providers' HTTP APIs, started by the tests on 127.0.0.1.

Each speaks the documented request and answer shapes of the calls the
platform makes (Alibaba ``SendSms`` / ``QuerySendDetails``, RPC style, JSON
answers; Tencent ``SendSms`` / ``PullSmsSendStatusByPhoneNumber``, JSON over
POST with the ``X-TC-Action`` header). ``script`` queues the next answers:
``"ok"``, a provider error code, or ``"timeout"`` (the fake keeps the message,
as a provider would, but answers too late).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from abc import ABC, abstractmethod
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


class FakeProvider(ABC):
    def __init__(self, slow_seconds: float = 1.6, port: int = 0):
        self.script: list[str] = []
        self.sent: list[dict] = []  # messages the provider accepted (and would deliver)
        self.requests: list[tuple[str, dict]] = []
        self.slow_seconds = slow_seconds
        self.lock = threading.Lock()
        #: called with each accepted message (``driverhome fakes`` pushes its report)
        self.on_sent = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                fake._handle(self)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def next_answer(self) -> str:
        with self.lock:
            return self.script.pop(0) if self.script else "ok"

    def _handle(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        before = len(self.sent)
        status, answer, *more = self.answer(handler, body)
        if self.on_sent is not None and len(self.sent) > before:
            self.on_sent(self.sent[-1])
        headers = more[0] if more else {}
        payload = b"" if answer is None else json.dumps(answer, ensure_ascii=False).encode()
        try:
            handler.send_response(status)
            for name, value in headers.items():  # a redirect's Location
                handler.send_header(name, value)
            handler.send_header("Content-Type", "application/json;charset=utf-8")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout case)

    @abstractmethod
    def answer(self, handler, body: bytes) -> tuple[int, dict]:
        """(status, JSON answer[, headers]) for one request, in the provider's shapes."""


class FakeAliyun(FakeProvider):
    """dysmsapi 2017-05-25: parameters in the query string and/or the form body."""

    def answer(self, handler, body):
        params = dict(parse_qsl(urlsplit(handler.path).query))
        params.update(parse_qsl(body.decode()))
        action = params.get("Action") or handler.headers.get("x-acs-action", "")
        self.requests.append((action, params))
        request_id = str(uuid.uuid4())
        if action == "QuerySendDetails":
            found = [m for m in self.sent if m["PhoneNumbers"] == params.get("PhoneNumber")]
            return 200, {
                "Code": "OK",
                "Message": "OK",
                "RequestId": request_id,
                "TotalCount": len(found),
                "SmsSendDetailDTOs": {
                    "SmsSendDetailDTO": [
                        {
                            "PhoneNum": m["PhoneNumbers"],
                            "SendStatus": 3,
                            "ErrCode": "DELIVERED",
                            "TemplateCode": m["TemplateCode"],
                            "Content": "",
                            "SendDate": "2026-12-02 10:00:00",
                            "ReceiveDate": "2026-12-02 10:00:05",
                            "OutId": m.get("OutId", ""),
                        }
                        for m in found
                    ]
                },
            }
        if action != "SendSms":
            return 404, {
                "Code": "InvalidAction.NotFound",
                "Message": action,
                "RequestId": request_id,
            }
        answer = self.next_answer()
        if answer == "timeout":
            self.sent.append({**params, "BizId": f"{len(self.sent) + 1}^0"})
            time.sleep(self.slow_seconds)
            return 200, {"Code": "OK", "Message": "OK", "RequestId": request_id}
        if answer == "Throttling.User":  # API flow control answers with HTTP 400
            return 400, {
                "Code": answer,
                "Message": "Request was denied due to user flow control.",
                "RequestId": request_id,
            }
        if answer != "ok":
            return 200, {"Code": answer, "Message": f"fake {answer}", "RequestId": request_id}
        biz_id = f"{900000 + len(self.sent)}^0"
        self.sent.append({**params, "BizId": biz_id})
        return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id}


class FakeTencent(FakeProvider):
    """SMS API 2021-01-11: JSON body, action in the X-TC-Action header."""

    def answer(self, handler, body):
        action = handler.headers.get("X-TC-Action", "")
        params = json.loads(body or b"{}")
        self.requests.append((action, params))
        request_id = str(uuid.uuid4())
        if action == "PullSmsSendStatusByPhoneNumber":
            found = [m for m in self.sent if m["PhoneNumberSet"][0] == params.get("PhoneNumber")]
            return 200, {
                "Response": {
                    "PullSmsSendStatusSet": [
                        {
                            "UserReceiveTime": 1764669605,
                            "CountryCode": "86",
                            "SubscriberNumber": m["PhoneNumberSet"][0][3:],
                            "PhoneNumber": m["PhoneNumberSet"][0],
                            "SerialNo": m["SerialNo"],
                            "ReportStatus": "SUCCESS",
                            "Description": "DELIVRD",
                            "SessionContext": m.get("SessionContext", ""),
                        }
                        for m in found
                    ],
                    "RequestId": request_id,
                }
            }
        if action != "SendSms":
            return 200, {
                "Response": {
                    "Error": {"Code": "InvalidAction", "Message": action},
                    "RequestId": request_id,
                }
            }
        answer = self.next_answer()
        phone = params["PhoneNumberSet"][0]
        if answer == "RequestLimitExceeded":
            return 200, {
                "Response": {
                    "Error": {"Code": answer, "Message": "too many requests"},
                    "RequestId": request_id,
                }
            }
        serial = f"2645:{len(self.sent) + 1:08d}"
        if answer == "timeout":
            self.sent.append({**params, "SerialNo": serial})
            time.sleep(self.slow_seconds)
        elif answer == "ok":
            self.sent.append({**params, "SerialNo": serial})
        status = {
            "SerialNo": serial if answer in ("ok", "timeout") else "",
            "PhoneNumber": phone,
            "Fee": 1 if answer in ("ok", "timeout") else 0,
            "SessionContext": params.get("SessionContext", ""),
            "Code": "Ok" if answer in ("ok", "timeout") else answer,
            "Message": "send success" if answer in ("ok", "timeout") else f"fake {answer}",
            "IsoCode": "CN",
        }
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": request_id}}
