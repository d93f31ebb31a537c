"""The generated clients' configuration and safety: base URLs, tokens, per-call options,
injected transports, sharing between threads and tasks, the retry policy itself, and httpx as an
optional dependency."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from loopback import Reply, SlackServer
from runtime_support import INFO_OK, KINDS, TOKEN, AnswerThenClose, call, client_options, repeat, reset
from slack_calls import (  # after runtime_support, which puts generated/ on the path
    AsyncClient,
    AsyncHttpTransport,
    AsyncMockTransport,
    CallResponse,
    Client,
    MockTransport,
    Request,
    Response,
    SlackAuthError,
    SlackRateLimitedError,
    SlackResponseError,
    _wire,
)
from slack_calls.resources.calls import _CALLS_ADD, _CALLS_INFO

from generator import Options, generate

ROOT = Path(__file__).resolve().parent.parent
OK = json.dumps(INFO_OK).encode()



@pytest.fixture
def server(shared_server: SlackServer) -> SlackServer:
    return reset(shared_server)


def answer_ok(request: Request) -> Response:
    return Response(200, {"content-type": "application/json"}, OK)


# --- where the client may connect ------------------------------------------------------------

@pytest.mark.parametrize("url", ["http://slack.example.com/api/", "http://10.0.0.8:8080/", "http://[fe80::1]/"])
def test_plain_http_is_refused_beyond_this_machine(url: str) -> None:
    for client_class in (Client, AsyncClient):
        with pytest.raises(ValueError, match="refusing plain http://.*use https://"):
            client_class(token=TOKEN, base_url=url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/", "http://localhost:9", "http://[::1]:9/api",
                                 "https://slack.example.com/api"])
def test_loopback_and_https_base_urls_are_accepted(url: str) -> None:
    client = Client(token=TOKEN, base_url=url)
    assert client.base_url.startswith(url) and client.base_url.endswith("/")


@pytest.mark.parametrize("url", ["ftp://example.com/", "slack.com/api", "https://"])
def test_a_base_url_that_is_not_http_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        Client(token=TOKEN, base_url=url)


# --- the token -------------------------------------------------------------------------------

def test_the_token_defaults_to_the_slack_token_variable(server: SlackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.default = Reply(body=INFO_OK)
    monkeypatch.setenv("SLACK_TOKEN", "xoxb-from-the-environment")
    with Client(base_url=server.url) as client:
        client.calls.info(id="R1")
    with Client("xoxb-given", base_url=server.url) as client:
        client.calls.info(id="R1")
    monkeypatch.delenv("SLACK_TOKEN")
    with Client(base_url=server.url) as client, pytest.raises(SlackAuthError, match="no token to send.*SLACK_TOKEN"):
        client.calls.info(id="R1")  # Slack would only answer not_authed: nothing is sent

    sent = [request.headers.get("authorization") for request in server.requests]
    assert sent == ["Bearer xoxb-from-the-environment", "Bearer xoxb-given"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_per_call_token_serves_another_workspace(server: SlackServer, kind: str) -> None:
    server.default = Reply(body=INFO_OK)

    call(kind, server, "calls.info", id="R1", token="xoxb-other-workspace")
    call(kind, server, "calls.info", id="R1")

    sent = [request.headers["authorization"] for request in server.requests]
    assert sent == ["Bearer xoxb-other-workspace", f"Bearer {TOKEN}"]
    assert "token" not in server.requests[0].query  # an option, not a Slack argument


def test_the_token_is_not_in_reprs() -> None:
    transport = MockTransport(answer_ok)
    client = Client(TOKEN, transport=transport)
    client.calls.info(id="R1")

    assert TOKEN not in repr(client)
    assert TOKEN not in repr(transport.requests[0]) and "<hidden>" in repr(transport.requests[0])
    assert TOKEN not in repr(client.calls.info(id="R1"))


@pytest.mark.parametrize("bad", ["xoxb-1\r\nX-Injected: yes", "xoxb-1\n", "xoxb-\x00"])
def test_a_token_that_cannot_be_a_header_is_refused_without_echoing_it(bad: str) -> None:
    with pytest.raises(ValueError) as raised:
        Client(bad)
    assert bad not in str(raised.value) and "xoxb-1" not in str(raised.value)

    client = Client(TOKEN, transport=MockTransport(answer_ok))
    with pytest.raises(ValueError) as raised:
        client.calls.info(id="R1", token=bad)
    assert bad not in str(raised.value)


# --- options ---------------------------------------------------------------------------------

@pytest.mark.parametrize("options", [{"timeout": 0}, {"timeout": -1}, {"timeout": float("inf")},
                                     {"max_retries": -1}, {"backoff": -0.1}, {"max_retry_after": float("nan")},
                                     {"deadline": 0}, {"max_retry_time": -1}, {"max_response_size": -1},
                                     {"proxy": "https://proxy.example:3128"}, {"proxy": "socks5://p:1080"}])
def test_nonsense_options_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Client(TOKEN, **options)


@pytest.mark.parametrize("options", [{"max_retries": 1.5}, {"timeout": "30"}, {"max_response_size": 1e6},
                                     {"deadline": True}, {"token": b"xoxb-1"}, {"base_url": None},
                                     {"proxy_from_environment": "yes"}])
def test_options_of_the_wrong_type_are_a_type_error(options: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        Client(**{"token": TOKEN, **options})


def test_per_call_options_are_checked_too() -> None:
    client = Client(TOKEN, transport=MockTransport(answer_ok))
    with pytest.raises(ValueError):
        client.calls.info(id="R1", timeout=0)
    with pytest.raises(ValueError):
        client.calls.info(id="R1", max_retries=-1)


# --- injected transports ---------------------------------------------------------------------

def test_a_mock_transport_sees_the_encoded_request() -> None:
    transport = MockTransport(answer_ok)
    client = Client(TOKEN, transport=transport, timeout=7)

    response = client.calls.add(external_unique_id="e-1", join_url="https://x.example/j?a=1&b=2",
                                users=[{"slack_id": "U1"}, {"external_id": "e", "display_name": "Kim"}],
                                title=None, timeout=3)

    assert isinstance(response, CallResponse) and response.call.id == "R0E69JAIF"
    request = transport.requests[0]
    assert (request.method, request.url, request.timeout) == ("POST", "https://slack.com/api/calls.add", 3)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    from urllib.parse import parse_qs

    form = {key: values[0] for key, values in parse_qs((request.body or b"").decode()).items()}
    assert form == {"external_unique_id": "e-1", "join_url": "https://x.example/j?a=1&b=2",
                    "users": '[{"slack_id":"U1"},{"external_id":"e","display_name":"Kim"}]'}


def test_an_async_mock_transport_takes_plain_and_async_handlers() -> None:
    async def answer_later(request: Request) -> Response:
        await asyncio.sleep(0)
        return answer_ok(request)

    async def run() -> list[str]:
        ids = []
        for handler in (answer_ok, answer_later):
            async with AsyncClient(TOKEN, transport=AsyncMockTransport(handler)) as client:
                ids.append((await client.calls.info(id="R1")).call.id)
        return ids

    assert asyncio.run(run()) == ["R0E69JAIF", "R0E69JAIF"]


def test_an_injected_httpx_client_is_used() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=INFO_OK)

    async def run() -> CallResponse:
        transport = AsyncHttpTransport(httpx.AsyncClient(transport=httpx.MockTransport(handler)))
        async with AsyncClient(TOKEN, transport=transport) as client:
            return await client.calls.info(id="R1")

    assert asyncio.run(run()).call.id == "R0E69JAIF"
    assert str(seen[0].url) == "https://slack.com/api/calls.info?id=R1"
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_without_httpx_the_async_client_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "httpx", None)  # what an environment without httpx looks like

    with pytest.raises(ImportError, match=r"pip install 'slack-calls\[async\]'"):
        AsyncClient(TOKEN)
    assert Client(TOKEN, transport=MockTransport(answer_ok)).calls.info(id="R1").call.id == "R0E69JAIF"


def test_importing_the_package_loads_neither_httpx_nor_the_http_stack() -> None:
    code = ("import sys; import slack_calls; "
            "print(sorted(m for m in ('httpx', 'asyncio', 'http.client', 'ssl', 'logging') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "generated", capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


# --- sharing ---------------------------------------------------------------------------------

def test_one_client_shared_by_threads(server: SlackServer) -> None:
    server.default = Reply(body=INFO_OK)
    results: list[str] = []
    with Client(**client_options(server)) as client:

        def work() -> None:
            for _ in range(20):
                results.append(client.calls.info(id="R1").call.id)

        threads = [threading.Thread(target=work) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert results == ["R0E69JAIF"] * 120
    assert server.connections <= 6  # connections were reused, never more than the threads


def test_one_async_client_shared_by_tasks(server: SlackServer) -> None:
    server.default = Reply(body=INFO_OK)

    async def run() -> list[CallResponse]:
        async with AsyncClient(**client_options(server)) as client:
            return await asyncio.gather(*(client.calls.info(id=f"R{n}") for n in range(30)))

    responses = asyncio.run(run())

    assert [r.call.id for r in responses] == ["R0E69JAIF"] * 30
    assert sorted(r.query["id"][0] for r in server.requests) == sorted(f"R{n}" for n in range(30))


# --- a server closing a kept-alive connection just as a request goes out -----------------------

def test_an_idempotent_call_is_resent_when_the_connection_was_closed_under_it(
        server: SlackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_wire, "_readable", lambda sock: False)  # the close comes too late
    closer = AnswerThenClose(INFO_OK)
    server.default = Reply(action=closer)

    responses = repeat("sync", server, "calls.info", 3, between=closer.wait, id="R1", max_retries=0)

    assert len(responses) == 3 and len(server.requests) == 3 and server.connections == 3


# --- the retry policy, without a network ---------------------------------------------------

def attempts(endpoint: Any = _CALLS_INFO, **options: Any) -> Any:
    client = Client(TOKEN, transport=MockTransport(answer_ok), **options)
    return client._attempts(endpoint, {"id": "R1"}, CallResponse, None, None, None, None)


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    run = attempts(max_retries=4, backoff=1.0, max_backoff=3.0)
    delays = []
    for _ in range(4):
        assert run.answered(Response(500, {}, b"oops")) is None
        delays.append(run.delay)

    with pytest.raises(SlackResponseError):
        run.answered(Response(500, {}, b"oops"))
    for delay, full in zip(delays, [1.0, 2.0, 3.0, 3.0], strict=True):
        assert 0.75 * full <= delay <= full  # up to a quarter less, at random


def test_retry_after_sets_the_wait_exactly() -> None:
    run = attempts(endpoint=_CALLS_ADD, max_retry_after=10)

    assert run.answered(Response(429, {"retry-after": "7"}, b"")) is None
    assert run.delay == 7

    with pytest.raises(SlackRateLimitedError) as raised:
        run.answered(Response(429, {"retry-after": "11"}, b""))
    assert raised.value.retry_after == 11


def test_a_success_after_retries_is_returned() -> None:
    run = attempts()
    assert run.answered(Response(503, {}, b"")) is None
    assert run.answered(Response(200, {}, OK)).call.id == "R0E69JAIF"


# --- generator: per-call option names are reserved ---------------------------------------------

def test_spec_parameters_named_like_per_call_options_are_renamed(tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "spec" / "calls.yaml").read_text())
    parameters = spec["paths"]["/calls.info"]["get"].setdefault("parameters", [])
    for name in ("timeout", "max_retries"):
        parameters.append({"name": name, "in": "query", "required": False, "schema": {"type": "integer"}})
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))

    files = generate(Options(spec=tmp_path / "spec.yaml", out=tmp_path / "out", package="slack_calls"))

    module = files["slack_calls/resources/calls.py"]
    compile(module, "calls.py", "exec")
    assert "timeout_: int | None = None," in module and "max_retries_: int | None = None," in module
    assert '"timeout": timeout_,' in module and '"max_retries": max_retries_,' in module
