"""The runtime every generated method calls into: build the request, send it, retry, decode.

Generated methods are one call deep (`self._client.request(...)`). Everything else lives here,
once, for every Slack API family and for both clients: `BaseClient` (blocking, `http.client`)
and `AsyncBaseClient` (asyncio, httpx) differ only in how they wait. What to make of each answer
or failure, and whether to try again, is decided by `Attempts`, which both loops share.

What is retried (at most `max_retries` times, 2 by default):

- always, for every method, because the request was not acted on: a connection that could not
  be opened; HTTP 429 and Slack's `ratelimited` (waiting `Retry-After`, up to
  `max_retry_after`); HTTP 408 and 503 and Slack's `service_unavailable` and `request_timeout`;
- only for idempotent methods (those the spec marks `x-slack-idempotent: true`, such as
  `calls.info`; never decided by the HTTP verb), because the request may have been carried out:
  other 5xx answers, Slack's `internal_error` and `fatal_error`, a timeout or a connection that
  broke after the request was sent.

So `calls.add` is never sent twice when the first attempt may have created the Call; the error
is raised instead, and the caller, who knows its `external_unique_id`, decides.

How long a call may take: each attempt is bounded by `deadline` (connecting, sending and reading
the whole answer; by default twice `timeout`, which bounds each wait for the server), and the
waits between attempts together by `max_retry_time` (one wait is never shorter than `backoff`,
nor longer than `max_retry_after`). So a call ends within
`(max_retries + 1) * deadline + max_retry_time` seconds: 240 s with the defaults.

A successful call (`ok: true`) never raises because of the response's shape unless the client or
the call is `strict`: see `_decode` for what becomes of a mismatched value. Each mismatch is
logged once per method and field path, at WARNING.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar
from urllib.parse import urlsplit

from . import _encoding as encoding
from ._decode import DecodeError, Mismatch, tolerant
from ._errors import (
    SlackApiError,
    SlackAuthError,
    SlackConnectionError,
    SlackError,
    SlackRateLimitedError,
    SlackResponseError,
    SlackTimeoutError,
    warning_codes,
)
from ._limits import Rate, Tier
from ._models import SlackResponse
from ._multipart import MultipartBody, multipart_body
from ._package import DEFAULT_BASE_URL, LOGGER_NAME, USER_AGENT
from ._scrub import leaks, scrub
from ._throttle import ClientLimits, RateLimits, SlotTooFar, Throttle
from ._transport import (
    DEFAULT_MAX_SIZE,
    TRANSPORT_FAILURES,
    AsyncHttpTransport,
    AsyncTransport,
    ConnectFailed,
    HttpTransport,
    Request,
    Response,
    Transport,
    checked_proxy,
)
from ._wire import DeadlineExceeded, ResponseTooLarge

if TYPE_CHECKING:
    import logging

R = TypeVar("R", bound=SlackResponse)

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_BACKOFF = 0.5
DEFAULT_MAX_BACKOFF = 8.0
DEFAULT_MAX_RETRY_AFTER = 60.0
DEFAULT_MAX_RETRY_TIME = 60.0
TOKEN_ENVIRONMENT_VARIABLE = "SLACK_TOKEN"

# Slack error codes for a request that was not acted on: safe to send again.
UNPROCESSED_ERRORS = frozenset(
    {"ratelimited", "service_unavailable", "request_timeout"}
)
# Slack error codes for a transient failure that may have left the work partly done.
TRANSIENT_ERRORS = frozenset({"internal_error", "fatal_error"})
UNPROCESSED_STATUSES = frozenset({408, 429, 503})


class Endpoint:
    """How one Slack method is called: its name, HTTP verb, body encoding, credentials and
    rate-limit tier."""

    __slots__ = (
        "auth",
        "body",
        "files",
        "http_method",
        "idempotent",
        "json_fields",
        "name",
        "tier",
        "token_required",
    )

    def __init__(
        self,
        name: str,
        http_method: str,
        *,
        body: str = "form",
        json_fields: tuple[str, ...] = (),
        token_required: bool = True,
        idempotent: bool = False,
        auth: str = "bearer",
        files: tuple[str, ...] = (),
        tier: Tier | None = None,
    ) -> None:
        self.name = name
        self.http_method = http_method
        # "form", "json", "multipart", or "none" (the arguments go in the query string)
        self.body = body
        self.json_fields = json_fields  # form fields sent as one JSON string each
        # Sending it again after an ambiguous failure does no harm (`x-slack-idempotent`).
        self.idempotent = idempotent
        # "bearer": the token; "basic": an OAuth exchange, client_id/client_secret as HTTP Basic
        self.auth = auth
        # False for the few methods that take no token (OAuth exchanges, `api.test`)
        self.token_required = token_required
        self.files = files  # multipart fields that carry files (see _multipart)
        # Slack's rate-limit tier: 1 to 4, "special", or None (unknown)
        self.tier = tier

    def __repr__(self) -> str:
        return f"Endpoint({self.name!r}, {self.http_method!r})"


class _Settings:
    """Configuration and request building, shared by the blocking and the async client."""

    def __init__(
        self,
        token: str | None,
        *,
        base_url: str,
        timeout: float,
        max_retries: int,
        backoff: float,
        max_backoff: float,
        max_retry_after: float,
        deadline: float | None,
        max_retry_time: float,
        max_response_size: int,
        proxy: str | None,
        proxy_from_environment: bool,
        strict: bool = False,
    ) -> None:
        self._token = _checked_token(
            token if token is not None else os.environ.get(TOKEN_ENVIRONMENT_VARIABLE)
        )
        self.base_url = _checked_base_url(base_url)
        self.timeout = _positive("timeout", timeout)
        self.deadline = None if deadline is None else _positive("deadline", deadline)
        self.max_retries = _count("max_retries", max_retries)
        self.backoff = _seconds("backoff", backoff)
        self.max_backoff = _seconds("max_backoff", max_backoff)
        self.max_retry_after = _seconds("max_retry_after", max_retry_after)
        self.max_retry_time = _seconds("max_retry_time", max_retry_time)
        self.max_response_size = _count("max_response_size", max_response_size)
        self.proxy = _chosen_proxy(self.base_url, proxy, proxy_from_environment)
        self.strict = bool(
            strict
        )  # raise on a success response that does not match the spec
        self._headers = {
            body: _headers(self._token, body)
            for body in ("form", "json", "multipart", "none")
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _attempts(
        self,
        endpoint: Endpoint,
        arguments: Mapping[str, Any],
        response_type: type[R],
        token: str | None,
        timeout: float | None,
        max_retries: int | None,
        deadline: float | None,
        extra_args: Mapping[str, Any] | None = None,
        strict: bool | None = None,
    ) -> Attempts[R]:
        """The request for one call, and the policy that sees it through."""
        verb, kind = endpoint.http_method, endpoint.body
        if extra_args:
            arguments = _merged(endpoint, arguments, extra_args)
        if kind == "none" and encoding.belongs_in_body(arguments):
            verb, kind = "POST", "form"  # JSON and secrets stay out of the URL
        if token is None:
            token, headers = self._token, self._headers[kind]
        else:
            token = _checked_token(token)
            headers = _headers(token, kind)
        if endpoint.auth == "basic":
            # an OAuth exchange: the app's credentials, and no token
            arguments = dict(arguments)
            basic = encoding.basic_credentials(arguments)
            headers = _headers(None, kind)
            if basic is not None:
                headers["Authorization"] = basic
        elif token is None and endpoint.token_required:
            raise SlackAuthError(
                endpoint.name,
                "no token to send: pass token= to the client or the call, or set "
                + TOKEN_ENVIRONMENT_VARIABLE,
            )
        url = self.base_url + endpoint.name
        body: bytes | MultipartBody | None = None
        if kind == "multipart":
            body = multipart_body(arguments, endpoint)
            headers = {**headers, **body.headers}
        elif kind == "json":
            body = encoding.json_body(arguments)
        else:
            encoded = encoding.form(arguments, endpoint.json_fields)
            if kind == "form":
                body = encoded.encode()
            elif encoded:
                url += "?" + encoded
        request = Request(
            verb,
            url,
            headers,
            body,
            self.timeout if timeout is None else _positive("timeout", timeout),
            endpoint.idempotent,
            self.deadline if deadline is None else _positive("deadline", deadline),
            self.max_response_size,
        )
        retries = (
            self.max_retries
            if max_retries is None
            else _count("max_retries", max_retries)
        )
        attempts = Attempts(self, endpoint, request, response_type, token, retries)
        attempts.strict = self.strict if strict is None else bool(strict)
        return attempts


class BaseClient(_Settings):
    """The blocking client's request cycle; one instance may serve many threads at once."""

    def __init__(
        self,
        token: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        max_backoff: float = DEFAULT_MAX_BACKOFF,
        max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
        transport: Transport | None = None,
        deadline: float | None = None,
        max_retry_time: float = DEFAULT_MAX_RETRY_TIME,
        max_response_size: int = DEFAULT_MAX_SIZE,
        proxy: str | None = None,
        proxy_from_environment: bool = False,
        strict: bool = False,
        rate_limits: RateLimits | bool | None = None,
    ) -> None:
        super().__init__(
            token,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff,
            max_backoff=max_backoff,
            max_retry_after=max_retry_after,
            deadline=deadline,
            max_retry_time=max_retry_time,
            max_response_size=max_response_size,
            proxy=proxy,
            proxy_from_environment=proxy_from_environment,
            strict=strict,
        )
        if transport is not None and (proxy or proxy_from_environment):
            raise ValueError("give the proxy to the transport you pass, not the client")
        self._transport = transport or HttpTransport(proxy=self.proxy)
        self._limits = ClientLimits(rate_limits, self.base_url, self._transport)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close kept-alive connections."""
        self._transport.close()

    def request(
        self,
        endpoint: Endpoint,
        arguments: Mapping[str, Any],
        response_type: type[R],
        *,
        token: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        extra_args: Mapping[str, Any] | None = None,
        strict: bool | None = None,
        rate_limit: Rate | RateLimits | bool | None = None,
    ) -> R:
        """Call `endpoint` with `arguments` (wire names; None means absent)."""
        attempts = self._attempts(
            endpoint,
            arguments,
            response_type,
            token,
            timeout,
            max_retries,
            deadline,
            extra_args,
            strict,
        )
        attempts.throttle = self._limits.throttle(
            endpoint.name, endpoint.tier, attempts.token, rate_limit
        )
        throttle = attempts.throttle
        while True:
            if throttle is not None:
                attempts.wait_for_slot()
            try:
                try:
                    response = self._transport.send(attempts.request)
                except TRANSPORT_FAILURES as exc:
                    attempts.failed(exc)
                else:
                    result = attempts.answered(response)
                    if result is not None:
                        return result
            finally:
                if throttle is not None:
                    throttle.done()  # the slot frees a window after the answer
            time.sleep(attempts.delay)

    def api_call(
        self,
        method: str,
        *,
        arguments: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        http_method: str = "POST",
        idempotent: bool = False,
        token: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        strict: bool | None = None,
    ) -> SlackResponse:
        """Call any Slack method by name, such as one newer than the spec:
        `client.api_call("chat.postMessage", arguments={"channel": "C1", "text": "Hi"})`.

        Same token, retries, errors and tolerant decoding as the generated methods; returns a
        `SlackResponse` to read like Slack's JSON (`response["channel"]`). `arguments` go as a
        form (query string for `http_method="GET"`, unless one holds JSON or a secret: then as a
        POST form), `json` as a JSON body. `idempotent=True` lets an ambiguous failure (timeout,
        5xx) be retried; by default it is not, as for any method not known to be safe.
        """
        endpoint, fields = _generic_call(
            method, arguments, json, http_method, idempotent
        )
        return self.request(
            endpoint,
            fields,
            SlackResponse,
            token=token,
            timeout=timeout,
            max_retries=max_retries,
            strict=strict,
        )


class AsyncBaseClient(_Settings):
    """The async client's request cycle: the blocking one's, awaiting instead of blocking.

    Share one instance between the tasks of one event loop.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        max_backoff: float = DEFAULT_MAX_BACKOFF,
        max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
        transport: AsyncTransport | None = None,
        deadline: float | None = None,
        max_retry_time: float = DEFAULT_MAX_RETRY_TIME,
        max_response_size: int = DEFAULT_MAX_SIZE,
        proxy: str | None = None,
        proxy_from_environment: bool = False,
        strict: bool = False,
        rate_limits: RateLimits | bool | None = None,
    ) -> None:
        super().__init__(
            token,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff,
            max_backoff=max_backoff,
            max_retry_after=max_retry_after,
            deadline=deadline,
            max_retry_time=max_retry_time,
            max_response_size=max_response_size,
            proxy=proxy,
            proxy_from_environment=proxy_from_environment,
            strict=strict,
        )
        if transport is not None and (proxy or proxy_from_environment):
            raise ValueError("give the proxy to the transport you pass, not the client")
        self._transport = transport or AsyncHttpTransport(proxy=self.proxy)
        self._limits = ClientLimits(rate_limits, self.base_url, self._transport)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close kept-alive connections."""
        await self._transport.aclose()

    async def request(
        self,
        endpoint: Endpoint,
        arguments: Mapping[str, Any],
        response_type: type[R],
        *,
        token: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        extra_args: Mapping[str, Any] | None = None,
        strict: bool | None = None,
        rate_limit: Rate | RateLimits | bool | None = None,
    ) -> R:
        """Call `endpoint` with `arguments` (wire names; None means absent)."""
        import asyncio  # only async users pay for importing asyncio

        attempts = self._attempts(
            endpoint,
            arguments,
            response_type,
            token,
            timeout,
            max_retries,
            deadline,
            extra_args,
            strict,
        )
        attempts.throttle = self._limits.throttle(
            endpoint.name, endpoint.tier, attempts.token, rate_limit
        )
        throttle = attempts.throttle
        while True:
            if throttle is not None:
                await attempts.await_slot()
            try:
                try:
                    response = await self._transport.send(attempts.request)
                except TRANSPORT_FAILURES as exc:
                    attempts.failed(exc)
                else:
                    result = attempts.answered(response)
                    if result is not None:
                        return result
            finally:
                if throttle is not None:
                    await throttle.adone()  # the slot frees a window after the answer
            await asyncio.sleep(attempts.delay)

    async def api_call(
        self,
        method: str,
        *,
        arguments: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        http_method: str = "POST",
        idempotent: bool = False,
        token: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        strict: bool | None = None,
    ) -> SlackResponse:
        """Call any Slack method by name, such as one newer than the spec:
        `await client.api_call("chat.postMessage", arguments={"channel": "C1", "text": "Hi"})`.

        Same token, retries, errors and tolerant decoding as the generated methods; returns a
        `SlackResponse` to read like Slack's JSON (`response["channel"]`). `arguments` go as a
        form (query string for `http_method="GET"`, unless one holds JSON or a secret: then as a
        POST form), `json` as a JSON body. `idempotent=True` lets an ambiguous failure (timeout,
        5xx) be retried; by default it is not, as for any method not known to be safe.
        """
        endpoint, fields = _generic_call(
            method, arguments, json, http_method, idempotent
        )
        return await self.request(
            endpoint,
            fields,
            SlackResponse,
            token=token,
            timeout=timeout,
            max_retries=max_retries,
            strict=strict,
        )


class Resource:
    """Base of the generated method groups (`client.calls`, `client.calls.participants`)."""

    def __init__(self, client: BaseClient) -> None:
        self._client = client


class AsyncResource:
    """Base of the async client's method groups."""

    def __init__(self, client: AsyncBaseClient) -> None:
        self._client = client


class Attempts(Generic[R]):
    """One call's way through its attempts: each answer or failure either ends the call (a
    result, or an error raised) or sets `delay` before the next attempt. No HTTP and no
    sleeping of its own: both clients' loops drive it (and wait for a rate-limit slot through
    `wait_for_slot`/`await_slot`, which the throttle does)."""

    def __init__(
        self,
        settings: _Settings,
        endpoint: Endpoint,
        request: Request,
        response_type: type[R],
        token: str | None,
        max_retries: int,
    ) -> None:
        self.settings = settings
        self.endpoint = endpoint
        self.request = request
        self.response_type = response_type
        self.token = token
        self.max_retries = max_retries
        self.retries = 0
        self.delay = 0.0
        self.waited = 0.0  # seconds of delays so far, held to `max_retry_time`
        self.strict = settings.strict
        # where the call waits for its rate-limit slot (none: it does not wait)
        self.throttle: Throttle | None = None

    def answered(self, response: Response) -> R | None:
        """The decoded result, or None to try again after `delay`; raises when the call failed."""
        status = response.status_code
        try:  # JSON between systems is UTF-8 (RFC 8259); a UnicodeDecodeError is a ValueError
            data = json.loads(response.body.decode())
        except (
            ValueError,
            RecursionError,
        ):  # RecursionError: nested past Python's limit
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("ok"), bool):
            if status == 429:
                self._rate_limited(response, {})
                return None
            if not response.body:
                problem = "the body is empty"
            elif data is None:
                problem = "the body is not JSON"
            else:
                problem = "the body is not a Slack response (no boolean 'ok')"
            self._retry_or_raise(
                self._response_error(response, problem),
                safe=status in UNPROCESSED_STATUSES,
                transient=status >= 500,
            )
            return None
        if data["ok"] and status != 429:
            return self._success(response, data)
        error = str(data.get("error") or "unknown_error")
        if status == 429 or error == "ratelimited":
            self._rate_limited(response, data)
            return None
        api_error = SlackApiError(
            self.endpoint.name,
            error,
            response=data,
            status_code=status,
            headers=response.headers,
        )
        self._retry_or_raise(
            api_error,
            safe=error in UNPROCESSED_ERRORS or status in UNPROCESSED_STATUSES,
            transient=error in TRANSIENT_ERRORS or status >= 500,
        )
        return None

    def failed(self, exc: BaseException) -> None:
        """Set `delay` to try again after a transport failure, or raise the client's error."""
        name, timeout = self.endpoint.name, self.request.timeout
        transient = not _certificate_problem(exc)  # no retry fixes a certificate
        error: SlackError
        if isinstance(exc, ConnectFailed):  # the request never left: safe to send again
            if exc.timed_out:
                error = SlackTimeoutError(
                    name, f"could not connect within {timeout:g} s"
                )
            else:
                error = SlackConnectionError(name, str(exc))
            safe = transient
        elif isinstance(
            exc, ResponseTooLarge
        ):  # the server is not Slack: do not ask again
            error = SlackResponseError(
                name,
                f"HTTP {exc.status_code}: the answer is larger than "
                f"max_response_size ({exc.limit} bytes)",
                status_code=exc.status_code,
                headers=exc.headers,
            )
            safe = transient = False
        elif isinstance(exc, DeadlineExceeded):
            deadline = self.request.deadline
            error = SlackTimeoutError(name, f"no whole answer within {deadline:g} s")
            safe = False
        elif isinstance(exc, TimeoutError):
            error = SlackTimeoutError(name, f"no answer within {timeout:g} s")
            safe = False
        else:
            error = SlackConnectionError(name, f"{type(exc).__name__}: {exc}")
            safe = False
        try:
            self._retry_or_raise(error, safe=safe, transient=transient)
        except SlackError as raised:
            # Chain the cause for debugging, unless a server echoed the token into it.
            raise raised from (None if self._leaks_token(exc) else exc)

    def _success(self, response: Response, data: dict[str, Any]) -> R:
        def decode() -> R:
            return self.response_type.from_response(
                data, response.status_code, response.headers
            )

        if self.strict:
            try:
                result = decode()
            except DecodeError as exc:
                raise self._scrubbed(
                    self._response_error(response, f"unexpected response: {exc}")
                ) from None
        else:
            result, mismatches = tolerant(decode)
            if mismatches:
                mismatches = (
                    tuple(  # a server may echo the token into a mismatched field
                        replace(mismatch, got=scrub(mismatch.got, self.token))
                        for mismatch in mismatches
                    )
                )
                object.__setattr__(
                    result, "mismatches", mismatches
                )  # frozen: set once, here
                self._log_mismatches(mismatches)
        if "warning" in data or "response_metadata" in data:
            warnings = warning_codes(data)
            if warnings:
                _logger().warning(
                    "%s succeeded with warnings: %s",
                    self.endpoint.name,
                    scrub(", ".join(warnings), self.token),
                )
        return result

    def _log_mismatches(self, mismatches: tuple[Mismatch, ...]) -> None:
        """WARNING once per method and field path (list positions aside) in the process."""
        for mismatch in mismatches:
            key = (self.endpoint.name, _INDEX.sub("[]", mismatch.path))
            if key in _LOGGED_MISMATCHES or len(_LOGGED_MISMATCHES) >= _MAX_LOGGED:
                continue
            _LOGGED_MISMATCHES.add(key)
            text = str(mismatch)  # scrubbed of the token by `_success`
            _logger().warning(
                "%s succeeded, but its response does not match the spec (the field "
                "is left unset; .raw has the JSON): %s",
                self.endpoint.name,
                text,
            )

    def _rate_limited(self, response: Response, data: dict[str, Any]) -> None:
        retry_after = _retry_after(response.headers.get("retry-after"))
        error = SlackRateLimitedError(
            self.endpoint.name,
            retry_after=retry_after,
            response=data,
            status_code=response.status_code,
            headers=response.headers,
        )
        if retry_after is not None and self.throttle is not None:
            self.throttle.pause(retry_after)  # every caller of the key waits it out
        if retry_after is not None and retry_after > self.settings.max_retry_after:
            raise self._scrubbed(error)  # waiting that long is the caller's decision
        self._retry_or_raise(error, safe=True, transient=True, wait=retry_after)

    def wait_for_slot(self) -> None:
        """Sleep until the call's rate-limit slot, or raise if it is too far away."""
        assert self.throttle is not None
        try:
            waited = self.throttle.wait(self.settings.max_retry_after)
        except SlotTooFar as exc:
            raise self._slot_too_far(exc.wait) from None
        if waited:
            self._waited(waited)

    async def await_slot(self) -> None:
        """`wait_for_slot`, for the event loop."""
        assert self.throttle is not None
        try:
            waited = await self.throttle.await_slot(self.settings.max_retry_after)
        except SlotTooFar as exc:
            raise self._slot_too_far(exc.wait) from None
        if waited:
            self._waited(waited)

    def _slot_too_far(self, wait: float) -> SlackRateLimitedError:
        """The error for a call not sent because its slot is further than it may wait."""
        name = self.endpoint.name
        error = SlackRateLimitedError(
            name,
            retry_after=wait,
            response={"ok": False, "error": "ratelimited"},
            status_code=429,
            headers={},
        )
        limit = self.settings.max_retry_after
        error.args = (
            f"{name} not sent: its rate limit has no slot for {wait:.3g} s,"
            + f" longer than max_retry_after ({limit:g} s)",
        )
        return error

    def _waited(self, seconds: float) -> None:
        _logger().debug(
            "%s waited %.3f s for its rate-limit slot", self.endpoint.name, seconds
        )

    def _retry_or_raise(
        self,
        error: SlackError,
        *,
        safe: bool,
        transient: bool,
        wait: float | None = None,
    ) -> None:
        """Retry if attempts remain and sending again does no harm; otherwise raise `error`."""
        harmless = safe or (transient and self.endpoint.idempotent)
        if not harmless or self.retries >= self.max_retries:
            raise self._scrubbed(error)
        settings = self.settings
        if wait is None:
            import random

            backoff = min(settings.max_backoff, settings.backoff * 2**self.retries)
            wait = backoff * (1 - 0.25 * random.random())
        else:  # asked for by the server: `Retry-After: 0` must not make a storm
            wait = max(wait, settings.backoff)
        if self.waited + wait > settings.max_retry_time:
            raise self._scrubbed(error)  # the call has waited long enough
        self.waited += wait
        self.retries += 1
        self.delay = wait
        _logger().debug(
            "%s: retry %d of %d in %.2f s after: %s",
            self.endpoint.name,
            self.retries,
            self.max_retries,
            wait,
            self._scrubbed(error),
        )

    def _response_error(self, response: Response, problem: str) -> SlackResponseError:
        # masked before it is cut, so no cut can leave part of the token showing
        excerpt = scrub(response.body[:1000].decode("utf-8", "replace"), self.token)
        excerpt = " ".join(excerpt[:200].split())
        return SlackResponseError(
            self.endpoint.name,
            f"HTTP {response.status_code}: {problem}"
            + (f": {excerpt!r}" if excerpt else ""),
            status_code=response.status_code,
            headers=response.headers,
            body=response.body,
        )

    def _leaks_token(self, exc: BaseException | None) -> bool:
        while exc is not None:
            if leaks(str(exc), self.token) or leaks(repr(exc), self.token):
                return True
            exc = exc.__cause__ or exc.__context__
        return False

    def _scrubbed(self, error: SlackError) -> SlackError:
        """The error, with the token (or any long run of it) masked in its message should a
        server have echoed it."""
        if self.token:
            error.args = tuple(scrub(str(arg), self.token) for arg in error.args)
        return error


def _logger() -> logging.Logger:
    """The package's logger; `logging` is imported only once there is something to log."""
    import logging

    return logging.getLogger(LOGGER_NAME)


# Method and field paths whose mismatch was logged (bounded: a hostile server cannot grow it).
_LOGGED_MISMATCHES: set[tuple[str, str]] = set()
_MAX_LOGGED = 10_000
_INDEX = re.compile(r"\[\d+\]")
# What `api_call` accepts as a method name: Slack's dotted names, nothing a URL would read otherwise.
_METHOD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*")


def _merged(
    endpoint: Endpoint, arguments: Mapping[str, Any], extra_args: Mapping[str, Any]
) -> dict[str, Any]:
    """The declared arguments plus `extra_args` (wire names the spec does not know)."""
    given = [key for key in extra_args if arguments.get(key) is not None]
    if given:
        raise TypeError(
            f"{endpoint.name}: extra_args repeats {', '.join(map(repr, given))}, which "
            "is given as an argument already"
        )
    return {**arguments, **extra_args}


def _generic_call(
    method: str,
    arguments: Mapping[str, Any] | None,
    json: Mapping[str, Any] | None,
    http_method: str,
    idempotent: bool,
) -> tuple[Endpoint, Mapping[str, Any]]:
    """The endpoint and arguments of an `api_call`."""
    if not _METHOD_NAME.fullmatch(method):
        raise ValueError(
            f"not a Slack method name such as 'chat.postMessage': {method!r}"
        )
    verb = http_method.upper()
    if verb not in ("GET", "POST"):
        raise ValueError(f"http_method must be 'GET' or 'POST', not {http_method!r}")
    if json is not None:
        if arguments is not None or verb == "GET":
            raise ValueError(
                "a JSON body goes alone, on a POST: give `json` or `arguments`"
            )
        return Endpoint(method, "POST", body="json", idempotent=idempotent), json
    body = (
        "none" if verb == "GET" else "form"
    )  # a GET holding JSON or a secret goes as POST
    return Endpoint(method, verb, body=body, idempotent=idempotent), arguments or {}


def _headers(token: str | None, body: str) -> dict[str, str]:
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if body == "form":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body == "json":
        headers["Content-Type"] = "application/json; charset=utf-8"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header: a number, or an HTTP date."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _certificate_problem(exc: BaseException | None) -> bool:
    """Whether a failure comes from a TLS certificate, which no retry can fix."""
    import ssl

    while exc is not None:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _checked_token(token: str | None) -> str | None:
    """Refuse a token that cannot be a header value, without echoing it in the message."""
    if token is not None and not isinstance(token, str):
        raise TypeError(f"the Slack token must be a str, not {type(token).__name__}")
    if token and not token.isprintable():
        raise ValueError(
            "the Slack token contains a line break or another control character"
        )
    if token and not token.isascii():
        raise ValueError("the Slack token contains a character that is not ASCII")
    return token or None


def _number(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")


def _positive(name: str, value: float) -> float:
    _number(name, value)
    if not 0 < value < float("inf"):
        raise ValueError(
            f"{name} must be a positive, finite number of seconds, not {value!r}"
        )
    return value


def _seconds(name: str, value: float) -> float:
    _number(name, value)
    if not 0 <= value < float("inf"):
        raise ValueError(
            f"{name} must be a finite number of seconds >= 0, not {value!r}"
        )
    return value


def _count(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be a whole number >= 0, not {value!r}")
    return value


def _checked_base_url(base_url: str) -> str:
    """Refuse plain HTTP except to this machine: the token must not cross a network in clear;
    and anything but a plain base URL, to which method names are appended."""
    if not isinstance(base_url, str):
        raise TypeError(f"base_url must be a str, not {type(base_url).__name__}")
    if not base_url.isascii() or not base_url.isprintable() or " " in base_url:
        raise ValueError(
            "base_url must be printable ASCII without spaces (IDNA-encode the host)"
        )
    try:
        url = urlsplit(base_url)
        url.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError(f"base_url is not a valid URL: {base_url!r}") from None
    if "?" in base_url or "#" in base_url:
        raise ValueError(
            f"base_url must not have a query or a fragment: {base_url!r} "
            "(method names are appended to it)"
        )
    if url.username is not None:
        raise ValueError("base_url must not hold a user name or password")
    if url.scheme == "http" and not _is_loopback(url.hostname or ""):
        raise ValueError(f"refusing plain http:// to {url.hostname}; use https://")
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
    return base_url if base_url.endswith("/") else base_url + "/"


def _chosen_proxy(
    base_url: str, proxy: str | None, from_environment: bool
) -> str | None:
    """The proxy for `base_url`: only ever for https (a CONNECT tunnel, so the proxy never sees
    the token); `proxy` if given, else `HTTPS_PROXY` when `from_environment` and `NO_PROXY`
    does not exempt the host."""
    if not isinstance(from_environment, bool):
        raise TypeError("proxy_from_environment must be a bool")
    checked_proxy(proxy)
    if not base_url.startswith("https:"):
        return None  # plain http is for this machine only, never through a proxy
    if proxy is None and from_environment:
        from urllib.request import getproxies, proxy_bypass

        proxy = getproxies().get("https")
        if proxy and proxy_bypass(urlsplit(base_url).hostname or ""):
            proxy = None
        checked_proxy(proxy)
    return proxy


def _is_loopback(host: str) -> bool:
    from ipaddress import ip_address

    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False
