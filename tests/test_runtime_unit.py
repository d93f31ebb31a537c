"""The client runtime tested in place, as the `runtime` package, before any generation: what
every generated package is built on (the packages get verbatim copies, see test_templates.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
import zlib
from collections.abc import Iterator

import pytest
from loopback import SlackServer

from runtime import _package
from runtime._base import AsyncBaseClient, BaseClient, Endpoint
from runtime._errors import SlackApiError, SlackError, SlackTimeoutError
from runtime._models import SlackResponse
from runtime._scrub import SECRETS, guard_transport_loggers, scrub, scrub_all
from runtime._transport import HttpTransport, MockTransport, Request, Response
from runtime._wire import DeadlineExceeded, NotSent, ResponseTooLarge, Wire

TOKEN = "xoxb-runtime-unit-token"
INFO = Endpoint("calls.info", "GET", body="none", idempotent=True)  # x-slack-idempotent in spec/calls.yaml


def answering(body: object, status: int = 200) -> MockTransport:
    payload = json.dumps(body).encode()
    return MockTransport(lambda request: Response(status, {"content-type": "application/json"}, payload))


def test_a_call_sends_the_token_and_arguments_and_decodes_the_answer() -> None:
    transport = answering({"ok": True, "call": {"id": "R1"}})
    with BaseClient(TOKEN, transport=transport) as client:
        result = client.request(INFO, {"id": "R1", "unused": None}, SlackResponse)
    assert result.raw == {"ok": True, "call": {"id": "R1"}} and result.status_code == 200
    [sent] = transport.requests
    assert isinstance(sent, Request)
    assert sent.url == _package.DEFAULT_BASE_URL + "calls.info?id=R1"
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["User-Agent"] == _package.USER_AGENT


def test_an_error_answer_is_a_slack_error_that_never_shows_the_token() -> None:
    client = BaseClient(TOKEN, transport=answering({"ok": False, "error": f"invalid_auth {TOKEN}"}))
    with pytest.raises(SlackApiError) as raised:
        client.request(INFO, {"id": "R1"}, SlackResponse)
    assert isinstance(raised.value, SlackError) and raised.value.method == "calls.info"
    assert TOKEN not in str(raised.value)


# --- _wire: reading answers off a socket pair, byte for byte ---------------------------------------

def wire_reading(data: bytes, *, close: bool = True, timeout: float = 1.0) -> Wire:
    """A `Wire` whose server side has written `data` (and closed, unless `close` is False)."""
    client, server = socket.socketpair()
    server.sendall(data)
    if close:
        server.close()
    else:
        SERVERS.append(server)
    return Wire(client, timeout)


SERVERS: list[socket.socket] = []


@pytest.fixture(autouse=True)
def close_servers() -> Iterator[None]:
    yield
    while SERVERS:
        SERVERS.pop().close()


def test_a_chunked_answer_with_extensions_and_trailers_is_read_whole() -> None:
    wire = wire_reading(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        b"4;name=value\r\n{\"ok\r\n6\r\n\": tru\r\n1\r\ne\r\n1\r\n}\r\n0\r\nX-Trailer: 1\r\n\r\n",
                        close=False)
    status, headers, body = wire.response("GET", 1000)
    assert (status, body, headers["transfer-encoding"]) == (200, b'{"ok": true}', "chunked")
    assert wire.reusable


def test_interim_answers_are_skipped_and_101_is_refused() -> None:
    wire = wire_reading(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    assert wire.response("POST", 10)[::2] == (200, b"{}")
    with pytest.raises(ConnectionError, match="switched protocols"):
        wire_reading(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n").response("GET", 10)


@pytest.mark.parametrize(("answer", "reusable"), [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", True),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", False),
    (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}", False),
    (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}", True),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 408 Request Timeout\r\n\r\n", False),
    (b"HTTP/1.1 200 OK\r\n\r\n{}", False),  # no length: the body runs to the close
], ids=["keep-alive", "close", "http-1.0", "http-1.0-keep-alive", "leftover", "until-close"])
def test_whether_a_connection_may_carry_another_request(answer: bytes, reusable: bool) -> None:
    wire = wire_reading(answer, close=answer.endswith(b"\r\n\r\n{}") and b"Content-Length" not in answer)
    assert wire.response("GET", 100)[2] == b"{}"
    assert wire.reusable is reusable


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nContent-Length: 0x2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\n Folded: header\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nNo colon\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}",  # closed before the length
    b"HTTP/1.1 200 OK\r\n" + b"X-Long: " + b"a" * 70_000 + b"\r\n\r\n",
], ids=["two-lengths", "hex-length", "folded", "no-colon", "gzip-framing", "chunk-without-crlf", "short",
        "long-head"])
def test_malformed_framing_is_a_connection_error(answer: bytes) -> None:
    with pytest.raises(ConnectionError):
        wire_reading(answer).response("GET", 100_000)


def test_the_size_cap_is_checked_before_reading_and_while_inflating() -> None:
    with pytest.raises(ResponseTooLarge) as raised:
        wire_reading(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n").response("GET", 1000)
    assert (raised.value.limit, raised.value.status_code) == (1000, 200)
    bomb = zlib.compress(b" " * 100_000)
    answer = b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: %d\r\n\r\n" % len(bomb) + bomb
    with pytest.raises(ResponseTooLarge):
        wire_reading(answer).response("GET", 50_000)
    assert wire_reading(answer).response("GET", 100_000)[2] == b" " * 100_000


def test_the_deadline_bounds_the_exchange_not_just_each_read() -> None:
    wire = wire_reading(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{", close=False, timeout=5)
    wire.deadline = time.monotonic() + 0.2
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        wire.response("GET", 100)
    assert time.monotonic() - started < 1
    wire = wire_reading(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{", close=False, timeout=0.1)
    with pytest.raises(TimeoutError) as raised:
        wire.response("GET", 100)
    assert not isinstance(raised.value, DeadlineExceeded)  # the read timed out, not the exchange


def test_an_exchange_whose_deadline_passed_before_sending_sends_nothing() -> None:
    client, server = socket.socketpair()
    SERVERS.append(server)
    wire = Wire(client, 1.0)
    wire.deadline = time.monotonic() - 0.001  # the process stalled between connecting and sending
    with pytest.raises(NotSent):
        wire.exchange(b"POST /calls.add HTTP/1.1\r\n\r\n", "POST", 100)
    server.setblocking(False)
    with pytest.raises(BlockingIOError):
        server.recv(1)


class StallOnce(HttpTransport):
    """The real transport, whose first request stalls (as a busy machine may) past its deadline
    after taking a kept-alive connection and before sending."""

    def __init__(self) -> None:
        super().__init__()
        self.stalls = 1

    def _encode(self, request: Request) -> tuple[object, bytes]:  # type: ignore[override]
        if self.stalls:
            self.stalls -= 1
            time.sleep(request.deadline + 0.01)
        return super()._encode(request)  # type: ignore[return-value]


def test_an_attempt_stalled_before_sending_is_sent_again_even_when_not_idempotent() -> None:
    add = Endpoint("calls.add", "POST")  # not idempotent: never resent once it may have gone out
    with SlackServer() as server:
        server.reply({"ok": True}, {"ok": True, "call": {"id": "R2"}})
        transport = HttpTransport()
        with BaseClient(TOKEN, base_url=server.url, transport=transport, timeout=0.05) as client:
            client.request(add, {"external_unique_id": "warm"}, SlackResponse)  # a kept-alive connection
            stalling = StallOnce()
            stalling._idle = transport._idle
            client._transport = stalling
            result = client.request(add, {"external_unique_id": "once"}, SlackResponse)
    assert result.raw["call"] == {"id": "R2"}
    assert [request.form["external_unique_id"] for request in server.requests] == ["warm", "once"]


@pytest.fixture
def silent_tls_server() -> Iterator[tuple[str, list[socket.socket]]]:
    """An HTTPS base URL whose server accepts connections and never answers the TLS handshake."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"https://127.0.0.1:{listener.getsockname()[1]}/", accepted
    listener.close()
    for connection in accepted:
        connection.close()


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_handshake_that_never_ends_is_retried_because_nothing_was_sent(
        kind: str, silent_tls_server: tuple[str, list[socket.socket]]) -> None:
    url, accepted = silent_tls_server
    add = Endpoint("calls.add", "POST")  # not idempotent: only an unsent request may go again
    options = {"base_url": url, "timeout": 1.0, "deadline": 0.1, "backoff": 0.001, "max_backoff": 0.002}

    async def call_async() -> None:
        async with AsyncBaseClient(TOKEN, **options) as client:
            await client.request(add, {"external_unique_id": "x"}, SlackResponse)

    with pytest.raises(SlackTimeoutError):
        if kind == "sync":
            with BaseClient(TOKEN, **options) as client:
                client.request(add, {"external_unique_id": "x"}, SlackResponse)
        else:
            asyncio.run(call_async())
    assert len(accepted) == 3  # the first attempt and both retries (max_retries=2)


def test_an_idle_connection_with_anything_to_read_is_not_reused() -> None:
    client, server = socket.socketpair()
    SERVERS.append(server)
    wire = Wire(client, 1.0)
    assert wire.idle()
    server.sendall(b"HTTP/1.1 200 OK\r\n")  # unasked
    assert not wire.idle()


# --- _scrub ---------------------------------------------------------------------------------------

def test_scrub_masks_the_token_and_any_run_of_eight_of_its_characters() -> None:
    secret = "xoxb-1111-2222-abcdefghijklmnop"
    text = f"a {secret} b {secret[:12]} c {secret[-9:]} d {secret[3:10]}"
    masked = scrub(text, secret)
    assert masked == f"a <token> b <token> c <token> d {secret[3:10]}"  # 7 characters say nothing
    assert scrub("nothing here", secret) == "nothing here" and scrub(text, None) == text
    assert scrub("xoxb-1 and xoxb-1", "xoxb-1") == "<token> and <token>"  # short: whole only


def test_secrets_that_share_characters_are_all_masked_whatever_their_order() -> None:
    first, second = "app-secret-0123456789", "code-0123456789abcdef"
    text = f"echo {first} and {second}"
    for secrets in ((first, second), (second, first)):
        masked = scrub_all(text, secrets)
        assert masked == "echo <token> and <token>"
        assert not any(secret[i : i + 8] in masked for secret in secrets for i in range(len(secret) - 7))


def test_the_secret_filter_masks_records_of_loggers_it_guards(caplog: pytest.LogCaptureFixture) -> None:
    secret = "xoxb-filter-test-secret-value"
    SECRETS.add(secret)
    guard_transport_loggers()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("httpcore.http11").debug("headers %s", [(b"X-Echo", secret[:20].encode())])
    assert caplog.records and secret[:12] not in caplog.text and "<token>" in caplog.text
