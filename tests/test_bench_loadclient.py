"""The benchmarks' load client: requests as httpx would send them, every response read whole."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.loadclient import encode_request, run_load


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[dict] = []

    def log_message(self, *args):
        pass

    def _answer(self, status: int, body: bytes, *, chunked=False, close=False):
        self.send_response(status)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        if chunked:
            for part in (body[:3], body[3:]):
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(body)
        if close:
            self.close_connection = True

    def do_GET(self):
        Handler.seen.append(
            {
                "method": "GET",
                "path": self.path,
                "headers": dict(self.headers),
                "peer": self.client_address,
            }
        )
        if self.path.startswith("/chunked"):
            self._answer(200, b"hello chunks", chunked=True)
        elif self.path.startswith("/close"):
            self._answer(200, b"bye", close=True)
        else:
            self._answer(404, b"no")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        Handler.seen.append(
            {"method": "POST", "path": self.path, "headers": dict(self.headers), "body": body}
        )
        self._answer(201, b'{"ok": true}')


@pytest.fixture
def server():
    Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_request_is_encoded_as_httpx_would_send_it():
    raw = encode_request(
        "127.0.0.1:8000",
        "POST",
        "/api/v1/appeals",
        {"json": {"description": "停车场"}, "headers": {"Idempotency-Key": "k1"}},
        {"Authorization": "Bearer t"},
    )
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /api/v1/appeals HTTP/1.1"
    assert "Host: 127.0.0.1:8000" in lines and "Authorization: Bearer t" in lines
    assert "Idempotency-Key: k1" in lines and "Content-Type: application/json" in lines
    assert f"Content-Length: {len(body)}" in lines
    assert json.loads(body) == {"description": "停车场"}

    form = encode_request("h", "POST", "/submit/", {"data": {"a": "1 2", "b": "x"}}, {})
    assert form.endswith(b"\r\n\r\na=1+2&b=x")
    get = encode_request("h", "GET", "/api/v1/stations", {"params": {"lat": 29.9}}, {})
    assert get.startswith(b"GET /api/v1/stations?lat=29.9 HTTP/1.1\r\n")


def test_the_load_reads_every_kind_of_response_and_counts_errors(server):
    def make(i):
        kind = i % 3
        if kind == 0:
            return ("POST", "/intake", {"json": {"n": i}, "headers": {"X-N": str(i)}})
        if kind == 1:
            return ("GET", "/chunked", {})
        return ("GET", "/close", {})

    latencies, errors, seconds = run_load(
        server, make, total=30, concurrency=3, duration=20, expected={200, 201}
    )
    assert len(latencies) == 30 and errors == [] and seconds > 0
    posts = [s for s in Handler.seen if s["method"] == "POST"]
    assert len(posts) == 10
    assert sorted(json.loads(p["body"])["n"] for p in posts) == list(range(0, 30, 3))

    latencies, errors, _seconds = run_load(
        server,
        lambda i: ("GET", "/missing", {}),
        total=4,
        concurrency=2,
        duration=20,
        expected={200},
    )
    assert len(latencies) == 4 and errors == ["GET /missing -> 404"] * 4


def test_the_load_stops_at_its_total_and_sends_the_base_headers(server):
    latencies, errors, _seconds = run_load(
        server,
        lambda i: ("POST", "/intake", {"json": {}}),
        total=5,
        concurrency=8,
        duration=20,
        expected={201},
        headers={"Authorization": "Bearer abc"},
    )
    assert len(latencies) == 5 and errors == []
    assert all(s["headers"]["Authorization"] == "Bearer abc" for s in Handler.seen)


def test_each_request_gets_its_own_connection_unless_told_otherwise(server):
    def make(i):
        return ("GET", "/chunked", {})

    latencies, errors, _seconds = run_load(
        server, make, total=12, concurrency=2, duration=20, expected={200}
    )
    assert len(latencies) == 12 and errors == []
    assert len({s["peer"] for s in Handler.seen}) == 12
    assert all(s["headers"]["Connection"] == "close" for s in Handler.seen)

    Handler.seen = []
    latencies, errors, _seconds = run_load(
        server, make, total=12, concurrency=1, duration=20, expected={200}, per_connection=6
    )
    assert len(latencies) == 12 and errors == []
    assert len({s["peer"] for s in Handler.seen}) == 2
    assert sum(s["headers"].get("Connection") == "close" for s in Handler.seen) == 2
