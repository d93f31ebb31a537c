"""Helpers for the runtime tests: run one call with the blocking or the async client, and server
behaviours that `Reply` cannot express (hanging, resetting, closing without notice).

The generated package under test is the committed golden copy in generated/, which this module
puts on the import path: import it before `slack_calls`.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from operator import attrgetter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "generated"))

from loopback import Reply, SlackServer
from slack_calls import AsyncClient, Client

TOKEN = "xoxb-1234-secret-token"
KINDS = ("sync", "async")
# Retries in tests wait a few milliseconds, not seconds.
FAST = {"backoff": 0.001, "max_backoff": 0.004}
CALL = {
    "id": "R0E69JAIF",
    "date_start": 1562002086,
    "external_unique_id": "025169F6-E37A-4E62-BB54-7F93A0FC4C1F",
    "join_url": "https://example.com/calls/1234567890",
    "users": [{"slack_id": "U0MQG83FD"}],
}
INFO_OK = {"ok": True, "call": CALL}


def reset(server: SlackServer) -> SlackServer:
    """A server shared between tests, as if new: no queued replies, no requests, default `ok`."""
    server.replies.clear()
    server.requests.clear()
    server.default = Reply()
    server.connections = 0
    return server


class Nowhere:
    """The URL of a port on 127.0.0.1 where nothing listens."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.url = f"http://127.0.0.1:{probe.getsockname()[1]}/"


def client_options(server: SlackServer | Nowhere, **options: Any) -> dict[str, Any]:
    return {"token": TOKEN, "base_url": server.url, **FAST, **options}


def call(kind: str, server: SlackServer | Nowhere, method: str, /, client: dict[str, Any] | None = None,
         **arguments: Any) -> Any:
    """`client.<method>(**arguments)` on a new blocking or async client pointed at `server`."""
    options = client_options(server, **(client or {}))
    if kind == "sync":
        with Client(**options) as sync_client:
            return attrgetter(method)(sync_client)(**arguments)

    async def run() -> Any:
        async with AsyncClient(**options) as async_client:
            return await attrgetter(method)(async_client)(**arguments)

    return asyncio.run(run())


def repeat(kind: str, server: SlackServer, method: str, times: int, /, client: dict[str, Any] | None = None,
           between: Callable[[], None] = lambda: None, **arguments: Any) -> list[Any]:
    """`client.<method>(**arguments)` `times` times on one client, which keeps its connection;
    `between` runs after each call."""
    options = client_options(server, **(client or {}))
    results = []
    if kind == "sync":
        with Client(**options) as sync_client:
            for _ in range(times):
                results.append(attrgetter(method)(sync_client)(**arguments))
                between()
        return results

    async def run() -> list[Any]:
        async with AsyncClient(**options) as async_client:
            for _ in range(times):
                results.append(await attrgetter(method)(async_client)(**arguments))
                between()
        return results

    return asyncio.run(run())


def info(kind: str, server: SlackServer, client: dict[str, Any] | None = None, **arguments: Any) -> Any:
    return call(kind, server, "calls.info", client=client, id="R0E69JAIF", **arguments)


def add(kind: str, server: SlackServer | Nowhere, client: dict[str, Any] | None = None, **arguments: Any) -> Any:
    return call(kind, server, "calls.add", client=client, external_unique_id="025169F6",
                join_url="https://example.com/calls/1", **arguments)


def send_raw(handler: BaseHTTPRequestHandler, status: int, body: bytes,
             headers: dict[str, str] | None = None) -> None:
    """Write one whole HTTP response, the way the loopback server does."""
    all_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {}),
                   "Content-Length": str(len(body))}
    head = f"HTTP/1.1 {status} Status\r\n" + "".join(f"{k}: {v}\r\n" for k, v in all_headers.items())
    handler.wfile.write(head.encode("latin-1") + b"\r\n" + body)
    handler.wfile.flush()


class Hang:
    """A server action that never answers, until `release()` (call it when the test ends)."""

    def __init__(self) -> None:
        self._released = threading.Event()

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        self._released.wait(10)
        handler.close_connection = True

    def release(self) -> None:
        self._released.set()


def reset_midway(handler: BaseHTTPRequestHandler) -> None:
    """Start a response, then reset the connection (RST) before the body is complete."""
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        b"Content-Length: 200\r\n\r\n{\"ok\": true, \"ca")
    handler.wfile.flush()
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True


class AnswerThenClose:
    """Answer normally (no `Connection: close`), then close the kept-alive connection; `closed`
    is set once the close is on its way to the client.

    With `half=True` the server only stops writing (it sends FIN) and goes on reading, so a
    request the client sends on that connection reaches it, is recorded, and is never answered.
    """

    def __init__(self, body: dict[str, Any], *, half: bool = False) -> None:
        self.body = body
        self.half = half
        self.closed = threading.Event()

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        send_raw(handler, 200, json.dumps(self.body).encode())
        handler.connection.shutdown(socket.SHUT_WR if self.half else socket.SHUT_RDWR)
        handler.close_connection = not self.half
        self.closed.set()

    def wait(self) -> None:
        """Until the server has closed the connection of the last answer."""
        assert self.closed.wait(5)
        self.closed.clear()


def drop(handler: BaseHTTPRequestHandler) -> None:
    """Read the request, then close the connection without a word, as a crashing server would."""
    handler.close_connection = True


def echo_authorization(handler: BaseHTTPRequestHandler) -> None:
    """A careless proxy's error page that shows the request's headers, token included."""
    page = (f"<html><body><h1>502 Bad Gateway</h1><pre>Authorization: "
            f"{handler.headers.get('Authorization')}</pre></body></html>").encode()
    send_raw(handler, 502, page, {"Content-Type": "text/html"})


def echo_authorization_in_status_line(handler: BaseHTTPRequestHandler) -> None:
    """A broken server whose status line repeats the Authorization header."""
    handler.wfile.write(f"HTTP/1.1 abc {handler.headers.get('Authorization')}\r\n\r\n".encode())
    handler.wfile.flush()
    handler.close_connection = True
