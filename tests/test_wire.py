"""Slack's wire conventions, checked for every method of every spec against a loopback server.

Each method is called with a value for every argument, chosen by the argument's type, and the
request the server receives must follow the table below:

| argument or part        | on the wire                                                         |
| ----------------------- | ------------------------------------------------------------------- |
| verb and path           | POST, or GET only for a method with no JSON and no secret; `/<name>` |
| body                    | a urlencoded form (`Content-Type` says so); none and no type on GET |
|                         | and for a method without arguments                                  |
| string                  | as given, percent-encoded                                           |
| integer, number         | decimal text                                                        |
| boolean                 | `true` / `false`                                                    |
| list of scalars         | comma-joined                                                        |
| list of objects, object | one JSON string (also for a string the spec documents as JSON)      |
| token                   | only in `Authorization: Bearer`; never in the URL or the body       |
|                         | (an OAuth exchange sends none: its `token` is the one it exchanges) |
| OAuth client secret     | only in `Authorization: Basic` (OAuth exchanges), else in the body  |
| URL                     | never holds JSON or a secret                                        |
"""

from __future__ import annotations

import base64
import json
import logging
import warnings
from collections.abc import Iterator
from operator import attrgetter
from typing import Any
from urllib.parse import quote

import pytest
from loopback import Recorded, Reply, SlackServer
from wire_support import MISSING, SECRET, SPECS, method_names, package, raw_spec, value_for

from generator import model as m

TOKEN = "xoxb-wire-1234-secret"
SECRET_NAMES = {"client_secret", "code", "code_verifier", "refresh_token"}
TABLE = [(key, name) for key in SPECS for name in method_names(key)]


@pytest.fixture(scope="module")
def server() -> Iterator[SlackServer]:
    with SlackServer() as running:
        yield running


def expected_text(value: Any, parameter: m.Parameter) -> str:
    """The table's encoding of one argument in a form or query string."""
    if parameter.json_encoded:
        return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(expected_text(item, parameter) for item in value)
    return str(value)


def send(key: str, slack_name: str, server: SlackServer) -> tuple[m.Method, dict[str, Any], Recorded]:
    module, api = package(key)
    method = next(method for method in api.methods if method.slack_name == slack_name)
    arguments = {p.name: value_for(p, api) for p in method.parameters}
    server.requests.clear()
    with module.Client(TOKEN, base_url=server.url, max_retries=0) as client, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        response = attrgetter(method.python_path)(client)(**arguments)
    assert response["ok"] is True  # a bare `ok` answers every method: tolerated, never raised
    assert len(server.requests) == 1
    return method, arguments, server.requests[0]


@pytest.mark.parametrize(("key", "slack_name"), TABLE, ids=[f"{key}:{name}" for key, name in TABLE])
def test_every_method_follows_slacks_wire_conventions(key: str, slack_name: str, server: SlackServer) -> None:
    assert slack_name != MISSING, f"{SPECS[key]} is missing"
    method, arguments, request = send(key, slack_name, server)
    spec_verbs = set(raw_spec(key)["paths"][f"/{slack_name}"])

    # verb, path, body and its type
    assert request.path == f"/{slack_name}"
    assert request.method in {verb.upper() for verb in spec_verbs} | {"POST"}
    if request.method == "GET" or method.body_encoding == "none":  # no body: no Content-Type
        assert request.body == b"" and "content-type" not in request.headers
        sent = {name: values[0] for name, values in request.query.items()}
    elif not request.body and method.body_encoding == "form":  # nothing to send (see `expected`)
        assert (request.query, request.headers["content-length"]) == ({}, "0")
        assert "content-type" not in request.headers
        sent = {}
    else:
        assert request.query == {}
        content_type = request.headers["content-type"]
        if method.body_encoding == "json":
            assert content_type.startswith("application/json")
            sent = json.loads(request.body)
        else:
            assert content_type == "application/x-www-form-urlencoded"
            sent = request.form

    # credentials: the token only as Bearer; an OAuth exchange's client secret only as Basic
    url = request.path + "?" + "&".join(f"{k}={v}" for k, vs in request.query.items() for v in vs)
    assert TOKEN not in url and TOKEN.encode() not in request.body
    assert "token" not in sent or method.basic_auth  # an exchange's `token` is the token it exchanges
    if method.basic_auth:
        client_id = arguments["client_id"]
        # RFC 6749 2.3.1: each part form-urlencoded, then "id:secret" in base64
        assert request.headers["authorization"] == "Basic " + base64.b64encode(
            f"{quote(client_id, safe='')}:{SECRET}".encode()).decode()
        assert "client_id" not in sent and "client_secret" not in sent
    else:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"

    # no JSON and no secret in the URL
    assert SECRET not in url
    assert not any(value.startswith(("{", "[")) for values in request.query.values() for value in values)
    assert not SECRET_NAMES & set(request.query)

    # every argument, encoded as the table says
    expected = {p.wire_name: expected_text(arguments[p.name], p) for p in method.parameters
                if not (method.basic_auth and p.wire_name in ("client_id", "client_secret"))}
    if method.body_encoding == "json":
        expected = {p.wire_name: arguments[p.name] for p in method.parameters}
    assert sent == expected


def test_the_table_covers_every_method_of_every_spec() -> None:
    counts = {key: len([name for spec, name in TABLE if spec == key and name != MISSING]) for key in SPECS}
    assert counts["calls"] == 6 and counts["slack-2020"] == 174
    for key in SPECS:
        assert counts[key] == len(package(key)[1].methods)


def test_the_2020_spec_gets_post_forms_for_gets_holding_json_or_secrets(server: SlackServer) -> None:
    """The state-changing GETs of Slack's 2020 spec that carry JSON or a secret, by name."""
    for name in ("views.open", "views.publish", "views.push", "views.update", "dialog.open",
                 "workflows.updateStep", "workflows.stepCompleted", "workflows.stepFailed", "apps.uninstall",
                 "oauth.access", "oauth.v2.access", "oauth.token"):
        assert "get" in raw_spec("slack-2020")["paths"][f"/{name}"]
        method, _, request = send("slack-2020", name, server)
        assert request.method == "POST" and method.post_reason, name


# Every method that authenticates with the app's client_id/client_secret (HTTP Basic) instead of
# a token, per spec, and the form fields each sends when called with every argument.
ACCESS = ["code", "redirect_uri", "single_channel"]
V2_ACCESS = ["assertion", "code", "code_verifier", "grant_type", "redirect_uri", "refresh_token"]
BASIC_AUTH = {
    "calls": {},
    "slack-2020": {"oauth.access": ACCESS, "oauth.token": ACCESS, "oauth.v2.access": ["code", "redirect_uri"]},
    "slack-web": {"oauth.access": ACCESS, "oauth.v2.access": V2_ACCESS, "oauth.v2.exchange": ["token"],
                  "oauth.v2.user.access": V2_ACCESS,
                  "openid.connect.token": ["code", "code_verifier", "grant_type", "redirect_uri", "refresh_token"]},
}


@pytest.mark.parametrize("key", sorted(BASIC_AUTH))
def test_oauth_exchanges_send_the_app_credentials_as_basic_and_no_token(key: str, server: SlackServer) -> None:
    module, api = package(key)
    exchanges = {method.slack_name: method for method in api.methods if method.basic_auth}
    assert sorted(exchanges) == sorted(BASIC_AUTH[key])
    basic = "Basic " + base64.b64encode(b"123.456:sh%26h").decode()  # RFC 6749 2.3.1: urlencoded, then base64
    with module.Client(TOKEN, base_url=server.url, max_retries=0) as client:
        for name, fields in BASIC_AUTH[key].items():
            method = exchanges[name]
            arguments = {p.name: value_for(p, api) for p in method.parameters}
            arguments.update(client_id="123.456", client_secret="sh&h")
            server.requests.clear()
            attrgetter(method.python_path)(client)(**arguments)
            (request,) = server.requests
            assert (request.method, request.headers["authorization"]) == ("POST", basic), name
            assert sorted(request.form) == fields and request.query == {}, name
            assert TOKEN.encode() not in request.body, name


def test_oauth_v2_exchange_sends_the_legacy_token_it_exchanges_as_a_form_field(server: SlackServer) -> None:
    """Slack's reference: client_id, client_secret and the legacy `token`, all required."""
    module, api = package("slack-web")
    (method,) = [method for method in api.methods if method.slack_name == "oauth.v2.exchange"]
    assert {p.wire_name: (p.name, p.required, p.secret) for p in method.parameters} == {
        "client_id": ("client_id", True, False), "client_secret": ("client_secret", True, True),
        "token": ("token_", True, True)}  # `token=` stays the per-call credential
    server.requests.clear()
    with module.Client(base_url=server.url, max_retries=0) as client:  # migrating: no token of its own
        client.oauth.v2.exchange(client_id="123.456", client_secret="shh", token_="xoxp-legacy-42")
    (request,) = server.requests
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"123.456:shh").decode()
    assert request.form == {"token": "xoxp-legacy-42"} and request.path == "/oauth.v2.exchange"


def test_an_exchanges_credentials_echoed_by_a_server_never_show(server: SlackServer,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    """Masked like the token: the client secret, the code and the token being exchanged, in
    errors and log records, whole or cut, even where two of them share characters."""
    module, _ = package("slack-web")
    secret, code, legacy = "app-secret-0123456789", "code-0123456789abcdef", "xoxp-legacy-0123456789"
    server.reply(Reply(500, {"ok": False, "error": f"invalid_client {secret} {code}"}),
                 Reply(200, {"ok": False, "error": f"invalid_client {secret[:12]} {legacy[:12]}"}))
    with caplog.at_level(logging.DEBUG), module.Client(base_url=server.url, max_retries=1, backoff=0.001) as client:
        with pytest.raises(module.SlackError) as failed:
            client.oauth.v2.access(client_id="123.456", client_secret=secret, code=code)
        with pytest.raises(module.SlackError) as exchanged:
            client.oauth.v2.exchange(client_id="123.456", client_secret=secret, token_=legacy)
    shown = [str(failed.value), repr(failed.value), str(exchanged.value), caplog.text]
    assert "invalid_client" in shown[0] and "invalid_client" in shown[2]
    for text in shown:
        assert not any(fragment in text for fragment in (secret[:8], code[:8], code[-8:], legacy[:8]))


def test_blocks_as_python_structures_arrive_as_one_json_array(server: SlackServer) -> None:
    module, _ = package("slack-2020")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi* & bye"}}, {"type": "divider"}]
    with module.Client(TOKEN, base_url=server.url) as client:
        client.chat.post_message(channel="C1", blocks=blocks, unfurl_links=False)
        assert json.loads(server.requests[-1].form["blocks"]) == blocks
        assert server.requests[-1].form["unfurl_links"] == "false"
        client.chat.post_message(channel="C1", blocks='[{"type":"divider"}]')  # already encoded: as given
        assert server.requests[-1].form["blocks"] == '[{"type":"divider"}]'


def test_a_json_argument_typed_by_models_takes_models_mappings_or_an_encoded_string(server: SlackServer) -> None:
    module, _ = package("calls")
    with module.Client(TOKEN, base_url=server.url) as client:
        for users, sent in (([module.CallUser(slack_id="U1")], '[{"slack_id":"U1"}]'),
                            ([{"external_id": "e1", "display_name": "Ann"}],
                             '[{"external_id":"e1","display_name":"Ann"}]'),
                            ('[{"slack_id":"U2"}]', '[{"slack_id":"U2"}]')):
            client.calls.participants.add(id="R1", users=users)
            assert server.requests[-1].form == {"id": "R1", "users": sent}
