"""Arguments of the wrong type are a TypeError before anything is sent (runtime/_checks.py).

For every method of every spec with a typed argument, each such argument is given a value its
signature cannot take (the other arguments their right values, from `value_for`), with the blocking
and the async client against a loopback server: the call raises a TypeError naming the method, the
argument as the caller typed it, and the types involved, never the value; the server receives
nothing. `api_call` and `extra_args` stay unchecked.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator
from operator import attrgetter
from typing import Any

import pytest
from loopback import SlackServer
from wire_support import SPECS, package, value_for

from generator import model as m

TOKEN = "xoxb-types-1234"
WRONG_TEXT = "wrong-zz9"
# A wrong value for each kind of argument, with the check atoms that accept its type.
CANDIDATES: tuple[tuple[Any, frozenset[str]], ...] = (
    (WRONG_TEXT, frozenset({"str", "json"})),
    (1.5, frozenset({"float"})),
    (True, frozenset({"bool"})),
    ([WRONG_TEXT], frozenset({"list"})),
    ({WRONG_TEXT: 1}, frozenset({"map", "model"})),
)


@pytest.fixture(scope="module")
def server() -> Iterator[SlackServer]:
    with SlackServer() as running:
        yield running


def wrong_value(code: str) -> Any:
    """A value of a type the code does not accept (any list counts as accepted by a list)."""
    atoms = {"list" if atom.startswith("list[") else atom for atom in code.split("|")}
    return next(value for value, accepting in CANDIDATES if not accepting & atoms)


def wrong_calls(key: str) -> list[tuple[m.Method, m.Parameter, dict[str, Any]]]:
    """Every (method, typed argument, arguments with that one wrong) of a spec."""
    _, api = package(key)
    calls = []
    for method in api.methods:
        for parameter in method.parameters:
            if parameter.check is not None:
                arguments = {p.name: value_for(p, api) for p in method.parameters}
                arguments[parameter.name] = wrong_value(parameter.check)
                calls.append((method, parameter, arguments))
    return calls


def assert_refused(error: TypeError, method: m.Method, parameter: m.Parameter, given: Any) -> None:
    message = str(error)
    assert message.startswith(f"{method.slack_name}: {parameter.name} takes "), message
    assert message.endswith(f", not {type(given).__name__}"), message
    assert WRONG_TEXT not in message and "1.5" not in message  # never the value


@pytest.mark.parametrize("key", list(SPECS))
def test_every_typed_argument_refuses_a_wrong_type_before_sending(key: str, server: SlackServer) -> None:
    module, _ = package(key)
    calls = wrong_calls(key)
    assert len({method.slack_name for method, _, _ in calls}) >= {"calls": 6, "slack-2020": 150}.get(key, 250)
    server.requests.clear()
    with module.Client(TOKEN, base_url=server.url, max_retries=0) as client, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for method, parameter, arguments in calls:
            with pytest.raises(TypeError) as raised:
                attrgetter(method.python_path)(client)(**arguments)
            assert_refused(raised.value, method, parameter, arguments[parameter.name])

    async def run_async() -> None:
        async with module.AsyncClient(TOKEN, base_url=server.url, max_retries=0) as client:
            for method, parameter, arguments in calls:
                with pytest.raises(TypeError) as raised:
                    await attrgetter(method.python_path)(client)(**arguments)
                assert_refused(raised.value, method, parameter, arguments[parameter.name])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        asyncio.run(run_async())
    assert server.requests == []


CALLS_ADD = {"external_unique_id": "E1", "join_url": "https://example.com/join"}
EXAMPLES = [
    ({"date_start": "yesterday"}, "calls.add: date_start takes int, not str"),
    ({"title": ["a", "b"]}, "calls.add: title takes str, not list"),
    ({"users": {"slack_id": "U1"}}, "calls.add: users takes a list or tuple, or a JSON str, not dict"),
    ({"date_start": True}, "calls.add: date_start takes int, not bool"),  # a bool is an int
]


@pytest.mark.parametrize(("wrong", "message"), EXAMPLES, ids=[next(iter(w)) + "-" + type(next(iter(w.values()))).__name__
                                                              for w, _ in EXAMPLES])
def test_the_audits_examples_are_refused_with_clear_messages(wrong: dict[str, Any], message: str,
                                                             server: SlackServer) -> None:
    module, _ = package("calls")
    server.requests.clear()
    with module.Client(TOKEN, base_url=server.url, max_retries=0) as client:
        with pytest.raises(TypeError) as raised:
            client.calls.add(**CALLS_ADD, **wrong)
        assert str(raised.value) == message

    async def run_async() -> str:
        async with module.AsyncClient(TOKEN, base_url=server.url, max_retries=0) as client:
            with pytest.raises(TypeError) as raised:
                await client.calls.add(**CALLS_ADD, **wrong)
            return str(raised.value)

    assert asyncio.run(run_async()) == message
    assert server.requests == []


def test_right_types_subclasses_and_enums_are_sent(server: SlackServer) -> None:
    module, _ = package("calls")
    server.requests.clear()
    with module.Client(TOKEN, base_url=server.url, max_retries=0) as client:
        client.calls.add(**CALLS_ADD, date_start=1_700_000_000, title="Standup",
                         users=({"slack_id": "U1"},))  # a tuple is a sequence
        client.calls.add(**CALLS_ADD, users=[module.CallUser(slack_id="U1")])
        client.calls.add(**CALLS_ADD, users='[{"slack_id": "U1"}]')  # encoded already
    assert [request.form.get("date_start") for request in server.requests] == ["1700000000", None, None]


def test_list_items_are_checked_and_named_by_the_python_name(server: SlackServer) -> None:
    if "slack-web" not in SPECS:
        pytest.skip("spec/slack_web.yaml is not generated in this checkout")
    module, _ = package("slack-web")
    server.requests.clear()
    with module.Client(TOKEN, base_url=server.url, max_retries=0) as client:
        with pytest.raises(TypeError) as raised:
            client.admin.conversations.invite(channel_id="C1", user_ids=["U1", 2])
        assert str(raised.value) == ("admin.conversations.invite: user_ids takes str, or a list or tuple "
                                     "of str, not a list holding int")
        with pytest.raises(TypeError) as raised:  # the wire name is `token`, the argument `token_`
            client.oauth.v2.exchange(client_id="1", client_secret="s", token_=5)
        assert str(raised.value) == "oauth.v2.exchange: token_ takes str, not int"
        client.admin.conversations.invite(channel_id="C1", user_ids="U1,U2")  # a str is a Sequence[str]
        client.admin.conversations.invite(channel_id="C1", user_ids=("U1", "U2"))
    assert [request.form["user_ids"] for request in server.requests] == ["U1,U2", "U1,U2"]


def test_api_call_and_extra_args_are_not_checked(server: SlackServer) -> None:
    module, _ = package("calls")
    server.requests.clear()
    with module.Client(TOKEN, base_url=server.url, max_retries=0) as client:
        client.api_call("calls.add", arguments={**CALLS_ADD, "date_start": "yesterday"})
        client.calls.add(**CALLS_ADD, extra_args={"date_end": "tomorrow"})
    assert [request.form.get("date_start") for request in server.requests] == ["yesterday", None]
    assert server.requests[1].form["date_end"] == "tomorrow"
