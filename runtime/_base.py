"""The runtime every generated method calls into: build the request, send it, retry, decode.

Generated methods are one call deep (`self._client.request(...)`). Everything else lives here,
once, for every Slack API family and for both clients: `BaseClient` (blocking, on the runtime's
own HTTP/1.1 wire) and `AsyncBaseClient` (asyncio, httpx) differ only in how they wait. What to
make of each answer or failure, and whether to try again, is decided by `Attempts`
(`_attempts.py`), which both loops share.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from typing import Any, Self
from urllib.parse import urlsplit

from . import _encoding as encoding
from ._attempts import Attempts, R
from ._checks import ArgumentCheck, check_arguments, compiled
from ._errors import (
    SlackAuthError,
)
from ._limits import Rate, Tier
from ._models import SlackResponse
from ._multipart import MultipartBody, multipart_body
from ._package import DEFAULT_BASE_URL, USER_AGENT
from ._throttle import ClientLimits, RateLimits
from ._transport import (
    DEFAULT_MAX_SIZE,
    TRANSPORT_FAILURES,
    AsyncHttpTransport,
    AsyncTransport,
    HttpTransport,
    Request,
    Transport,
    checked_proxy,
)

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_BACKOFF = 0.5
DEFAULT_MAX_BACKOFF = 8.0
DEFAULT_MAX_RETRY_AFTER = 60.0
DEFAULT_MAX_RETRY_TIME = 60.0
TOKEN_ENVIRONMENT_VARIABLE = "SLACK_TOKEN"


class Endpoint:
    """How one Slack method is called: its name, HTTP verb, body encoding, credentials,
    rate-limit tier and the rate Slack documents for it, if any, and the types its
    arguments take."""

    __slots__ = (
        "_checks",
        "auth",
        "body",
        "files",
        "http_method",
        "idempotent",
        "json_fields",
        "name",
        "names",
        "rate",
        "tier",
        "token_required",
        "types",
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
        rate: Rate | None = None,
        types: Mapping[str, str] | None = None,
        names: Mapping[str, str] | None = None,
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
        # the special rule Slack documents (`x-slack-rate-limit`), over the tier's rate
        self.rate = rate
        # wire name -> the types the argument takes, as a code (see _checks)
        self.types = types or {}
        self.names = names or {}  # wire name -> Python name, where they differ
        self._checks: dict[str, ArgumentCheck] | None = None

    def __repr__(self) -> str:
        return f"Endpoint({self.name!r}, {self.http_method!r})"

    @property
    def checks(self) -> dict[str, ArgumentCheck]:
        """Each typed argument's check, made at the first call rather than at import (a whole
        spec's package defines thousands)."""
        checks = self._checks
        if checks is None:
            checks = self._checks = compiled(self.types, self.names)
        return checks


class _Settings:
    """Configuration and request building, shared by the blocking and the async client."""

    _limits: ClientLimits  # set by each client

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
        rate_limit: Rate | RateLimits | bool | None = None,
    ) -> Attempts[R]:
        """The request for one call, the policy that sees it through, and its rate limit."""
        # the declared arguments only: neither extra_args nor api_call's are checked
        if endpoint.types:
            check_arguments(endpoint.name, endpoint.checks, arguments)
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
        secrets = encoding.secret_values(arguments)
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
            if kind != "form":
                if encoded:
                    url += "?" + encoded
            elif encoded:
                body = encoded.encode()
            else:  # no arguments: no body, so nothing for a Content-Type to describe
                headers = {k: v for k, v in headers.items() if k != "Content-Type"}
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
        attempts = Attempts(
            self, endpoint, request, response_type, token, retries, secrets
        )
        attempts.strict = self.strict if strict is None else bool(strict)
        attempts.throttle = self._limits.throttle(
            endpoint.name,
            endpoint.tier,
            token,
            rate_limit,
            rule=endpoint.rate,
            arguments=arguments,
        )
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
            rate_limit,
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
        deadline: float | None = None,
        strict: bool | None = None,
        rate_limit: Rate | RateLimits | bool | None = None,
    ) -> SlackResponse:
        """Call any Slack method by name, such as one newer than the spec:
        `client.api_call("chat.postMessage", arguments={"channel": "C1", "text": "Hi"})`.

        Same token, retries, errors and tolerant decoding as the generated methods; returns a
        `SlackResponse` to read like Slack's JSON (`response["channel"]`). `arguments` go as a
        form (query string for `http_method="GET"`, unless one holds JSON or a secret: then as a
        POST form), `json` as a JSON body. `idempotent=True` lets an ambiguous failure (timeout,
        5xx) be retried; by default it is not, as for any method not known to be safe. The
        other options are the generated methods' own, for this call only: `token`, `timeout`,
        `max_retries`, `deadline`, `strict` and `rate_limit`.
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
            deadline=deadline,
            strict=strict,
            rate_limit=rate_limit,
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
            rate_limit,
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
        deadline: float | None = None,
        strict: bool | None = None,
        rate_limit: Rate | RateLimits | bool | None = None,
    ) -> SlackResponse:
        """Call any Slack method by name, such as one newer than the spec:
        `await client.api_call("chat.postMessage", arguments={"channel": "C1", "text": "Hi"})`.

        Same token, retries, errors and tolerant decoding as the generated methods; returns a
        `SlackResponse` to read like Slack's JSON (`response["channel"]`). `arguments` go as a
        form (query string for `http_method="GET"`, unless one holds JSON or a secret: then as a
        POST form), `json` as a JSON body. `idempotent=True` lets an ambiguous failure (timeout,
        5xx) be retried; by default it is not, as for any method not known to be safe. The
        other options are the generated methods' own, for this call only: `token`, `timeout`,
        `max_retries`, `deadline`, `strict` and `rate_limit`.
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
            deadline=deadline,
            strict=strict,
            rate_limit=rate_limit,
        )


class Resource:
    """Base of the generated method groups (`client.calls`, `client.calls.participants`)."""

    def __init__(self, client: BaseClient) -> None:
        self._client = client


class AsyncResource:
    """Base of the async client's method groups."""

    def __init__(self, client: AsyncBaseClient) -> None:
        self._client = client


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
