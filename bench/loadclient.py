"""A lean HTTP/1.1 load client for the loopback benchmarks.

The server and the client share this machine's two cores, so whatever CPU the client
spends per request is taken from the server being measured. httpx costs about 3 ms of
CPU per request (measured on the intake benchmark: a third of the machine at 190 req/s);
this client writes each request as one buffer and reads the status line, the headers and
a ``Content-Length`` or chunked body, in one asyncio loop: tens of microseconds per
request. Every server measured gets the same client.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import time
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit


class ProtocolError(Exception):
    pass


def encode_request(host: str, method: str, path: str, kwargs: dict, base_headers: dict) -> bytes:
    """One request as bytes: ``kwargs`` as httpx takes them (``json=``, ``data=``, ``params=``,
    ``headers=``)."""
    body = b""
    headers = {"Host": host, **base_headers, **(kwargs.get("headers") or {})}
    if kwargs.get("params"):
        path = f"{path}{'&' if '?' in path else '?'}{urlencode(kwargs['params'])}"
    if "json" in kwargs:
        body = jsonlib.dumps(kwargs["json"], ensure_ascii=False).encode()
        headers.setdefault("Content-Type", "application/json")
    elif "data" in kwargs:
        body = urlencode(kwargs["data"]).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    if body or method in ("POST", "PUT", "PATCH"):
        headers["Content-Length"] = str(len(body))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode() + b"\r\n" + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, keep-alive) after reading the whole response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise ProtocolError(f"bad status line {lines[0]!r}")
    status = int(parts[1])
    length = None
    chunked = False
    keep_alive = parts[0] == "HTTP/1.1"
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        value = value.strip()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        elif name == "connection":
            keep_alive = value.lower() != "close"
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length is not None:
        await reader.readexactly(length)
    else:
        await reader.read()  # the body runs to the end of the connection
        keep_alive = False
    return status, keep_alive


def run_load(
    base_url: str,
    make: Callable[[int], tuple],
    *,
    total: int,
    concurrency: int,
    duration: float,
    expected: set[int],
    headers: dict | None = None,
    timeout: float = 30.0,
    per_connection: int = 1,
) -> tuple[list[float], list[str], float]:
    """Send at most ``total`` requests within ``duration`` seconds from ``concurrency``
    clients; returns (latencies in seconds, error descriptions, elapsed seconds).

    Each client sends ``per_connection`` requests on a connection, then opens a new one
    (the last request says ``Connection: close``). One request per connection is how phones
    reach the platform, and it lets the server's workers share the load: kept alive for the
    whole run, the eight connections stayed with whichever worker accepted them, and in
    about one run in three all eight went to one worker while the other idled (both
    products measured at about two thirds of their rate in such runs)."""
    url = urlsplit(base_url)
    host, port = url.hostname, url.port or 80
    host_header = url.netloc
    base_headers = dict(headers or {})
    closing_headers = {**base_headers, "Connection": "close"}
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(total))

    async def client(deadline: float):
        reader = writer = None
        sent = 0  # on the current connection
        while time.perf_counter() < deadline:
            i = next(counter, None)
            if i is None:
                break
            method, path, kwargs = make(i)
            last = sent + 1 >= per_connection
            payload = encode_request(
                host_header, method, path, kwargs, closing_headers if last else base_headers
            )
            start = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(payload)
                status, keep_alive = await asyncio.wait_for(_read_response(reader), timeout)
                ok, detail = status in expected, f"{method} {path} -> {status}"
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ProtocolError) as exc:
                ok, detail, keep_alive = False, f"{method} {path} -> {type(exc).__name__}", False
            latencies.append(time.perf_counter() - start)
            if not ok:
                errors.append(detail)
            sent += 1
            if (last or not keep_alive) and writer is not None:
                writer.close()
                reader = writer = None
                sent = 0
        if writer is not None:
            writer.close()

    async def main():
        deadline = time.perf_counter() + duration
        await asyncio.gather(*(client(deadline) for _ in range(concurrency)))

    start = time.perf_counter()
    asyncio.run(main())
    return latencies, errors, time.perf_counter() - start
