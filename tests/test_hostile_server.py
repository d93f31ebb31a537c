"""The client runtime against a hostile server that controls every byte (tests/raw_server.py).

Each case runs with the blocking and the async client, built from the runtime in place
(`runtime._base`), and is bounded in time (a few seconds at most) and, where the server tries to
exhaust memory, in memory. The numbers in the test names are the items of the issue they hold.
"""

from __future__ import annotations

import asyncio
import faulthandler
import json
import logging
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from raw_server import Conn, RawServer, answer_every_request, response

from runtime._base import AsyncBaseClient, BaseClient, Endpoint
from runtime._errors import (
    SlackAuthError,
    SlackConnectionError,
    SlackError,
    SlackRateLimitedError,
    SlackResponseError,
    SlackTimeoutError,
)
from runtime._models import SlackResponse
from runtime._multipart import Upload
from runtime._transport import AsyncHttpTransport

TOKEN = "xoxb-1234567890-0987654321-hostileSecretTokenValue"
KINDS = ("sync", "async")
FAST = {"backoff": 0.001, "max_backoff": 0.004}
INFO = Endpoint("calls.info", "GET", body="none", idempotent=True)  # x-slack-idempotent in spec/calls.yaml
ADD = Endpoint("calls.add", "POST", json_fields=("users",))
OK = json.dumps({"ok": True, "call": {"id": "R1"}}).encode()


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def call(kind: str, url: str, endpoint: Endpoint = INFO, arguments: dict[str, Any] | None = None,
         per_call: dict[str, Any] | None = None, **options: Any) -> SlackResponse:
    """One call on a new blocking or async client."""
    options = {"token": TOKEN, "base_url": url, **FAST, **options}
    arguments = {"id": "R1"} if arguments is None else arguments
    if kind == "sync":
        with BaseClient(**options) as client:
            return client.request(endpoint, arguments, SlackResponse, **(per_call or {}))

    async def run() -> SlackResponse:
        async with AsyncBaseClient(**options) as client:
            return await client.request(endpoint, arguments, SlackResponse, **(per_call or {}))

    return asyncio.run(run())


def calls(kind: str, url: str, steps: list[tuple[Endpoint, float]], **options: Any) -> list[Any]:
    """Several calls on one client (so it may reuse its connection), each after a pause; a
    call's SlackError is returned in place of its result."""
    options = {"token": TOKEN, "base_url": url, **FAST, **options}
    results: list[Any] = []
    if kind == "sync":
        with BaseClient(**options) as client:
            for endpoint, pause in steps:
                time.sleep(pause)
                try:
                    results.append(client.request(endpoint, {"id": "R1"}, SlackResponse))
                except SlackError as exc:
                    results.append(exc)
        return results

    async def run() -> None:
        async with AsyncBaseClient(**options) as client:
            for endpoint, pause in steps:
                await asyncio.sleep(pause)
                try:
                    results.append(await client.request(endpoint, {"id": "R1"}, SlackResponse))
                except SlackError as exc:
                    results.append(exc)

    asyncio.run(run())
    return results


def serve(play: Callable[[Conn], None]) -> RawServer:
    return RawServer(play)


# A hostile server that makes the client hang must fail the run, not stall it: past this many
# seconds (each test takes at most a few), the process prints every thread's stack and exits.
WATCHDOG = 60


@pytest.fixture(autouse=True)
def watchdog() -> Iterator[None]:
    faulthandler.dump_traceback_later(WATCHDOG, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def timed() -> Iterator[Callable[[], float]]:
    started = time.monotonic()
    yield lambda: time.monotonic() - started


def fragments(text: str, secret: str = TOKEN, size: int = 8) -> list[str]:
    """Every run of `size` characters of `secret` that shows in `text`."""
    return [secret[i : i + size] for i in range(len(secret) - size + 1) if secret[i : i + size] in text]


def after_the_request(then: Callable[[Conn], None]) -> Callable[[Conn], None]:
    def play(conn: Conn) -> None:
        if conn.request() is not None:
            then(conn)

    return play


# --- 1. a deadline for each attempt ------------------------------------------------------------

@pytest.mark.parametrize("where", ["head", "body"])
def test_1_a_server_dribbling_one_byte_at_a_time_meets_the_deadline(kind: str, where: str, timed: Any) -> None:
    answer = response(200, b" " * 2000 + OK)
    split = answer.index(b"\r\n\r\n") + 4 if where == "body" else 0

    def play(conn: Conn) -> None:
        conn.send(answer[:split])
        conn.dribble(answer[split:], every=0.02)  # each read well within the timeout

    with serve(after_the_request(play)) as server, pytest.raises(SlackTimeoutError) as raised:
        call(kind, server.url, timeout=0.5, deadline=0.4, max_retries=0)
    assert 0.35 < timed() < 1.5
    assert "no whole answer within 0.4 s" in str(raised.value)


def test_1_the_deadline_defaults_to_twice_the_timeout_and_is_set_per_call(kind: str, timed: Any) -> None:
    answer = response(200, b" " * 2000 + OK)

    with serve(after_the_request(lambda conn: conn.dribble(answer, every=0.02))) as server:
        with pytest.raises(SlackTimeoutError):
            call(kind, server.url, timeout=0.2, max_retries=0)
        assert 0.35 < timed() < 1.2
        with pytest.raises(SlackTimeoutError):
            call(kind, server.url, timeout=10, max_retries=0, per_call={"deadline": 0.3})
        assert timed() < 2.5


def test_1_retries_each_get_their_own_deadline_and_the_whole_call_is_bounded(kind: str, timed: Any) -> None:
    answer = response(200, b" " * 2000 + OK)

    with serve(after_the_request(lambda conn: conn.dribble(answer, every=0.02))) as server, \
            pytest.raises(SlackTimeoutError):
        call(kind, server.url, deadline=0.2, max_retries=2)  # calls.info: resent after a timeout
    assert len(server.requests) == 3
    assert 0.55 < timed() < 2


def hang(conn: Conn) -> None:
    """Read the request, then answer nothing until the client goes."""
    if conn.request() is not None:
        conn.sock.recv(1)  # returns once the client closes the connection (or the test ends)


def test_1_an_async_deadline_counts_the_wait_for_a_pooled_connection() -> None:
    """Two calls hold both connections of a pool of two against a server that never answers;
    two more wait for a connection: they end at their own deadline, having sent nothing (so any
    method may resend them), though no connection came free. Before, their deadline started only
    once they had a connection, so the wait for the pool was unbounded by it."""
    async def run(url: str) -> tuple[list[BaseException], list[float], int]:
        transport = AsyncHttpTransport(max_connections=2)
        async with AsyncBaseClient(TOKEN, base_url=url, transport=transport, timeout=5,
                                   max_retries=0, max_retry_time=0) as client:
            holders = [asyncio.create_task(client.request(ADD, {"title": "t"}, SlackResponse, deadline=2.0))
                       for _ in range(2)]
            while len(server.requests) < 2:  # both connections are taken
                await asyncio.sleep(0.005)

            async def wait_for_the_pool() -> tuple[BaseException, float]:
                started = time.monotonic()
                try:
                    await client.request(ADD, {"title": "t"}, SlackResponse, deadline=0.2)
                except SlackTimeoutError as exc:
                    return exc, time.monotonic() - started
                raise AssertionError("a call that got no connection succeeded")

            waited = await asyncio.gather(wait_for_the_pool(), wait_for_the_pool())
            sent = len(server.requests)
            for holder in holders:
                holder.cancel()
            await asyncio.gather(*holders, return_exceptions=True)
        return [error for error, _ in waited], [took for _, took in waited], sent

    with serve(hang) as server:
        failures, took, sent = asyncio.run(run(server.url))
    assert sent == 2  # the two that waited for the pool sent nothing
    assert all(0.15 < seconds < 1.0 for seconds in took)  # their deadline, not the holders' 2 s
    assert all("not sent within 0.2 s" in str(failure) for failure in failures)


# --- 2. a cap on the answer's size -------------------------------------------------------------

def endless_chunks(conn: Conn) -> None:
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
    while not conn.server.stopped.is_set() and conn.send(chunk):
        pass


def huge_length(conn: Conn) -> None:
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n")
    block = b" " * 0x10000
    while not conn.server.stopped.is_set() and conn.send(block):
        pass


@pytest.mark.parametrize("play", [endless_chunks, huge_length], ids=["endless-chunked", "1-GB-length"])
def test_2_an_answer_over_the_size_cap_is_a_response_error_in_bounded_memory(
        kind: str, play: Callable[[Conn], None], timed: Any) -> None:
    with serve(after_the_request(play)) as server:
        tracemalloc.start()
        try:
            with pytest.raises(SlackResponseError) as raised:
                call(kind, server.url, max_response_size=2 * 1024 * 1024)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert "larger than max_response_size (2097152 bytes)" in str(raised.value)
    assert raised.value.status_code == 200
    assert peak < 16 * 1024 * 1024
    assert len(server.requests) == 1  # not asked again
    assert timed() < 3


def test_2_the_default_cap_is_64_mib() -> None:
    assert BaseClient(TOKEN).max_response_size == 64 * 1024 * 1024


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """64 MiB of spaces, gzip-compressed to about 64 KiB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b" " * (1024 * 1024)
    return b"".join(packer.compress(block) for _ in range(64)) + packer.flush()


def test_2_a_gzip_bomb_is_not_inflated_past_the_cap(kind: str, gzip_bomb: bytes) -> None:
    answer = response(200, gzip_bomb, "Content-Encoding: gzip")
    with serve(answer_every_request(answer)) as server:
        tracemalloc.start()
        try:
            with pytest.raises(SlackResponseError) as raised:
                call(kind, server.url, max_response_size=1024 * 1024)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    # the async client never inflates more than the cap (and a little); the blocking one never inflates
    assert peak < 24 * 1024 * 1024
    if kind == "async":
        assert "larger than max_response_size" in str(raised.value)
    assert b"gzip" not in server.requests[0].lower().split(b"accept-encoding:")[1].split(b"\r\n")[0]


# --- 3. every failure is a SlackError -----------------------------------------------------------

@pytest.mark.parametrize(("answer", "error"), [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n{}", SlackResponseError),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n", SlackConnectionError),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x10\r\n", SlackConnectionError),
    (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", SlackConnectionError),
    (b"HTTP/1.1 2000 OK\r\n\r\n", SlackConnectionError),
    (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", SlackConnectionError),
    (response(200, b"[" * 100_000 + b"]" * 100_000), SlackResponseError),
    (response(200, b'{"ok": true, "call": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001), SlackResponseError),
], ids=["huge-length", "negative-chunk", "0x-chunk", "negative-length", "bad-status", "not-http", "deep-array",
        "deep-object"])
def test_3_malformed_answers_are_slack_errors(kind: str, answer: bytes, error: type[SlackError]) -> None:
    with serve(after_the_request(lambda conn: conn.send(answer))) as server, pytest.raises(error):
        call(kind, server.url, max_retries=0)


@pytest.mark.parametrize("token", ["xoxb-é", "xoxb-€-1", "xoxb-\u2028"])
def test_3_a_token_that_is_not_ascii_is_refused_when_the_client_is_built(kind: str, token: str) -> None:
    client_class = BaseClient if kind == "sync" else AsyncBaseClient
    with pytest.raises(ValueError, match="Slack token") as raised:
        client_class(token)
    assert token not in str(raised.value)


@pytest.mark.parametrize("url", ["https://slack.com/api/\r\nX-Injected: 1", "https://slack.com/\napi/",
                                 "https://slack.com/ api/", "https://slack.com:port/api/", "https://slāck.com/api/",
                                 "https://user:secret@slack.com/api/"])
def test_3_a_base_url_that_cannot_be_one_is_refused_when_the_client_is_built(kind: str, url: str) -> None:
    client_class = BaseClient if kind == "sync" else AsyncBaseClient
    with pytest.raises(ValueError, match="base_url"):
        client_class(TOKEN, base_url=url)


# --- 4. the token never shows, not even in part ----------------------------------------------------

def test_4_an_echo_cut_by_the_excerpt_leaves_no_part_of_the_token(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    page = b"<html>" + b"x" * 180 + f"Authorization: Bearer {TOKEN}".encode() + b"</html>"
    with serve(answer_every_request(response(502, page, reason="Bad Gateway"))) as server, \
            caplog.at_level(logging.DEBUG), pytest.raises(SlackResponseError) as raised:
        call(kind, server.url, max_retries=1)
    error = raised.value
    assert "HTTP 502" in str(error)
    assert fragments(str(error)) == [] and fragments(repr(error)) == []
    assert [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]  # the retry was logged...
    assert fragments(caplog.text) == []  # ...without the token


def test_4_a_token_in_warnings_is_masked_in_the_log(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    body = json.dumps({"ok": True, "warning": f"echo_{TOKEN}", "response_metadata": {"warnings": [TOKEN[:30]]}})
    with serve(answer_every_request(response(200, body.encode()))) as server, caplog.at_level(logging.WARNING):
        result = call(kind, server.url)
    assert result.warnings  # still there for the caller, who owns the token
    assert "succeeded with warnings" in caplog.text and fragments(caplog.text) == []


def test_4_httpx_and_httpcore_do_not_log_an_echoed_token(caplog: pytest.LogCaptureFixture) -> None:
    answer = (f"HTTP/1.1 502 {TOKEN}\r\nX-Echo: {TOKEN}\r\nContent-Length: 2\r\n\r\n{{}}").encode()
    with serve(answer_every_request(answer)) as server, caplog.at_level(logging.DEBUG), \
            pytest.raises(SlackResponseError):
        call("async", server.url, max_retries=0)
    assert any(record.name.startswith(("httpx", "httpcore")) for record in caplog.records)
    assert fragments(caplog.text) == []


def test_4_a_long_run_of_the_token_in_a_chained_cause_drops_the_chain(kind: str) -> None:
    answer = f"HTTP/1.1 abc {TOKEN[:20]}\r\n\r\n".encode()
    with serve(answer_every_request(answer)) as server, pytest.raises(SlackConnectionError) as raised:
        call(kind, server.url, max_retries=0)
    chain: list[BaseException] = []
    link: BaseException | None = raised.value
    while link is not None:
        chain.append(link)
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)
    assert all(fragments(str(item)) == [] and fragments(repr(item)) == [] for item in chain)


# --- 5. proxies --------------------------------------------------------------------------------------

@pytest.fixture
def proxy() -> Iterator[RawServer]:
    """A proxy that refuses every tunnel, after recording what it was asked."""
    refuse = response(403, b"", reason="Forbidden", )
    with RawServer(answer_every_request(refuse, keep_open=False)) as server:
        yield server


def test_5_proxy_variables_are_ignored_and_never_see_a_token(kind: str, proxy: RawServer,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with serve(answer_every_request(response(200, OK))) as server:
        call(kind, server.url)
        call(kind, server.url, proxy_from_environment=True)  # plain http never goes through a proxy
        call(kind, server.url, proxy=proxy.url)
    assert len(server.requests) == 3 and proxy.connections == 0


def tunnel_asked(proxy: RawServer) -> bytes:
    [asked] = proxy.requests
    return asked


def test_5_an_explicit_proxy_gets_a_connect_for_https_and_never_the_token(kind: str, proxy: RawServer) -> None:
    with pytest.raises(SlackConnectionError):
        call(kind, "https://slack.example.invalid/api/", proxy=proxy.url, max_retries=0)
    asked = tunnel_asked(proxy)
    assert asked.startswith(b"CONNECT slack.example.invalid:443 HTTP/1.1\r\n")
    assert TOKEN.encode() not in asked and b"authorization" not in asked.lower()


def test_5_the_environment_proxy_is_used_only_when_asked(kind: str, proxy: RawServer,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("https_proxy", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(SlackConnectionError):
        call(kind, "https://slack.example.invalid/api/", proxy_from_environment=True, max_retries=0)
    assert tunnel_asked(proxy).startswith(b"CONNECT slack.example.invalid:443 ")


# --- 6. keep-alive hygiene ---------------------------------------------------------------------------

def test_6_a_server_hanging_up_on_fresh_connections_gets_max_retries_plus_one_requests(kind: str) -> None:
    with serve(after_the_request(lambda conn: None)) as server, pytest.raises(SlackConnectionError):
        call(kind, server.url, max_retries=2)
    assert len(server.requests) == 3


def test_6_an_unsolicited_408_after_an_answer_never_sends_calls_add_twice(kind: str) -> None:
    stale = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"

    def play(conn: Conn) -> None:
        if conn.request() is not None:
            conn.send(response(200, OK) + stale)  # the 408 right behind the answer, unasked
        if conn.request() is not None:
            time.sleep(0.05)
            conn.send(response(200, OK))

    with serve(play) as server:
        results = calls(kind, server.url, [(INFO, 0), (ADD, 0.1)])
    adds = [request for request in server.requests if request.startswith(b"POST /calls.add ")]
    assert len(adds) <= 1
    assert isinstance(results[1], (SlackResponse, SlackConnectionError))
    if kind == "sync":  # the leftover is seen before the connection is reused
        assert isinstance(results[1], SlackResponse) and len(adds) == 1


def test_6_an_unsolicited_late_answer_is_never_taken_for_the_next_one(kind: str) -> None:
    first, stale, second = (json.dumps({"ok": True, "n": n}).encode() for n in (1, "stale", 2))

    def play(conn: Conn) -> None:
        if conn.request() is not None:
            conn.send(response(200, first))
            time.sleep(0.05)
            conn.send(response(200, stale))
        if conn.request() is not None:
            conn.send(response(200, second))

    with serve(play) as server:
        results = calls(kind, server.url, [(INFO, 0), (INFO, 0.2)])
    assert [result.raw["n"] for result in results] == [1, 1]  # each from a connection of its own
    assert server.connections == 2


def test_6_interim_1xx_answers_are_skipped(kind: str) -> None:
    interim = b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    with serve(answer_every_request(interim + response(200, OK))) as server:
        assert call(kind, server.url, ADD, {"users": []}).raw["call"] == {"id": "R1"}
    assert len(server.requests) == 1


# --- 7. the connection pool ----------------------------------------------------------------------------

def test_7_concurrent_async_tasks_reuse_connections() -> None:
    with serve(answer_every_request(response(200, OK))) as server:
        async def run() -> None:
            async with AsyncBaseClient(TOKEN, base_url=server.url) as client:
                async def worker() -> None:
                    for _ in range(4):
                        await client.request(INFO, {"id": "R1"}, SlackResponse)

                await asyncio.gather(*(worker() for _ in range(30)))

        asyncio.run(run())
    assert len(server.requests) == 120
    assert server.connections <= 30  # before: the pool kept 10, so about 20 new ones per round


def test_7_concurrent_threads_reuse_connections() -> None:
    with serve(answer_every_request(response(200, OK))) as server, BaseClient(TOKEN, base_url=server.url) as client:
        def worker() -> None:
            for _ in range(10):
                client.request(INFO, {"id": "R1"}, SlackResponse)

        threads = [threading.Thread(target=worker) for _ in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(server.requests) == 320
    assert server.connections <= 32


# --- 8. the retry budget ---------------------------------------------------------------------------------

def test_8_the_waits_of_one_call_are_bounded_in_total(kind: str, timed: Any) -> None:
    limited = response(429, b'{"ok": false, "error": "ratelimited"}', "Retry-After: 0.3", reason="Too Many")
    with serve(answer_every_request(limited)) as server, pytest.raises(SlackRateLimitedError):
        call(kind, server.url, max_retries=10, max_retry_time=0.5)
    assert len(server.requests) == 2  # a second wait of 0.3 s would pass 0.5 s
    assert 0.3 <= timed() < 1.5


def test_8_retry_after_zero_still_waits_the_backoff(kind: str, timed: Any) -> None:
    limited = response(429, b'{"ok": false, "error": "ratelimited"}', "Retry-After: 0", reason="Too Many")
    with serve(answer_every_request(limited)) as server, pytest.raises(SlackRateLimitedError):
        call(kind, server.url, max_retries=3, backoff=0.1, max_backoff=0.1)
    assert len(server.requests) == 4
    assert timed() >= 0.3


def test_8_a_call_ends_within_its_documented_bound_when_every_limit_binds(kind: str, timed: Any) -> None:
    """A server that never finishes an answer (each byte well within `timeout`): every attempt
    ends at its deadline, an idempotent method is tried again after each, and `max_retry_time`
    stops the retries before `max_retries` does. The call ends within
    `(max_retries + 1) * deadline + max_retry_time`, as the README promises."""
    answer = response(200, b" " * 400 + OK)  # 8 s at 0.02 s a byte: only the deadline ends it
    limits = {"timeout": 1, "deadline": 0.15, "max_retries": 5, "max_retry_time": 0.2, "backoff": 0.1,
              "max_backoff": 0.1}
    with serve(after_the_request(lambda conn: conn.dribble(answer, every=0.02))) as server, \
            pytest.raises(SlackTimeoutError, match="no whole answer within 0.15 s"):
        call(kind, server.url, INFO, **limits)
    # two waits of 0.075 to 0.1 s fit in 0.2 s, a third never does: three attempts, not six
    assert len(server.requests) == 3
    assert 3 * 0.15 + 2 * 0.075 <= timed() < (5 + 1) * 0.15 + 0.2


# --- 9. arguments that cannot be what the signature says ------------------------------------------------

def test_9_a_str_for_a_json_field_is_a_type_error_and_nothing_is_sent(kind: str) -> None:
    with serve(answer_every_request(response(200, OK))) as server:
        with pytest.raises(TypeError, match="users is sent as JSON"):
            call(kind, server.url, ADD, {"users": "U123"})
        call(kind, server.url, ADD, {"users": [{"slack_id": "U123"}]})
    assert len(server.requests) == 1 and b"users=%5B%7B%22slack_id" in server.requests[0]


LONE_SURROGATE = "hidden-\ud800-value"
UPLOAD = Endpoint("files.upload", "POST", body="multipart", files=("file",))
EXCHANGE = Endpoint("oauth.v2.access", "POST", token_required=False, auth="basic")


@pytest.mark.parametrize(("endpoint", "arguments", "named"), [
    (ADD, {"title": LONE_SURROGATE}, "title"),  # a POST form
    (INFO, {"id": LONE_SURROGATE}, "id"),  # a query string
    (ADD, {"users": [{"slack_id": "U1"}], "title": "t", "extra": ["a", LONE_SURROGATE]}, "extra"),
    (UPLOAD, {"file": b"x", "title": LONE_SURROGATE}, "title"),  # a multipart text field
    (UPLOAD, {"file": Upload(b"x", filename=LONE_SURROGATE)}, "file"),  # a file's name
    (EXCHANGE, {"client_id": "1", "client_secret": LONE_SURROGATE}, "client_secret"),  # HTTP Basic
])
def test_9_a_lone_surrogate_is_a_value_error_naming_the_argument_and_nothing_is_sent(
        kind: str, endpoint: Endpoint, arguments: dict[str, Any], named: str) -> None:
    with (serve(answer_every_request(response(200, OK))) as server,
          pytest.raises(ValueError, match=f"'{named}' holds a lone surrogate") as raised):
        call(kind, server.url, endpoint, arguments)
    assert server.requests == []
    shown = str(raised.value) + repr(raised.value) + repr(raised.value.__cause__)
    assert "hidden" not in shown and raised.value.__cause__ is None


@pytest.mark.parametrize("url", ["https://slack.com/api/#x", "https://slack.com/api?x=1", "https://slack.com/api/?"])
def test_9_a_base_url_with_a_query_or_fragment_is_refused(kind: str, url: str) -> None:
    client_class = BaseClient if kind == "sync" else AsyncBaseClient
    with pytest.raises(ValueError, match="query or a fragment"):
        client_class(TOKEN, base_url=url)


# --- no token (issue 16, item 14) ------------------------------------------------------------------------

def test_no_token_fails_at_once_except_for_methods_that_take_none(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_TOKEN", raising=False)
    exchange = Endpoint("oauth.v2.access", "POST", token_required=False)
    with serve(answer_every_request(response(200, OK))) as server:
        with pytest.raises(SlackAuthError, match="calls.info: no token to send"):
            call(kind, server.url, token=None)
        assert server.requests == []
        call(kind, server.url, exchange, {"client_id": "1", "client_secret": "2"}, token=None)
        call(kind, server.url, token=None, per_call={"token": TOKEN})
    assert b"authorization" not in server.requests[0].lower()
    assert f"Authorization: Bearer {TOKEN}".encode() in server.requests[1]
