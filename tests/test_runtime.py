"""The fault matrix: the blocking and the async client against a real server on 127.0.0.1.

Every scenario runs once per client kind. `calls.info` (marked `x-slack-idempotent`) is retried
after any passing failure; `calls.add` (not marked) only when the request was not acted on.
"""

from __future__ import annotations

import logging
import time
from email.utils import formatdate

import pytest
from loopback import Reply, SlackServer
from runtime_support import (
    INFO_OK,
    KINDS,
    TOKEN,
    AnswerThenClose,
    Hang,
    Nowhere,
    add,
    call,
    drop,
    echo_authorization,
    echo_authorization_in_status_line,
    info,
    repeat,
    reset,
    reset_midway,
)
from slack_calls import (
    CallResponse,
    SlackApiError,
    SlackConnectionError,
    SlackError,
    SlackRateLimitedError,
    SlackResponseError,
    SlackTimeoutError,
)

HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"



@pytest.fixture
def server(shared_server: SlackServer) -> SlackServer:
    return reset(shared_server)


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_success_decodes_and_keeps_status_headers_and_unknown_fields(server: SlackServer, kind: str) -> None:
    body = {"ok": True, "call": {**INFO_OK["call"], "shiny_new_field": [1, 2]}, "surprise": {"a": 1}}
    server.reply(Reply(body=body, headers={"X-Slack-Req-Id": "abc"}))

    response = info(kind, server)

    assert isinstance(response, CallResponse)
    assert response.call.id == "R0E69JAIF" and response.call.users is not None
    assert response.status_code == 200
    assert response.headers["x-slack-req-id"] == "abc"
    assert response.raw == body  # the full JSON, fields the spec does not describe included
    assert response.call.raw["shiny_new_field"] == [1, 2]
    assert response.to_dict()["surprise"] == {"a": 1}
    request = server.requests[0]
    assert (request.method, request.path, request.query) == ("GET", "/calls.info", {"id": ["R0E69JAIF"]})
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


def test_429_waits_for_retry_after_then_succeeds(server: SlackServer, kind: str) -> None:
    server.reply(Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0.05"}), INFO_OK)

    started = time.monotonic()
    response = info(kind, server)

    assert response.call.id == "R0E69JAIF"
    assert time.monotonic() - started >= 0.05
    assert len(server.requests) == 2


def test_429_is_retried_even_for_calls_add_because_slack_did_not_act(server: SlackServer, kind: str) -> None:
    server.reply(Reply(429, b"", {"Retry-After": "0"}), INFO_OK)

    assert add(kind, server).call.id == "R0E69JAIF"
    assert len(server.requests) == 2


def test_429_past_max_retry_after_raises_at_once(server: SlackServer, kind: str) -> None:
    server.reply(Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "120"}))

    with pytest.raises(SlackRateLimitedError) as raised:
        info(kind, server, client={"max_retry_after": 30})

    assert raised.value.retry_after == 120
    assert raised.value.status_code == 429 and raised.value.error == "ratelimited"
    assert "retry after 120 s" in str(raised.value)
    assert len(server.requests) == 1


def test_retry_after_as_an_http_date(server: SlackServer, kind: str) -> None:
    server.reply(Reply(429, b"", {"Retry-After": formatdate(time.time() + 100, usegmt=True)}))

    with pytest.raises(SlackRateLimitedError) as raised:
        info(kind, server, client={"max_retry_after": 10})

    assert raised.value.retry_after is not None and 90 < raised.value.retry_after <= 100


def test_429_after_every_retry_raises_rate_limited(server: SlackServer, kind: str) -> None:
    server.default = Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"})

    with pytest.raises(SlackRateLimitedError) as raised:
        info(kind, server, client={"max_retries": 2})

    assert raised.value.retry_after == 0
    assert len(server.requests) == 3


def test_ratelimited_code_in_a_200_body_is_a_rate_limit(server: SlackServer, kind: str) -> None:
    server.reply({"ok": False, "error": "ratelimited"}, INFO_OK)

    assert add(kind, server).call.id == "R0E69JAIF"
    assert len(server.requests) == 2


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_is_retried_for_an_idempotent_method(server: SlackServer, kind: str, status: int) -> None:
    server.reply(Reply(status, {"ok": False, "error": "internal_error"}), INFO_OK)

    assert info(kind, server).call.id == "R0E69JAIF"
    assert len(server.requests) == 2


def test_500_is_not_retried_for_calls_add_which_may_have_created_the_call(server: SlackServer, kind: str) -> None:
    server.reply(Reply(500, {"ok": False, "error": "internal_error"}), INFO_OK)

    with pytest.raises(SlackApiError) as raised:
        add(kind, server)

    assert (raised.value.error, raised.value.status_code, raised.value.method) == ("internal_error", 500, "calls.add")
    assert len(server.requests) == 1


def test_503_is_retried_for_calls_add_because_nothing_was_done(server: SlackServer, kind: str) -> None:
    server.reply(Reply(503, b"Service Unavailable", {"Content-Type": "text/plain"}), INFO_OK)

    assert add(kind, server).call.id == "R0E69JAIF"
    assert len(server.requests) == 2


def test_an_html_502_page_raises_a_response_error_after_the_retries(server: SlackServer, kind: str) -> None:
    server.default = Reply(502, HTML_502, {"Content-Type": "text/html"})

    with pytest.raises(SlackResponseError) as raised:
        info(kind, server, client={"max_retries": 1})

    error = raised.value
    assert error.status_code == 502 and error.body == HTML_502 and error.method == "calls.info"
    assert "HTTP 502" in str(error) and "502 Bad Gateway" in str(error)  # status plus an excerpt
    assert len(str(error)) < 400
    assert len(server.requests) == 2


def test_an_html_502_page_for_calls_add_is_not_retried(server: SlackServer, kind: str) -> None:
    server.default = Reply(502, HTML_502, {"Content-Type": "text/html"})

    with pytest.raises(SlackResponseError):
        add(kind, server)

    assert len(server.requests) == 1


def test_a_hung_server_raises_timeout_after_the_retries(server: SlackServer, kind: str) -> None:
    hang = Hang()
    server.default = Reply(action=hang)
    try:
        started = time.monotonic()
        with pytest.raises(SlackTimeoutError) as raised:
            info(kind, server, client={"timeout": 0.2, "max_retries": 1})
        elapsed = time.monotonic() - started
    finally:
        hang.release()

    assert "no answer within 0.2 s" in str(raised.value)
    assert 0.4 <= elapsed < 3
    assert len(server.requests) == 2


def test_a_per_call_timeout_overrides_the_clients(server: SlackServer, kind: str) -> None:
    hang = Hang()
    server.reply(Reply(action=hang))
    try:
        started = time.monotonic()
        with pytest.raises(SlackTimeoutError):
            add(kind, server, client={"timeout": 30}, timeout=0.2)
    finally:
        hang.release()

    assert time.monotonic() - started < 3
    assert len(server.requests) == 1  # calls.add may have been carried out: not sent again


def test_a_connection_reset_mid_response_is_retried_then_raises(server: SlackServer, kind: str) -> None:
    server.default = Reply(action=reset_midway)

    with pytest.raises(SlackConnectionError) as raised:
        info(kind, server, client={"max_retries": 2})

    assert raised.value.method == "calls.info"
    assert len(server.requests) == 3


def test_a_connection_reset_then_success(server: SlackServer, kind: str) -> None:
    server.reply(Reply(action=reset_midway), INFO_OK)

    assert info(kind, server).call.id == "R0E69JAIF"


def test_calls_add_is_not_resent_after_a_reset_mid_response(server: SlackServer, kind: str) -> None:
    server.reply(Reply(action=reset_midway), INFO_OK)

    with pytest.raises(SlackConnectionError):
        add(kind, server)

    assert len(server.requests) == 1


def test_nothing_listening_raises_connection_error(kind: str) -> None:
    with pytest.raises(SlackConnectionError) as raised:
        add(kind, Nowhere(), client={"max_retries": 1})

    assert "connect" in str(raised.value)


ADD_ARGUMENTS = {"external_unique_id": "025169F6", "join_url": "https://example.com/calls/1"}


def test_one_client_keeps_one_connection_for_consecutive_calls(server: SlackServer, kind: str) -> None:
    server.default = Reply(body=INFO_OK)

    repeat(kind, server, "calls.info", 3, id="R1")
    repeat(kind, server, "calls.add", 3, **ADD_ARGUMENTS)

    assert len(server.requests) == 6
    assert server.connections == 2  # one per client


# A half-closed connection still takes requests: one sent there is never answered. The client must
# notice the close before it sends calls.add (calls.info would simply be sent again).
@pytest.mark.parametrize(("method", "half"), [("calls.info", False), ("calls.add", False), ("calls.add", True)],
                         ids=["info", "add", "add-half-close"])
def test_server_closing_kept_alive_connections_between_calls(server: SlackServer, kind: str, method: str,
                                                             half: bool) -> None:
    closer = AnswerThenClose(INFO_OK, half=half)
    server.default = Reply(action=closer)
    arguments = {"id": "R1"} if method == "calls.info" else ADD_ARGUMENTS

    responses = repeat(kind, server, method, 3, between=closer.wait, max_retries=0, **arguments)

    assert [r.call.id for r in responses] == ["R0E69JAIF"] * 3
    assert len(server.requests) == 3 and server.connections == 3


def test_a_dropped_connection_is_retried_for_calls_info(server: SlackServer, kind: str) -> None:
    server.reply(INFO_OK, Reply(action=drop), INFO_OK)

    responses = repeat(kind, server, "calls.info", 2, max_retries=0, id="R1")

    assert len(responses) == 2 and len(server.requests) == 3  # the second call went out twice


def test_calls_add_is_not_sent_twice_when_the_server_read_it_and_dropped_the_connection(
        server: SlackServer, kind: str) -> None:
    server.reply(INFO_OK, Reply(action=drop), INFO_OK)

    with pytest.raises(SlackConnectionError):
        repeat(kind, server, "calls.add", 2, **ADD_ARGUMENTS)

    assert len(server.requests) == 2


def test_connection_close_header_is_honoured(server: SlackServer, kind: str) -> None:
    server.default = Reply(body=INFO_OK, close=True)

    responses = repeat(kind, server, "calls.add", 2, max_retries=0, **ADD_ARGUMENTS)

    assert len(responses) == 2 and server.connections == 2


@pytest.mark.parametrize("code", ["invalid_call_id", "not_authed", "missing_scope"])
def test_ok_false_raises_api_error_with_everything_slack_said(server: SlackServer, kind: str, code: str) -> None:
    body = {"ok": False, "error": code, "warning": "superfluous_charset",
            "response_metadata": {"messages": ["[ERROR] bad"], "warnings": ["superfluous_charset"]}}
    server.reply(Reply(body=body, headers={"X-Slack-Req-Id": "r1"}))

    with pytest.raises(SlackApiError) as raised:
        info(kind, server)

    error = raised.value
    assert (error.error, error.method, error.status_code) == (code, "calls.info", 200)
    assert error.warnings == ("superfluous_charset",)
    assert error.response_metadata["messages"] == ["[ERROR] bad"]
    assert error.headers["x-slack-req-id"] == "r1"
    assert error.response == body
    assert str(error) == f"calls.info failed: {code}"
    assert len(server.requests) == 1  # a plain refusal is not retried


@pytest.mark.parametrize("code", ["service_unavailable", "request_timeout"])
def test_slack_codes_for_work_not_done_are_retried_for_every_method(server: SlackServer, kind: str, code: str) -> None:
    server.reply({"ok": False, "error": code}, INFO_OK)

    assert add(kind, server).call.id == "R0E69JAIF"
    assert len(server.requests) == 2


@pytest.mark.parametrize("code", ["internal_error", "fatal_error"])
def test_slack_codes_for_work_maybe_done(server: SlackServer, kind: str, code: str) -> None:
    server.reply({"ok": False, "error": code}, INFO_OK)
    assert info(kind, server).call.id == "R0E69JAIF"  # reading twice does no harm

    server.reply({"ok": False, "error": code}, INFO_OK)
    with pytest.raises(SlackApiError) as raised:
        add(kind, server)  # registering twice might
    assert raised.value.error == code
    assert len(server.requests) == 3


def test_warnings_on_success_are_exposed_and_logged(server: SlackServer, kind: str,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    server.reply({**INFO_OK, "warning": "missing_charset,superfluous_charset",
                  "response_metadata": {"warnings": ["missing_charset"]}})

    with caplog.at_level(logging.WARNING, logger="slack_calls"):
        response = info(kind, server)

    assert response.warnings == ("missing_charset", "superfluous_charset")
    assert "calls.info succeeded with warnings: missing_charset, superfluous_charset" in caplog.text


def test_an_error_field_beside_ok_true_is_a_success(server: SlackServer, kind: str) -> None:
    server.reply({"ok": True, "error": "bad_users"})

    response = call(kind, server, "calls.participants.add", id="R1", users=[{"slack_id": "U1"}])

    assert response.ok is True and response.raw["error"] == "bad_users"


@pytest.mark.parametrize("body", [b"", b"[1, 2]", b'{"call": {}}', b'{"ok": "yes"}'])
def test_a_body_that_is_not_a_slack_envelope_raises_response_error(server: SlackServer, kind: str,
                                                                   body: bytes) -> None:
    server.reply(Reply(200, body))

    with pytest.raises(SlackResponseError) as raised:
        info(kind, server)

    assert raised.value.status_code == 200 and raised.value.body == body
    assert len(server.requests) == 1


def test_a_strict_client_raises_response_error_naming_a_field_of_the_wrong_type(server: SlackServer,
                                                                                kind: str) -> None:
    server.reply({"ok": True, "call": {**INFO_OK["call"], "users": [{"slack_id": 5}]}})

    with pytest.raises(SlackResponseError) as raised:
        info(kind, server, client={"strict": True})

    assert "call.users[0].slack_id: expected a string, got 5" in str(raised.value)


def test_retries_are_logged_at_debug(server: SlackServer, kind: str, caplog: pytest.LogCaptureFixture) -> None:
    server.reply(Reply(503, b"busy"), Reply(500, b"oops"), INFO_OK)

    with caplog.at_level(logging.DEBUG, logger="slack_calls"):
        info(kind, server)

    retries = [r for r in caplog.records if r.levelno == logging.DEBUG and "retry" in r.getMessage()]
    assert [r.getMessage().split(" in ")[0] for r in retries] == ["calls.info: retry 1 of 2", "calls.info: retry 2 of 2"]
    assert "HTTP 503" in retries[0].getMessage() and "HTTP 500" in retries[1].getMessage()


def test_the_token_never_appears_in_messages_or_logs(server: SlackServer, kind: str,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    server.default = Reply(action=echo_authorization)

    with caplog.at_level(logging.DEBUG, logger="slack_calls"), pytest.raises(SlackResponseError) as raised:
        info(kind, server)

    error = raised.value
    assert TOKEN in error.body.decode()  # the page did echo it...
    assert TOKEN not in str(error) and TOKEN not in repr(error)  # ...but the message does not
    assert "<token>" in str(error)
    assert caplog.records and TOKEN not in caplog.text


def test_the_token_is_kept_out_of_chained_causes_too(server: SlackServer, kind: str) -> None:
    server.default = Reply(action=echo_authorization_in_status_line)

    with pytest.raises(SlackConnectionError) as raised:
        info(kind, server, client={"max_retries": 0})

    chain: list[BaseException] = []  # as a traceback (or an error tracker) walks it
    error: BaseException | None = raised.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    assert all(TOKEN not in str(link) and TOKEN not in repr(link) for link in chain)
    assert "<token>" in str(raised.value)


def test_a_failed_call_raises_rather_than_returning_anything(server: SlackServer, kind: str) -> None:
    failures = [Reply(500, HTML_502), Reply(action=reset_midway), Reply(429, b"", {"Retry-After": "0"}),
                Reply(body={"ok": False, "error": "x"})]  # `ok: true` of the wrong shape: test_tolerance.py
    for failure in failures:
        server.default = failure
        with pytest.raises(SlackError):
            info(kind, server, client={"max_retries": 1})


def test_per_call_max_retries_overrides_the_clients(server: SlackServer, kind: str) -> None:
    server.default = Reply(503, b"busy")

    with pytest.raises(SlackResponseError):
        info(kind, server, client={"max_retries": 5}, max_retries=0)

    assert len(server.requests) == 1


def test_a_token_valued_field_of_the_wrong_type_shows_no_part_of_the_token(
        server: SlackServer, kind: str, caplog: pytest.LogCaptureFixture) -> None:
    server.reply({"ok": True, "call": {**INFO_OK["call"], "date_start": f"{TOKEN}-and-more"}})

    with caplog.at_level(logging.DEBUG, logger="slack_calls"), pytest.raises(SlackResponseError) as raised:
        info(kind, server, strict=True)

    assert "call.date_start: expected an integer" in str(raised.value)
    runs = [TOKEN[i : i + 8] for i in range(len(TOKEN) - 7)]  # before: 36 characters of it showed
    assert [run for run in runs if run in str(raised.value) or run in repr(raised.value)] == []

    # not strict: the call succeeds, and neither the WARNING nor the listed mismatch shows the token
    server.reply({"ok": True, "call": {**INFO_OK["call"], "date_start": f"{TOKEN}-and-more"}})
    with caplog.at_level(logging.DEBUG, logger="slack_calls"):
        response = info(kind, server)
    shown = caplog.text + repr(response.mismatches) + str(response.mismatches)
    assert "call.date_start" in shown  # listed (and logged, once per process for each field path)
    assert [run for run in runs if run in shown] == []
