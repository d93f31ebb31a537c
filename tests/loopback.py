"""A real HTTP server on 127.0.0.1 that plays Slack for tests and benchmarks.

It records every request (method, path, query, headers, body) and answers from a script: a queue
of canned replies, falling back to a default. Each reply goes out in one `sendall` with
TCP_NODELAY set, so kept-alive round trips are not stalled by Nagle's algorithm.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float = field(default_factory=time.monotonic)  # when it arrived (time.monotonic)

    @property
    def form(self) -> dict[str, str]:
        """The urlencoded body as {field: value} (each field once)."""
        return {key: values[0] for key, values in parse_qs(self.body.decode(), keep_blank_values=True).items()}


@dataclass
class Reply:
    """What the server sends back; `action` may instead misbehave on the raw socket."""

    status: int = 200
    body: bytes | dict[str, Any] = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)
    close: bool = False  # close the connection after this reply
    action: Callable[[BaseHTTPRequestHandler], None] | None = None


class SlackServer:
    """Start with `with SlackServer() as server:`; `server.url` is the base URL."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.replies: deque[Reply] = deque()
        self.default = Reply()
        self.connections = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # polled often: shutting down waits for the next poll (0.5 s by default) after every test
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def reply(self, *replies: Reply | dict[str, Any]) -> None:
        """Queue replies for the next requests, in order."""
        self.replies.extend(r if isinstance(r, Reply) else Reply(body=r) for r in replies)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                server.connections += 1

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                server.requests.append(Recorded(
                    self.command, url.path, parse_qs(url.query, keep_blank_values=True),
                    {name.lower(): value for name, value in self.headers.items()}, body))
                reply = server.replies.popleft() if server.replies else server.default
                if reply.action is not None:
                    reply.action(self)
                    return
                payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers,
                           "Content-Length": str(len(payload))}
                if reply.close:
                    headers["Connection"] = "close"
                    self.close_connection = True
                head = f"HTTP/1.1 {reply.status} {self.responses.get(reply.status, ('',))[0]}\r\n"
                head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
                self.wfile.write(head.encode("latin-1") + payload)
                self.wfile.flush()

        return Handler
