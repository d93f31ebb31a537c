"""Only what the spec marks `x-slack-idempotent: true` is sent again after an ambiguous failure.

A timeout, a 5xx or a connection dropped after the request went out leaves unknown whether Slack
did the work; resending a state-changing method could post twice or reuse a single-use
`trigger_id`. So every method not marked idempotent (all of Slack's 2020 spec, which has no such
extension; five of the six `calls.*`) produces exactly one request, and the caller gets the error.
Marked methods (`calls.info`) are retried.
"""

from __future__ import annotations

import asyncio
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from operator import attrgetter
from typing import Any

import pytest
from loopback import Reply, SlackServer
from wire_support import MISSING, SPECS, method_names, package, raw_spec, value_for

TABLE = [(key, name) for key in SPECS for name in method_names(key)]
FAST = {"backoff": 0.001, "max_backoff": 0.002, "max_retries": 2}


class Hang:
    """Read the request, then answer nothing until released (when the test ends)."""

    def __init__(self) -> None:
        self.released = threading.Event()

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        self.released.wait(5)
        handler.close_connection = True


def drop(handler: BaseHTTPRequestHandler) -> None:
    handler.close_connection = True  # the request arrived; the connection closes without an answer


@pytest.fixture(scope="module")
def server() -> Iterator[SlackServer]:
    with SlackServer() as running:
        yield running


@pytest.fixture
def hang(server: SlackServer) -> Iterator[Hang]:
    action = Hang()
    yield action
    action.released.set()


def faults(hang: Hang) -> dict[str, Callable[[], Reply]]:
    return {
        "timeout": lambda: Reply(action=hang),
        "HTTP 500 internal_error": lambda: Reply(500, {"ok": False, "error": "internal_error"}),
        "HTTP 502 page": lambda: Reply(502, b"<html>Bad gateway</html>", {"Content-Type": "text/html"}),
        "dropped after the request": lambda: Reply(action=drop),
    }


def recorded(server: SlackServer, expected: int) -> int:
    """How many requests the server saw: on a busy machine it may record a request only after
    the client gave up waiting, so wait for the expected count, then a moment for any extra."""
    deadline = time.monotonic() + 3
    while len(server.requests) < expected and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.005)
    return len(server.requests)


def call(key: str, slack_name: str, server: SlackServer, kind: str = "sync") -> None:
    module, api = package(key)
    method = next(method for method in api.methods if method.slack_name == slack_name)
    arguments = {p.name: value_for(p, api) for p in method.parameters}
    # each wait for the server is short (the hang fault), the attempt's deadline is not: a
    # machine that stalls past a short deadline before sending fails an attempt that sent nothing
    options: dict[str, Any] = {"token": "xoxb-fault", "base_url": server.url, "timeout": 0.05,
                               "deadline": 5.0, **FAST}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if kind == "sync":
            with module.Client(**options) as client:
                attrgetter(method.python_path)(client)(**arguments)
            return

        async def run() -> None:
            async with module.AsyncClient(**options) as client:
                await attrgetter(method.python_path)(client)(**arguments)

        asyncio.run(run())


@pytest.mark.parametrize(("key", "slack_name"), TABLE, ids=[f"{key}:{name}" for key, name in TABLE])
def test_after_an_ambiguous_failure_only_idempotent_methods_are_sent_again(
        key: str, slack_name: str, server: SlackServer, hang: Hang) -> None:
    assert slack_name != MISSING, f"{SPECS[key]} is missing"
    module, api = package(key)
    method = next(method for method in api.methods if method.slack_name == slack_name)
    operation = next(iter(raw_spec(key)["paths"][f"/{slack_name}"].values()))
    assert method.idempotent is (operation.get("x-slack-idempotent") is True)  # never decided by the verb
    for fault, reply in faults(hang).items():
        server.requests.clear()
        server.default = reply()
        with pytest.raises(module.SlackError):
            call(key, slack_name, server)
        expected = 1 + FAST["max_retries"] if method.idempotent else 1
        assert recorded(server, expected) == expected, f"{fault}: {len(server.requests)} requests"
    server.default = Reply()


def test_the_2020_spec_marks_nothing_idempotent_so_none_of_its_174_methods_is_resent() -> None:
    paths = raw_spec("slack-2020")["paths"]
    assert len(paths) == 174
    assert not any("x-slack-idempotent" in operation for item in paths.values() for operation in item.values())
    assert not any(method.idempotent for method in package("slack-2020")[1].methods)


@pytest.mark.parametrize("slack_name", ["views.open", "dialog.open", "chat.postMessage", "auth.revoke",
                                        "apps.uninstall", "workflows.stepCompleted"])
@pytest.mark.parametrize("fault", ["timeout", "HTTP 500 internal_error"])
def test_the_async_client_sends_a_state_changing_method_once_too(slack_name: str, fault: str, server: SlackServer,
                                                                  hang: Hang) -> None:
    module, _ = package("slack-2020")
    server.requests.clear()
    server.default = faults(hang)[fault]()
    with pytest.raises(module.SlackError):
        call("slack-2020", slack_name, server, "async")
    assert recorded(server, 1) == 1
    server.default = Reply()
