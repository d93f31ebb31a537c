"""The generated client against a real HTTP server on 127.0.0.1, for all six calls.* methods."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pytest
from loopback import Reply, SlackServer

TOKEN = "xoxb-test-token"
CALL = {
    "id": "R0E69JAIF",
    "date_start": 1562002086,
    "external_unique_id": "025169F6-E37A-4E62-BB54-7F93A0FC4C1F",
    "join_url": "https://example.com/calls/1234567890",
    "desktop_app_join_url": "callapp://join/1234567890",
    "external_display_id": "705-292-868",
    "title": "Kimpossible sync up",
    "users": [
        {"slack_id": "U0MQG83FD"},
        {"external_id": "54321678", "display_name": "Kim Possible",
         "avatar_url": "https://callmebeepme.com/users/avatar1234.jpg"},
    ],
}


@pytest.fixture
def client(slack_calls: ModuleType, server: SlackServer) -> Any:
    with slack_calls.Client(TOKEN, base_url=server.url) as client:
        yield client


def assert_form_post(server: SlackServer, method: str) -> dict[str, str]:
    request = server.requests[-1]
    assert (request.method, request.path) == ("POST", f"/{method}")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "token" not in request.form and not request.query
    return request.form


def test_calls_add_sends_form_with_users_as_json_and_decodes_the_call(
        slack_calls: ModuleType, client: Any, server: SlackServer) -> None:
    server.reply({"ok": True, "call": CALL})
    response = client.calls.add(
        external_unique_id="025169F6", join_url="https://example.com/calls/1", date_start=1562002086,
        title="Sync", users=[slack_calls.CallUser(slack_id="U0MQG83FD"),
                             {"external_id": "54321678", "display_name": "Kim Possible"}])
    form = assert_form_post(server, "calls.add")
    assert form == {"external_unique_id": "025169F6", "join_url": "https://example.com/calls/1",
                    "date_start": "1562002086", "title": "Sync", "users": form["users"]}
    assert json.loads(form["users"]) == [{"slack_id": "U0MQG83FD"},
                                         {"external_id": "54321678", "display_name": "Kim Possible"}]
    assert isinstance(response, slack_calls.CallResponse)
    assert response.call.id == "R0E69JAIF"
    assert response.call.date_start == 1562002086
    assert response.call.users[0].slack_id == "U0MQG83FD"
    assert response.call.users[1] == slack_calls.CallUser(
        external_id="54321678", display_name="Kim Possible", avatar_url="https://callmebeepme.com/users/avatar1234.jpg")
    assert response.raw["call"] == CALL and response.status_code == 200


def test_calls_info_is_a_get_with_id_in_the_query(client: Any, server: SlackServer) -> None:
    server.reply({"ok": True, "call": CALL})
    response = client.calls.info(id="R0E69JAIF")
    request = server.requests[-1]
    assert (request.method, request.path, request.query) == ("GET", "/calls.info", {"id": ["R0E69JAIF"]})
    assert request.body == b"" and "content-type" not in request.headers
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert response.call.title == "Kimpossible sync up"


def test_calls_update_sends_only_the_fields_given(client: Any, server: SlackServer) -> None:
    server.reply({"ok": True, "call": {**CALL, "title": "Renamed"}})
    response = client.calls.update(id="R0E69JAIF", title="Renamed")
    assert assert_form_post(server, "calls.update") == {"id": "R0E69JAIF", "title": "Renamed"}
    assert response.call.title == "Renamed"


def test_calls_end_sends_duration_as_an_integer_field(client: Any, server: SlackServer) -> None:
    response = client.calls.end(id="R0E69JAIF", duration=1800)
    assert assert_form_post(server, "calls.end") == {"id": "R0E69JAIF", "duration": "1800"}
    assert response.ok is True


@pytest.mark.parametrize("method", ["add", "remove"])
def test_calls_participants_methods_send_users_as_json(
        slack_calls: ModuleType, client: Any, server: SlackServer, method: str) -> None:
    users = [slack_calls.CallUser(slack_id="U1"), slack_calls.CallUser(external_id="e2", display_name="Ext")]
    response = getattr(client.calls.participants, method)(id="R0E69JAIF", users=users)
    form = assert_form_post(server, f"calls.participants.{method}")
    assert form["id"] == "R0E69JAIF"
    assert json.loads(form["users"]) == [{"slack_id": "U1"}, {"external_id": "e2", "display_name": "Ext"}]
    assert response.ok is True


@pytest.mark.parametrize(("call", "code"), [
    (lambda c: c.calls.info(id="nope"), "invalid_call_id"),
    (lambda c: c.calls.end(id="R1"), "inactive_call"),
    (lambda c: c.calls.participants.add(id="R1", users=[{"slack_id": "U1"}]), "bad_users"),
    (lambda c: c.calls.add(external_unique_id="x", join_url="https://x"), "invalid_created_by"),
])
def test_ok_false_raises_slack_api_error_with_the_code(
        slack_calls: ModuleType, client: Any, server: SlackServer, call: Any, code: str) -> None:
    server.reply({"ok": False, "error": code, "response_metadata": {"messages": ["[ERROR] details"]}})
    with pytest.raises(slack_calls.SlackApiError) as raised:
        call(client)
    error = raised.value
    assert isinstance(error, slack_calls.SlackError)
    assert error.error == code
    assert error.method == server.requests[-1].path.lstrip("/")
    assert error.response["response_metadata"]["messages"] == ["[ERROR] details"]
    assert TOKEN not in str(error) and TOKEN not in repr(error)


def test_an_error_field_beside_ok_true_is_a_success(client: Any, server: SlackServer) -> None:
    server.reply({"ok": True, "error": "inactive_call"})  # documented this way for calls.end
    assert client.calls.end(id="R1").raw["error"] == "inactive_call"


def test_fields_the_spec_does_not_describe_are_kept(client: Any, server: SlackServer) -> None:
    server.reply({"ok": True, "call": {**CALL, "was_rejected": False}, "warning": "superfluous_charset"})
    response = client.calls.info(id="R0E69JAIF")
    assert response.call.raw["was_rejected"] is False
    assert response.warnings == ("superfluous_charset",)


def test_a_response_of_the_wrong_shape_raises_when_strict_and_a_non_slack_body_always(
        slack_calls: ModuleType, client: Any, server: SlackServer) -> None:
    server.reply({"ok": True, "call": {**CALL, "users": [{"slack_id": 5}]}})
    with pytest.raises(slack_calls.SlackResponseError, match=r"call\.users\[0\]\.slack_id: expected a string"):
        client.calls.info(id="R0E69JAIF", strict=True)
    server.reply(Reply(status=502, body=b"<html>Bad gateway</html>"))
    with pytest.raises(slack_calls.SlackResponseError, match="HTTP 502: the body is not JSON"):
        client.calls.info(id="R0E69JAIF", max_retries=0)  # a 502 of a read is retried otherwise


def test_calls_reuse_one_kept_alive_connection(client: Any, server: SlackServer) -> None:
    for _ in range(5):
        server.reply({"ok": True, "call": CALL})
        client.calls.info(id="R0E69JAIF")
    assert server.connections == 1


def test_plain_http_is_refused_except_to_loopback(slack_calls: ModuleType) -> None:
    with pytest.raises(ValueError, match="refusing plain http"):
        slack_calls.Client(TOKEN, base_url="http://slack.example.com/api/")
    client = slack_calls.Client(TOKEN, base_url="http://localhost:1/")
    assert TOKEN not in repr(client)


def test_a_call_user_needs_a_slack_id_or_an_external_id_and_name(slack_calls: ModuleType) -> None:
    """The spec's `oneOf` alternatives are checked when the model is built in code."""
    for incomplete in ({}, {"external_id": "54321678"}, {"display_name": "Kim", "avatar_url": "https://x.example/a"}):
        with pytest.raises(ValueError, match="CallUser needs one of: slack_id; external_id \\+ display_name"):
            slack_calls.CallUser(**incomplete)
    assert slack_calls.CallUser(slack_id="U0MQG83FD").slack_id == "U0MQG83FD"
    assert slack_calls.CallUser(external_id="54321678", display_name="Kim").display_name == "Kim"


def test_a_call_user_slack_sends_without_either_still_decodes(client: Any, server: SlackServer) -> None:
    """The check is for code that builds models; what Slack answers is never refused for its shape."""
    server.reply({"ok": True, "call": {**CALL, "users": [{"avatar_url": "https://x.example/a"}]}})
    user = client.calls.info(id="R0E69JAIF").call.users[0]
    assert (user.slack_id, user.external_id, user.avatar_url) == (None, None, "https://x.example/a")
