"""A loopback Slack that enforces a rate limit, as Slack does, and counts what it refused.

Each (token, method) pair may make at most `limit` calls in any `per` seconds, counted when the
request arrives (a sliding window: the strictest reading of "N per minute"). A call over the
limit gets what Slack sends: HTTP 429, `{"ok": false, "error": "ratelimited"}` and `Retry-After`
in whole seconds. Tests scale Slack's per-minute tiers to a second so they stay quick.

Run it alone, for benchmarks that keep the server out of the clients' processes:
`python tests/rate_limited_slack.py LIMIT PER` prints its URL and serves until killed;
`GET /_stats` answers its counts as JSON.
"""

from __future__ import annotations

import json
import math
import socket
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit

INFO_BODY = {"ok": True, "call": {"id": "R0E69JAIF", "date_start": 1562002086, "external_unique_id": "0251",
                                  "join_url": "https://example.com/calls/1", "users": []}}


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # a hundred clients connect at once
    daemon_threads = True


class RateLimitedSlack:
    """`with RateLimitedSlack(limit=50, per=1.0) as slack:`; `slack.url` is the base URL."""

    def __init__(self, limit: int, per: float, body: dict[str, Any] | None = None, port: int = 0) -> None:
        self.limit = limit
        self.per = per
        self.payload = json.dumps(body or INFO_BODY).encode()
        # per method, the arrival times (time.monotonic) of the calls served, and of those refused
        self.accepted: dict[str, list[float]] = {}
        self.refused: dict[str, list[float]] = {}
        self._windows: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"accepted": {method: list(times) for method, times in self.accepted.items()},
                    "refused": {method: list(times) for method, times in self.refused.items()}}

    def reset(self) -> None:
        with self._lock:
            self.accepted.clear()
            self.refused.clear()
            self._windows.clear()

    def admit(self, token: str, method: str) -> float | None:
        """None if the call is within the limit (and counts it), else the seconds until it would be."""
        now = time.monotonic()
        with self._lock:
            window = self._windows.setdefault((token, method), deque())
            while window and window[0] <= now - self.per:
                window.popleft()
            if len(window) < self.limit:
                window.append(now)
                self.accepted.setdefault(method, []).append(now)
                return None
            self.refused.setdefault(method, []).append(now)
            return window[0] + self.per - now

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        slack = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                path = urlsplit(self.path).path
                if path == "/_stats":
                    self._send(200, json.dumps(slack.stats()).encode(), {})
                    return
                wait = slack.admit(self.headers.get("Authorization", ""), path.strip("/"))
                if wait is None:
                    self._send(200, slack.payload, {})
                else:
                    body = b'{"ok":false,"error":"ratelimited"}'
                    self._send(429, body, {"Retry-After": str(max(1, math.ceil(wait)))})

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                head = f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}\r\n"
                headers = {"Content-Type": "application/json; charset=utf-8", **headers,
                           "Content-Length": str(len(body))}
                head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
                self.wfile.write(head.encode("latin-1") + body)
                self.wfile.flush()

        return Handler


def achieved(accepted: list[float], limit: int, per: float) -> float:
    """The share of the allowed rate a run achieved: calls after the first, over the time from the
    first to the last, against `limit / per`. A run of `k * limit + 1` calls that keeps to the
    limit perfectly takes `k * per` (whole windows, bursts included) and scores 1.0."""
    if len(accepted) < 2:
        return 0.0
    span = max(accepted) - min(accepted)
    return (len(accepted) - 1) / span / (limit / per) if span > 0 else math.inf


def lateness(accepted: list[float], answered: list[float], limit: int, per: float) -> float:
    """How much later than the limiter's rule allowed the latest call arrived, in seconds.

    Each call holds its slot until a window after its answer, so the k-th call (in order of
    arrival, from 0) may go once the (k - limit)-th earliest slot is free again. A limiter that
    keeps to its rule scores about 0 (scheduling delays) however slow the machine; one that
    waits a window too many scores about `per`. (`achieved` measures the share of the allowed
    rate, which a loaded machine lowers on its own: that is the benchmark's figure.)"""
    arrivals = sorted(accepted)
    frees = sorted(moment + per for moment in answered)
    return max((arrivals[k] - frees[k - limit] for k in range(limit, len(arrivals))), default=0.0)


if __name__ == "__main__":
    with RateLimitedSlack(int(sys.argv[1]), float(sys.argv[2])) as running:
        print(running.url, flush=True)
        threading.Event().wait()


class RateLimitedSlackProcess:
    """The same server in a process of its own, so that the clients under test do not share its
    interpreter (and its lock): `with RateLimitedSlackProcess(50, 1.0) as slack:`."""

    def __init__(self, limit: int, per: float) -> None:
        self.limit, self.per = limit, per
        self.url = ""
        self._process: Any = None

    def stats(self) -> dict[str, Any]:
        import urllib.request

        with urllib.request.urlopen(self.url + "_stats", timeout=10) as answer:
            stats: dict[str, Any] = json.loads(answer.read())
            return stats

    def __enter__(self) -> Self:
        import subprocess

        self._process = subprocess.Popen([sys.executable, __file__, str(self.limit), str(self.per)],
                                         stdout=subprocess.PIPE, text=True)
        self.url = self._process.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), "the fake Slack did not start"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._process.kill()
        self._process.wait(5)
        self._process.stdout.close()
