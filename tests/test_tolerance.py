"""A successful call (`ok: true`) never raises because of the response's shape, unless strict.

By default a field whose value does not match the spec (wrong type, a required field missing or
null) is None, its value stays in `.raw`, the response lists it in `.mismatches`, and the package
logs it once per method and field path at WARNING. `strict=True` (client or call) raises
`SlackResponseError` instead. Each scenario runs with the blocking and the async client.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import pytest
from loopback import SlackServer
from runtime_support import CALL, KINDS, TOKEN, info, reset
from slack_calls import Mismatch, SlackResponseError, _attempts, _scrub
from slack_calls import _decode as decode
from wire_support import package


@pytest.fixture
def server(shared_server: SlackServer) -> SlackServer:
    _attempts._LOGGED_MISMATCHES.clear()  # each test sees its first warning of a path
    return reset(shared_server)


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def answer(server: SlackServer, **call: Any) -> dict[str, Any]:
    body = {"ok": True, "call": {**CALL, **call}}
    server.reply(body)
    return body


def without(key: str) -> dict[str, Any]:
    return {k: v for k, v in CALL.items() if k != key}


def mismatch_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "does not match" in
            r.getMessage()]


def test_a_value_of_the_wrong_type_is_none_listed_and_logged(server: SlackServer, kind: str,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    body = answer(server, users=[{"slack_id": 5}], date_start="yesterday")

    with caplog.at_level(logging.WARNING, logger="slack_calls"):
        response = info(kind, server)

    assert response.call.users[0].slack_id is None and response.call.date_start is None
    assert response.call.id == CALL["id"]  # the rest decodes as usual
    assert response.raw == body and response["call"]["date_start"] == "yesterday"
    assert set(response.mismatches) == {Mismatch("call.users[0].slack_id", "a string", "5"),
                                        Mismatch("call.date_start", "an integer", "'yesterday'")}
    logged = mismatch_logs(caplog)
    assert len(logged) == 2 and any("call.users[0].slack_id: expected a string, got 5" in m for m in logged)
    assert all(m.startswith("calls.info succeeded") for m in logged) and TOKEN not in caplog.text


def test_a_missing_required_field_is_said_to_be_missing_not_null(server: SlackServer, kind: str,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    server.reply({"ok": True, "call": without("id")})

    with caplog.at_level(logging.WARNING, logger="slack_calls"):
        response = info(kind, server)

    assert response.call.id is None and response.call.join_url == CALL["join_url"]
    (mismatch,) = response.mismatches
    assert (mismatch.path, mismatch.got) == ("call.id", "<missing>")
    assert str(mismatch) == "call.id: expected a value (the field is required), but the field is missing"
    assert "None" not in mismatch_logs(caplog)[0]


def test_null_in_a_required_field_is_a_mismatch_and_in_an_optional_one_is_not(server: SlackServer,
                                                                              kind: str) -> None:
    answer(server, id=None, title=None)

    response = info(kind, server)

    assert response.call.id is None and response.call.title is None
    assert response.mismatches == (Mismatch("call.id", "a string", "None"),)


def test_extra_fields_are_no_mismatch_and_stay_readable(server: SlackServer, kind: str) -> None:
    server.reply({"ok": True, "call": {**CALL, "brand_new": {"x": 1}}, "added_later": [1, 2]})

    response = info(kind, server)

    assert response.mismatches == ()
    assert response["added_later"] == [1, 2] and response.call.raw["brand_new"] == {"x": 1}


def test_an_object_of_the_wrong_shape_is_none_and_the_call_still_succeeds(server: SlackServer, kind: str) -> None:
    server.reply({"ok": True, "call": "R0E69JAIF"})

    response = info(kind, server)

    assert response.call is None and response["call"] == "R0E69JAIF"
    assert response.mismatches == (Mismatch("call", "an object", "'R0E69JAIF'"),)


def test_each_method_and_path_is_logged_once_whatever_the_list_position(server: SlackServer, kind: str,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="slack_calls"):
        for _ in range(3):
            answer(server, users=[{"slack_id": 1}, {"slack_id": 2}])
            response = info(kind, server)
            assert len(response.mismatches) == 2  # each response lists all of its own

    assert len(mismatch_logs(caplog)) == 1


@pytest.mark.parametrize("where", ["client", "call"])
def test_strict_raises_response_error_naming_the_field(server: SlackServer, kind: str, where: str) -> None:
    for broken in ({**CALL, "users": [{"slack_id": 5}]}, without("id")):
        server.reply({"ok": True, "call": broken})
        with pytest.raises(SlackResponseError) as raised:
            if where == "client":
                info(kind, server, client={"strict": True})
            else:
                info(kind, server, strict=True)
        assert "call.users[0].slack_id: expected a string, got 5" in str(raised.value) or \
            "call.id: expected a value (the field is required), but the field is missing" in str(raised.value)
    assert len(server.requests) == 2  # a response error of a success is not retried


def test_a_call_may_relax_a_strict_client(server: SlackServer, kind: str) -> None:
    answer(server, users=[{"slack_id": 5}])

    response = info(kind, server, client={"strict": True}, strict=False)

    assert response.call.users[0].slack_id is None and len(response.mismatches) == 1


def test_unions_choose_their_option_strictly_even_when_decoding_tolerantly() -> None:
    from runtime import _decode as decode
    from runtime._models import Model

    @dataclass(frozen=True, kw_only=True)
    class Named(Model):
        name: str

        @classmethod
        def _decode_fields(cls, data: Any, path: str) -> dict[str, Any]:
            return {"name": decode.required(data, "name", decode.string, path)}

    union = decode.one_of(Named.decode, decode.list_of(decode.string))

    def read(value: Any) -> Any:
        return decode.required({"field": value}, "field", union, "")

    # a tolerated `name` would make any object a Named: the list option must still win for lists,
    # and an object without `name` fits no option, so the field itself is the mismatch
    assert decode.tolerant(lambda: read(["a", "b"])) == (["a", "b"], ())
    assert decode.tolerant(lambda: read({"name": "n"}))[0] == Named(name="n")
    value, mismatches = decode.tolerant(lambda: read({"other": 1}))
    assert value is None and [m.path for m in mismatches] == ["field"]
    with pytest.raises(decode.DecodeError):  # outside `tolerant`, decoding raises as it always did
        read({"other": 1})


def web_call(kind: str, server: SlackServer, method: str, /, client: dict[str, Any] | None = None,
             **arguments: Any) -> Any:
    """`client.<method>(**arguments)` on the whole current Slack API (spec/slack_web.yaml), whose
    models have map-typed fields and recursive blocks, which spec/calls.yaml does not."""
    web, _ = package("slack-web")  # generated once per session, shared with test_wire
    web._attempts._LOGGED_MISMATCHES.clear()  # each call logs its first mismatch of a path
    options = {"token": TOKEN, "base_url": server.url, **(client or {})}
    if kind == "sync":
        with web.Client(**options) as sync_client:
            return attrgetter(method)(sync_client)(**arguments)

    async def run() -> Any:
        async with web.AsyncClient(**options) as async_client:
            return await attrgetter(method)(async_client)(**arguments)

    return asyncio.run(run())


def test_a_token_echoed_as_the_key_of_a_map_is_masked_in_the_mismatch_and_the_log(
        server: SlackServer, kind: str, caplog: pytest.LogCaptureFixture) -> None:
    # `icons` maps names to strings or booleans: a key is part of the mismatch's path
    server.reply({"ok": True, "app_requests": [{"id": "R1", "app": {"icons": {TOKEN: 5, "image_32": "u"}}}]})

    with caplog.at_level(logging.WARNING, logger="slack_wire_slack_web"):
        response = web_call(kind, server, "admin.apps.requests.list")

    assert response.app_requests[0].id == "R1" and response.app_requests[0].app.icons is None
    (mismatch,) = response.mismatches
    assert mismatch.path == "app_requests[0].app.icons.<token>" and mismatch.got == "5"
    (logged,) = mismatch_logs(caplog)
    assert "app_requests[0].app.icons.<token>" in logged
    for shown in (repr(response.mismatches), str(mismatch), caplog.text):
        assert not _scrub.leaks(shown, TOKEN)


def nested_blocks(depth: int) -> dict[str, Any]:
    """A block whose elements nest `depth` levels deep: JSON parses it, decoding must not crash."""
    block: dict[str, Any] = {"type": "section"}
    for _ in range(depth):
        block = {"type": "section", "elements": [block]}
    return block


def test_an_answer_nested_past_the_recursion_limit_is_a_mismatch_not_a_crash(server: SlackServer,
                                                                              kind: str) -> None:
    body = {"ok": True, "channel": "C1", "ts": "1.2", "message": {"ts": "1.2", "blocks": [nested_blocks(250)]}}
    server.reply(body)

    response = web_call(kind, server, "chat.post_message", channel="C1", text="hi")

    assert response.channel == "C1" and response.message.ts == "1.2" and response.raw == body
    (mismatch,) = response.mismatches
    assert mismatch.expected == decode.TOO_DEEP and mismatch.got == "[...]"
    assert mismatch.path.startswith("message.blocks[0].elements[0].elements[0]")
    below = response.message.blocks[0]
    for _ in range(mismatch.path.count(".elements") - 1):  # decoded down to the mismatch
        below = below.elements[0]
    assert below.type == "section" and below.elements is None


def test_strict_makes_an_answer_nested_past_the_recursion_limit_a_response_error(server: SlackServer,
                                                                                 kind: str) -> None:
    server.reply({"ok": True, "channel": "C1", "ts": "1.2", "message": {"blocks": [nested_blocks(250)]}})

    with pytest.raises(package("slack-web")[0].SlackResponseError, match="nested less deeply"):
        web_call(kind, server, "chat.post_message", client={"strict": True}, channel="C1", text="hi")
