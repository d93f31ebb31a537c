"""However a spec declares Slack's token, the generated client sends it as `Authorization: Bearer`.

An HTTP Basic scheme marks an OAuth exchange: `client_id`/`client_secret` go as Basic
authentication on a POST, with no Bearer token.

Recognised: security schemes of type `oauth2`, `openIdConnect` or `http` + `bearer` (any name),
an `apiKey` scheme named `token`, and the legacy parameter literally named `token` in a header,
the query string or a form body (Slack's own Swagger 2.0 spec). None of them becomes an argument,
and nothing named `token` ever goes on the wire.
"""

from __future__ import annotations

import base64
import importlib
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import ROOT
from loopback import Recorded, SlackServer

from generator import generate
from generator.config import Options
from generator.output import write

CASES = ROOT / "tests" / "cases"
TOKEN = "xoxp-auth-test"


def generated(case: str, package: str, tmp_path: Path) -> Iterator[ModuleType]:
    spec = next((CASES / case).glob("spec.*"))
    write(generate(Options(spec=spec, out=tmp_path, package=package, root=ROOT)), tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(package)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == package or name.startswith(package + ".")]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    yield from generated("auth_variants", "slack_auth_variants", tmp_path_factory.mktemp("variants"))


@pytest.fixture(scope="module")
def swagger2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    yield from generated("swagger2_slack_style", "slack_swagger2_style", tmp_path_factory.mktemp("swagger2"))


@pytest.fixture(scope="module")
def server() -> Iterator[SlackServer]:
    """One loopback server for the module (each request is checked as the last one recorded)."""
    with SlackServer() as running:
        yield running


def call(package: ModuleType, server: SlackServer, path: str, reply: dict[str, Any], **arguments: Any) -> Recorded:
    server.reply(reply)
    with package.Client(TOKEN, base_url=server.url) as client:
        method = client
        for attribute in path.split("."):
            method = getattr(method, attribute)
        # the spec's token is no argument of its own: `token=` is the runtime's per-call credential
        assert list(inspect.signature(method).parameters)[-7:] == ["token", "timeout", "max_retries", "deadline",
                                                                  "extra_args", "strict", "rate_limit"]
        method(**arguments)
    return server.requests[-1]


def assert_bearer_only(request: Recorded) -> None:
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "token" not in request.headers
    assert "token" not in request.query
    assert b"token" not in request.body


@pytest.mark.parametrize(("path", "arguments", "declared"), [
    ("auth.test", {"verbose": True}, "apiKey scheme in the query, and a query parameter named token"),
    ("chat.post_message", {"channel": "C1"}, "http bearer scheme, and a form field named token"),
    ("files.info", {"file": "F1"}, "oauth2 scheme, and a header parameter named token"),
    ("partner.ping", {}, "an apiKey header with another name (a warning)"),
])
def test_openapi3_declarations(variants: ModuleType, server: SlackServer, path: str, arguments: dict[str, Any],
                               declared: str) -> None:
    request = call(variants, server, path, {"ok": True}, **arguments)
    assert_bearer_only(request)
    assert "x-partner-key" not in request.headers and "x-request-id" not in request.headers


@pytest.mark.parametrize(("path", "arguments", "reply"), [
    ("chat.post_message", {"channel": "C1", "from_": "me"},
     {"ok": True, "channel": "C1", "ts": "1.2", "message": {"text": "hi", "type": "message"}}),
    ("users.lookup_by_email", {"email": "a@example.com"}, {"ok": True}),
    ("conversations.invite", {"channel": "C1", "users": "U1,U2"}, {"ok": True}),
])
def test_swagger2_legacy_token_parameters(swagger2: ModuleType, server: SlackServer, path: str,
                                          arguments: dict[str, Any], reply: dict[str, Any]) -> None:
    request = call(swagger2, server, path, reply, **arguments)
    assert_bearer_only(request)


def test_swagger2_arrays_typed_as_strings_go_out_as_slack_expects(swagger2: ModuleType, server: SlackServer) -> None:
    request = call(swagger2, server, "conversations.invite", {"ok": True}, channel="C1", users="U1,U2")
    assert (request.method, request.path, request.form) == ("POST", "/conversations.invite",
                                                             {"channel": "C1", "users": "U1,U2"})
    request = call(swagger2, server, "chat.post_message", {"ok": True, "channel": "C1", "ts": "1.2", "message": {
        "text": "hi", "type": "message"}}, channel="C1", from_="me", link_names=True)
    assert request.form == {"channel": "C1", "from": "me", "link_names": "true"}


def test_an_http_basic_scheme_is_an_oauth_exchange_sent_with_basic_credentials_only(
        variants: ModuleType, server: SlackServer) -> None:
    request = call(variants, server, "admin.ping", {"ok": True}, client_id="12.34", client_secret="s3cr:t")
    assert (request.method, request.path, request.query, request.body) == ("POST", "/admin.ping", {}, b"")
    # RFC 6749 2.3.1: each part form-urlencoded, then base64 of "id:secret"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"12.34:s3cr%3At").decode()
    assert TOKEN not in str(request.headers)


NO_TOKEN_SPEC = """
openapi: 3.1.0
info: {title: No token, version: "1"}
servers: [{url: "https://slack.com/api"}]
components: {securitySchemes: {bearer: {type: http, scheme: bearer}, basic: {type: http, scheme: basic}}}
security: [{bearer: []}]
paths:
  /api.test: {get: {security: [], responses: {"200": {description: ok}}}}
  /bots.info: {get: {security: [{}, {bearer: []}], responses: {"200": {description: ok}}}}
  /oauth.v2.access:
    post:
      security: [{basic: []}]
      requestBody: {content: {application/x-www-form-urlencoded: {schema: {type: object, properties: {
        code: {type: string}}}}}}
      responses: {"200": {description: ok}}
  /auth.test: {get: {responses: {"200": {description: ok}}}}
"""


@pytest.fixture(scope="module")
def no_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    folder = tmp_path_factory.mktemp("no_token")
    (folder / "spec.yaml").write_text(NO_TOKEN_SPEC)
    write(generate(Options(spec=folder / "spec.yaml", out=folder / "out", package="slack_no_token", root=ROOT)),
          folder / "out")
    sys.path.insert(0, str(folder / "out"))
    try:
        yield importlib.import_module("slack_no_token")
    finally:
        sys.path.remove(str(folder / "out"))
        for name in [name for name in sys.modules if name.startswith("slack_no_token")]:
            del sys.modules[name]


def test_methods_that_take_no_token_are_called_without_one_and_the_others_fail_at_once(
        no_token: ModuleType, server: SlackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_TOKEN", raising=False)
    server.requests.clear()
    with no_token.Client(base_url=server.url) as client:
        for method in (client.api.test, client.bots.info,
                       lambda: client.oauth.v2.access(code="c", client_id="1.2", client_secret="s")):
            server.reply({"ok": True})
            method()
        with pytest.raises(no_token.SlackAuthError, match=r"auth\.test: no token to send"):
            client.auth.test()
    assert [request.path for request in server.requests] == ["/api.test", "/bots.info", "/oauth.v2.access"]
    assert all("authorization" not in request.headers for request in server.requests[:2])
    assert server.requests[2].headers["authorization"].startswith("Basic ")  # the app's credentials, no token
