"""The errors a client call can raise, all rooted at `SlackError`.

    SlackError
    ├── SlackApiError            Slack answered `ok: false`
    │   └── SlackRateLimitedError    HTTP 429 or `ratelimited`, still so after the retries
    └── SlackTransportError      no usable answer arrived
        ├── SlackConnectionError     the connection failed or broke
        ├── SlackTimeoutError        the server did not answer in time
        └── SlackResponseError       the answer is not a Slack JSON envelope

A call that fails after its retries raises one of these; it never returns None or a half-built
response. Messages never contain the token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class SlackError(Exception):
    """Base of every error raised by this client; `method` is the Slack method called."""

    method: str


class SlackApiError(SlackError):
    """Slack answered `ok: false`; `error` is its short code, such as `invalid_call_id`."""

    def __init__(
        self,
        method: str,
        error: str,
        *,
        response: Mapping[str, Any],
        status_code: int,
        headers: Mapping[str, str],
    ) -> None:
        self.method = method
        self.error = error
        self.response = response
        """The whole JSON body, including fields the spec does not describe."""
        self.status_code = status_code
        self.headers = headers
        """Response headers, with lower-case names."""
        status = "" if status_code == 200 else f" (HTTP {status_code})"
        super().__init__(f"{method} failed: {error}{status}")

    @property
    def warnings(self) -> tuple[str, ...]:
        """Warning codes Slack sent along with the error."""
        return warning_codes(self.response)

    @property
    def response_metadata(self) -> Mapping[str, Any]:
        """The `response_metadata` object of the answer (empty when absent)."""
        metadata = self.response.get("response_metadata")
        return metadata if isinstance(metadata, Mapping) else {}


class SlackRateLimitedError(SlackApiError):
    """Slack refused the call for going over a rate limit, and waiting it out was not an option:
    the retries were used up, or Slack asked for a longer wait than the client's
    `max_retry_after`. `retry_after` is the wait Slack asked for, in seconds (None if it did not
    say)."""

    def __init__(
        self,
        method: str,
        *,
        retry_after: float | None,
        response: Mapping[str, Any],
        status_code: int,
        headers: Mapping[str, str],
    ) -> None:
        self.retry_after = retry_after
        error = str(response.get("error") or "ratelimited")
        super().__init__(
            method, error, response=response, status_code=status_code, headers=headers
        )
        if retry_after is not None:
            self.args = (f"{self.args[0]}, retry after {retry_after:g} s",)


class SlackTransportError(SlackError):
    """No usable answer arrived: the connection failed, timed out or returned garbage."""

    def __init__(self, method: str, message: str) -> None:
        self.method = method
        super().__init__(f"{method}: {message}")


class SlackConnectionError(SlackTransportError):
    """The connection could not be made, or broke before a full answer arrived."""


class SlackTimeoutError(SlackTransportError):
    """The server did not answer within the timeout."""


class SlackResponseError(SlackTransportError):
    """The answer is not the JSON envelope Slack sends: a proxy's HTML error page, a truncated
    body, or fields of the wrong type. `body` holds the bytes as received."""

    def __init__(
        self,
        method: str,
        message: str,
        *,
        status_code: int,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> None:
        self.status_code = status_code
        self.headers: Mapping[str, str] = headers or {}
        self.body = body
        super().__init__(method, message)


def warning_codes(data: Mapping[str, Any]) -> tuple[str, ...]:
    """Warning codes from `warning` (comma-separated) and `response_metadata.warnings`."""
    codes: list[str] = []
    warning = data.get("warning")
    if isinstance(warning, str):
        codes += [code.strip() for code in warning.split(",") if code.strip()]
    metadata = data.get("response_metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("warnings"), list):
        codes += [str(code) for code in metadata["warnings"]]
    return tuple(dict.fromkeys(codes))
