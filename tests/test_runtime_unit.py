"""The client runtime tested in place, as the `runtime` package, before any generation: what
every generated package is built on (the packages get verbatim copies, see test_templates.py)."""

from __future__ import annotations

import json

import pytest

from runtime import _package
from runtime._base import BaseClient, Endpoint
from runtime._errors import SlackApiError, SlackError
from runtime._models import SlackResponse
from runtime._transport import MockTransport, Request, Response

TOKEN = "xoxb-runtime-unit-token"
INFO = Endpoint("calls.info", "GET", body="none")


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
