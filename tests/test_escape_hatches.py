"""What a spec lacks is one line away: `api_call` for a method, `extra_args` for an argument;
responses read like Slack's JSON; deprecated methods warn. Blocking and async clients alike."""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import time
import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from conftest import ROOT
from loopback import Reply, SlackServer
from runtime_support import FAST, KINDS, TOKEN, Hang, add, info, reset
from slack_calls import (
    AsyncClient,
    Client,
    Rate,
    SlackApiError,
    SlackRateLimitedError,
    SlackResponse,
    SlackTimeoutError,
)

from generator import generate
from generator.config import Options
from generator.output import write


@pytest.fixture
def server(shared_server: SlackServer) -> SlackServer:
    return reset(shared_server)


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def api_call(kind: str, server: SlackServer, method: str, client: dict[str, Any] | None = None,
             **options: Any) -> Any:
    settings = {"token": TOKEN, "base_url": server.url, **FAST, **(client or {})}
    if kind == "sync":
        with Client(**settings) as sync_client:
            return sync_client.api_call(method, **options)

    async def run() -> Any:
        async with AsyncClient(**settings) as async_client:
            return await async_client.api_call(method, **options)

    return asyncio.run(run())


def test_api_call_sends_a_method_the_spec_lacks_as_a_form(server: SlackServer, kind: str) -> None:
    server.reply({"ok": True, "channel": "C1", "ts": "1.2", "message": {"text": "hi"}})
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "a & b"}}]

    response = api_call(kind, server, "chat.postMessage",
                        arguments={"channel": "C1", "blocks": blocks, "unfurl_links": False, "users": ["U1", "U2"]})

    request = server.requests[-1]
    assert (request.method, request.path, request.query) == ("POST", "/chat.postMessage", {})
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert json.loads(request.form["blocks"]) == blocks
    assert (request.form["unfurl_links"], request.form["users"]) == ("false", "U1,U2")
    assert isinstance(response, SlackResponse)
    assert response["ts"] == "1.2" and response.get("nope") is None and "message" in response
    assert response.raw["message"] == {"text": "hi"}


def test_api_call_get_keeps_json_and_secrets_out_of_the_url(server: SlackServer, kind: str) -> None:
    api_call(kind, server, "conversations.info", arguments={"channel": "C1", "include_locale": True},
             http_method="GET")
    assert (server.requests[-1].method, server.requests[-1].query) == (
        "GET", {"channel": ["C1"], "include_locale": ["true"]})
    assert server.requests[-1].body == b"" and "content-type" not in server.requests[-1].headers
    for arguments in ({"view": {"type": "modal"}}, {"client_secret": "s3cret", "client_id": "1.2"}):
        api_call(kind, server, "views.open", arguments=arguments, http_method="GET")
        request = server.requests[-1]
        assert (request.method, request.query) == ("POST", {})
        assert "s3cret" not in request.path and "modal" not in request.path


@pytest.mark.parametrize("view", ['{"type": "modal", "title": "a"}', ' [{"type": "divider"}]'])
def test_api_call_get_sends_json_already_encoded_as_a_string_as_a_post_form(server: SlackServer, kind: str,
                                                                           view: str) -> None:
    api_call(kind, server, "views.open", arguments={"trigger_id": "T1", "view": view}, http_method="GET")

    request = server.requests[-1]
    assert (request.method, request.query) == ("POST", {})
    assert "view=" not in request.path and "modal" not in request.path and "divider" not in request.path
    assert request.form == {"trigger_id": "T1", "view": view}
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"


def test_api_call_get_keeps_text_that_is_not_json_in_the_query(server: SlackServer, kind: str) -> None:
    arguments = {"query": "[draft] {x}", "count": "20", "cursor": "dXNlcjpVMEc5V0ZYTlo="}
    api_call(kind, server, "search.messages", arguments=arguments, http_method="GET")

    request = server.requests[-1]
    assert (request.method, request.body) == ("GET", b"")
    assert request.query == {key: [value] for key, value in arguments.items()}


def test_a_post_without_arguments_sends_no_body_and_no_content_type(server: SlackServer, kind: str) -> None:
    api_call(kind, server, "auth.revoke")

    request = server.requests[-1]
    assert (request.method, request.query, request.body) == ("POST", {}, b"")
    assert request.headers["content-length"] == "0" and "content-type" not in request.headers


def test_api_call_sends_a_json_body(server: SlackServer, kind: str) -> None:
    api_call(kind, server, "chat.postMessage", json={"channel": "C1", "blocks": [{"type": "divider"}], "mrkdwn": True})
    request = server.requests[-1]
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert json.loads(request.body) == {"channel": "C1", "blocks": [{"type": "divider"}], "mrkdwn": True}


def test_api_call_resends_after_a_5xx_only_when_told_it_is_idempotent(server: SlackServer, kind: str) -> None:
    server.default = Reply(500, {"ok": False, "error": "internal_error"})
    with pytest.raises(SlackApiError):
        api_call(kind, server, "chat.postMessage", arguments={"channel": "C1"})
    assert len(server.requests) == 1
    server.requests.clear()
    server.reply(Reply(500, b"oops"), {"ok": True, "bots": []})
    assert api_call(kind, server, "bots.list", idempotent=True)["bots"] == []
    assert len(server.requests) == 2


def test_api_call_takes_a_deadline_for_the_call(server: SlackServer, kind: str) -> None:
    hang = Hang()
    server.default = Reply(action=hang)
    started = time.monotonic()
    try:
        with pytest.raises(SlackTimeoutError, match="within 0.2 s"):
            api_call(kind, server, "bots.list", client={"timeout": 5}, deadline=0.2, max_retries=0)
    finally:
        hang.release()
    assert time.monotonic() - started < 1  # the client's deadline would be 10 s


def test_api_call_takes_a_rate_limit_for_the_call(server: SlackServer, kind: str) -> None:
    """The per-call options of a generated method, `rate_limit` among them, on one client."""
    settings = {"token": TOKEN, "base_url": server.url, "max_retry_after": 1, **FAST}

    async def twice() -> None:
        async with AsyncClient(**settings) as client:
            for _ in range(2):
                await client.api_call("bots.list", rate_limit=Rate(1, per=60))

    with pytest.raises(SlackRateLimitedError, match="bots.list not sent"):
        if kind == "sync":
            with Client(**settings) as client:
                for _ in range(2):
                    client.api_call("bots.list", rate_limit=Rate(1, per=60))
        else:
            asyncio.run(twice())
    assert len(server.requests) == 1  # the second waits for no slot a minute away


def test_api_call_errors_are_the_clients_errors(server: SlackServer, kind: str) -> None:
    server.reply({"ok": False, "error": "method_not_supported_for_channel_type"})
    with pytest.raises(SlackApiError) as raised:
        api_call(kind, server, "admin.brand.newThing", arguments={"x": 1})
    assert raised.value.error == "method_not_supported_for_channel_type"


@pytest.mark.parametrize("name", ["", "../auth.test", "chat.postMessage?token=x", "chat..x", "chat/x", "a b"])
def test_api_call_refuses_what_is_not_a_method_name(server: SlackServer, name: str) -> None:
    with pytest.raises(ValueError, match="not a Slack method name"):
        api_call("sync", server, name)
    assert server.requests == []


def test_api_call_refuses_a_json_body_with_form_arguments_or_on_get(server: SlackServer) -> None:
    with pytest.raises(ValueError, match="JSON body"):
        api_call("sync", server, "chat.postMessage", json={"a": 1}, arguments={"b": 2})
    with pytest.raises(ValueError, match="JSON body"):
        api_call("sync", server, "chat.postMessage", json={"a": 1}, http_method="GET")
    assert server.requests == []


def test_extra_args_join_the_declared_ones_encoded_alike(server: SlackServer, kind: str) -> None:
    add(kind, server, extra_args={"new_flag": True, "meta": {"a": [1, 2]}, "ids": ["A", "B"], "n": 3})
    form = server.requests[-1].form
    assert form["external_unique_id"] == "025169F6"
    assert (form["new_flag"], json.loads(form["meta"]), form["ids"], form["n"]) == ("true", {"a": [1, 2]}, "A,B", "3")
    info(kind, server, extra_args={"include_secret_thing": False})
    assert server.requests[-1].query["include_secret_thing"] == ["false"]
    info(kind, server, extra_args={"filter": {"a": 1}})  # a GET method given JSON goes as a POST form
    request = server.requests[-1]
    assert (request.method, request.query, request.form) == ("POST", {}, {"id": "R0E69JAIF", "filter": '{"a":1}'})


def test_extra_args_may_not_repeat_a_given_argument(server: SlackServer, kind: str) -> None:
    with pytest.raises(TypeError, match="'external_unique_id'"):
        add(kind, server, extra_args={"external_unique_id": "other"})
    assert server.requests == []


def test_responses_read_like_slacks_json(server: SlackServer, kind: str) -> None:
    server.reply({"ok": True, "call": {"id": "R1", "date_start": 1, "external_unique_id": "E", "join_url": "u"},
                  "new": {"x": 1}})
    response = info(kind, server)
    assert response["call"]["id"] == response.call.id == "R1"
    assert "new" in response and "missing" not in response and response.get("new") == {"x": 1}
    with pytest.raises(KeyError):
        response["missing"]


@pytest.fixture(scope="module")
def case_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    out = tmp_path_factory.mktemp("wire_case")
    spec = ROOT / "tests" / "cases" / "wire_conventions" / "spec.yaml"
    write(generate(Options(spec=spec, out=out, package="slack_wire_case", root=ROOT)), out)
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("slack_wire_case")
    finally:
        sys.path.remove(str(out))


def test_a_deprecated_method_warns_when_called_and_says_so_in_its_docs(case_package: ModuleType, server: SlackServer,
                                                                       kind: str) -> None:
    client_class = case_package.Client if kind == "sync" else case_package.AsyncClient
    assert "Deprecated by Slack" in (client_class(TOKEN).channels.info.__doc__ or "")
    with pytest.warns(DeprecationWarning, match=r"channels\.info is deprecated by Slack") as record:
        _call_case(case_package, kind, server)
    assert record[0].filename == __file__  # points at the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _call_case(case_package, kind, server, "team.info")  # not deprecated: no warning


def _call_case(package: ModuleType, kind: str, server: SlackServer, method: str = "channels.info") -> None:
    family, name = method.split(".")
    arguments = {"channel": "C1"} if method == "channels.info" else {}
    if kind == "sync":
        with package.Client(TOKEN, base_url=server.url) as client:
            getattr(getattr(client, family), name)(**arguments)
        return

    async def run() -> None:
        async with package.AsyncClient(TOKEN, base_url=server.url) as client:
            await getattr(getattr(client, family), name)(**arguments)

    asyncio.run(run())


def test_the_generated_docs_say_how_each_method_goes_out() -> None:
    api = (ROOT / "generated" / "docs" / "API.md").read_text()
    assert "May be resent after a timeout or 5xx (`x-slack-idempotent`)." in api  # calls.info
    assert "Never resent after a timeout or 5xx: it may have done its work." in api  # calls.add

