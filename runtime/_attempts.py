"""One call's way through its attempts: what each answer or failure means, and whether to try again.

What is retried (at most `max_retries` times, 2 by default):

- always, for every method, because the request was not acted on: a connection that could not
  be opened, or an attempt whose deadline passed before the request went out; HTTP 429 and
  Slack's `ratelimited` (waiting `Retry-After`, up to `max_retry_after`); HTTP 408 and 503 and
  Slack's `service_unavailable` and `request_timeout`;
- only for idempotent methods (those the spec marks `x-slack-idempotent: true`, such as
  `calls.info`; never decided by the HTTP verb), because the request may have been carried out:
  other 5xx answers, Slack's `internal_error` and `fatal_error`, a timeout or a connection that
  broke after the request was sent.

So `calls.add` is never sent twice when the first attempt may have created the Call; the error
is raised instead, and the caller, who knows its `external_unique_id`, decides.

How long a call may take: each attempt is bounded by `deadline` (waiting for a pooled connection,
connecting, sending and reading the whole answer; by default twice `timeout`, which bounds each
wait for the server), and the waits before and between attempts (backoffs, `Retry-After`s and
rate-limit slots) together by `max_retry_time` (one wait is never shorter than `backoff`, nor
longer than `max_retry_after`). So a call ends within
`(max_retries + 1) * deadline + max_retry_time` seconds: 240 s with the defaults.

A successful call (`ok: true`) never raises because of the response's shape unless the client or
the call is `strict`: see `_decode` for what becomes of a mismatched value. Each mismatch is
logged once per method and field path, at WARNING.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._decode import DecodeError, Mismatch, tolerant
from ._errors import (
    SlackApiError,
    SlackConnectionError,
    SlackError,
    SlackRateLimitedError,
    SlackResponseError,
    SlackTimeoutError,
    warning_codes,
)
from ._models import SlackResponse
from ._package import LOGGER_NAME
from ._scrub import leaks, scrub_all
from ._throttle import SlotTooFar, Throttle
from ._transport import ConnectFailed, Request, Response
from ._wire import DeadlineExceeded, NotSent, ResponseTooLarge

if TYPE_CHECKING:
    import logging

    from ._base import Endpoint, _Settings

R = TypeVar("R", bound=SlackResponse)


# Slack error codes for a request that was not acted on: safe to send again.
UNPROCESSED_ERRORS = frozenset(
    {"ratelimited", "service_unavailable", "request_timeout"}
)


# Slack error codes for a transient failure that may have left the work partly done.
TRANSIENT_ERRORS = frozenset({"internal_error", "fatal_error"})


UNPROCESSED_STATUSES = frozenset({408, 429, 503})


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
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.settings = settings
        self.endpoint = endpoint
        self.request = request
        self.response_type = response_type
        self.token = token
        # masked in every message and log record: the token, and credentials among the arguments
        self.secrets = tuple(s for s in (token, *secrets) if s)
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
        elif isinstance(exc, NotSent):  # nothing left: as safe as a failed connect
            error = SlackTimeoutError(
                name, f"the request was not sent within {self.request.deadline:g} s"
            )
            safe = True
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
            # Chain the cause for debugging, unless a server echoed a secret into it.
            raise raised from (None if self._leaks_secret(exc) else exc)

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
                # a server may echo the token into a mismatched value, or into the key of
                # a map, which is part of the path
                mismatches = tuple(
                    replace(
                        mismatch,
                        path=self._mask(mismatch.path),
                        got=self._mask(mismatch.got),
                    )
                    for mismatch in mismatches
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
                    self._mask(", ".join(warnings)),
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
            waited = self.throttle.wait(self._slot_budget())
        except SlotTooFar as exc:
            raise self._slot_too_far(exc.wait) from None
        if waited:
            self._waited(waited)

    async def await_slot(self) -> None:
        """`wait_for_slot`, for the event loop."""
        assert self.throttle is not None
        try:
            waited = await self.throttle.await_slot(self._slot_budget())
        except SlotTooFar as exc:
            raise self._slot_too_far(exc.wait) from None
        if waited:
            self._waited(waited)

    def _slot_budget(self) -> float:
        """The longest this call may wait for a slot: `max_retry_after`, and no more than is
        left of `max_retry_time`, so that the limiter keeps the call within its time bound.
        """
        settings = self.settings
        return max(
            0.0, min(settings.max_retry_after, settings.max_retry_time - self.waited)
        )

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
        error.args = (
            f"{name} not sent: its rate limit has no slot for {wait:.3g} s, longer than"
            + f" the call may wait ({self._slot_budget():.3g} s: see max_retry_after and"
            + " max_retry_time)",
        )
        return error

    def _waited(self, seconds: float) -> None:
        self.waited += seconds  # held to max_retry_time with the waits between attempts
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
        excerpt = self._mask(response.body[:1000].decode("utf-8", "replace"))
        excerpt = " ".join(excerpt[:200].split())
        return SlackResponseError(
            self.endpoint.name,
            f"HTTP {response.status_code}: {problem}"
            + (f": {excerpt!r}" if excerpt else ""),
            status_code=response.status_code,
            headers=response.headers,
            body=response.body,
        )

    def _leaks_secret(self, exc: BaseException | None) -> bool:
        while exc is not None:
            if any(
                leaks(str(exc), secret) or leaks(repr(exc), secret)
                for secret in self.secrets
            ):
                return True
            exc = exc.__cause__ or exc.__context__
        return False

    def _scrubbed(self, error: SlackError) -> SlackError:
        """The error, with the token and the call's other secrets (or any long run of them)
        masked in its message should a server have echoed them."""
        if self.secrets:
            error.args = tuple(self._mask(str(arg)) for arg in error.args)
        return error

    def _mask(self, text: str) -> str:
        return scrub_all(text, self.secrets)


def _logger() -> logging.Logger:
    """The package's logger; `logging` is imported only once there is something to log."""
    import logging

    return logging.getLogger(LOGGER_NAME)


# Method and field paths whose mismatch was logged (bounded: a hostile server cannot grow it).
_LOGGED_MISMATCHES: set[tuple[str, str]] = set()


_MAX_LOGGED = 10_000


_INDEX = re.compile(r"\[\d+\]")


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
