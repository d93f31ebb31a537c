"""Moving bytes: a `Transport` turns a `Request` into a `Response` and nothing more.

No retries and no Slack semantics live here (see `_base`). The contract a transport keeps, so the
client can tell what is safe to retry: raise `ConnectFailed` when no connection could be opened
(the server never saw the request), `TimeoutError` when the server stopped answering or the
exchange outran its deadline (`NotSent`, a `TimeoutError` too, when it ran out before the
request began to go out), `ResponseTooLarge` when the answer is over the size cap, and
another `OSError` (such as `ConnectionError`) when the connection broke after the request went
out or the answer was not HTTP.

`HttpTransport` (blocking, standard library) and `AsyncHttpTransport` (httpx) are the defaults;
each imports its HTTP stack when first built, so importing the package stays quick and the
blocking client never needs httpx. `MockTransport` and `AsyncMockTransport` answer from a
function, for tests that need no server: `Client(transport=MockTransport(handler))`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from ._package import ASYNC_EXTRA
from ._wire import (
    DeadlineExceeded,
    Inflate,
    NotAnswered,
    NotSent,
    ResponseTooLarge,
    Wire,
)

if TYPE_CHECKING:
    import ssl

    import httpx

DEFAULT_MAX_SIZE = 64 * 1024 * 1024
"""The largest answer body accepted, in bytes (decompressed); Slack's are far smaller."""
DEFAULT_POOL_SIZE = 100
"""Connections kept per transport: enough for as many threads or tasks calling at once."""
DEADLINE_PER_TIMEOUT = 2
"""A request's deadline defaults to this many times its timeout."""


class Request:
    """One HTTP request, built once per call and sent as is again on a retry. Read-only."""

    __slots__ = (
        "body",
        "deadline",
        "headers",
        "idempotent",
        "max_size",
        "method",
        "timeout",
        "url",
    )

    def __init__(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | Streamed | None,
        timeout: float,
        idempotent: bool = False,
        deadline: float | None = None,
        max_size: int = DEFAULT_MAX_SIZE,
    ) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        """Seconds to wait to connect and for each read."""
        self.idempotent = idempotent
        """Sending it twice does no harm, so a broken kept-alive connection may be retried."""
        self.deadline = DEADLINE_PER_TIMEOUT * timeout if deadline is None else deadline
        """Seconds one exchange may take in all: connecting, sending, the whole answer."""
        self.max_size = max_size
        """The most bytes of answer body accepted."""

    def __repr__(self) -> str:
        # The Authorization header holds the token: never show it.
        headers = {
            name: "<hidden>" if name.lower() == "authorization" else value
            for name, value in self.headers.items()
        }
        return f"Request({self.method} {self.url}, {headers}, timeout={self.timeout:g})"


class Streamed(Protocol):
    """A request body sent piece by piece, of a length known up front (see _multipart): each
    iteration starts again from the beginning, so a retry resends it whole."""

    length: int

    def __iter__(self) -> Iterator[bytes]: ...

    def aiter(self) -> AsyncIterator[bytes]: ...


class _StreamedMessage:
    """A request's head, then its body piece by piece; each iteration starts again from the
    beginning, so a resend on a fresh connection sends it whole."""

    __slots__ = ("body", "head")

    def __init__(self, head: bytes, body: Streamed) -> None:
        self.head, self.body = head, body

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        yield from self.body


class Response:
    """What came back: status, headers (names in lower case) and the body as received."""

    __slots__ = ("body", "headers", "status_code")

    def __init__(
        self, status_code: int, headers: Mapping[str, str], body: bytes
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.body = body

    def __repr__(self) -> str:
        return f"Response({self.status_code}, {len(self.body)} bytes)"


class ConnectFailed(Exception):
    """No connection could be opened, so the request was never sent: retrying is always safe."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        self.timed_out = timed_out
        super().__init__(message)


# What a transport raises when an exchange fails; anything else is a bug and propagates.
TRANSPORT_FAILURES = (ConnectFailed, ResponseTooLarge, OSError)


class Transport(Protocol):
    def send(self, request: Request) -> Response: ...

    def close(self) -> None: ...


class AsyncTransport(Protocol):
    async def send(self, request: Request) -> Response: ...

    async def aclose(self) -> None: ...


_Origin = tuple[str, str, int]  # scheme, host, port


class HttpTransport:
    """The default blocking transport: HTTP/1.1 on the standard library's sockets (see
    `_wire`), with a pool of kept-alive connections.

    Consecutive calls reuse an idle connection and skip the TCP and TLS handshakes. Each pooled
    connection is checked before reuse: one with anything to read (the server's close, or an
    answer nobody asked for) is replaced. When a reused connection turns out closed, the request
    is sent again on a new one only if that cannot do harm: it was not fully sent, or it is
    idempotent. Safe to share between threads: each call takes a connection out of the pool and
    puts it back when the answer is read; up to `max_idle` are kept.

    `proxy` (an `http://host:port` URL) carries `https://` requests through a CONNECT tunnel, so
    the proxy sees only encrypted bytes; plain `http://` requests never go through it.
    """

    def __init__(
        self,
        max_idle: int = DEFAULT_POOL_SIZE,
        ssl_context: ssl.SSLContext | None = None,
        *,
        proxy: str | None = None,
    ) -> None:
        import threading

        self._max_idle = max_idle
        self._ssl_context = ssl_context
        self._proxy = checked_proxy(proxy)
        self._idle: dict[_Origin, list[Wire]] = {}
        self._origins: dict[str, tuple[_Origin, bytes]] = {}
        self._lock = threading.Lock()

    def send(self, request: Request) -> Response:
        deadline = time.monotonic() + request.deadline
        origin, data = self._encode(request)
        wire = self._take_idle(origin)
        reused = wire is not None
        if wire is None:
            wire = self._connect(origin, request.timeout, deadline)
        try:
            wire.timeout, wire.deadline = request.timeout, deadline
            try:
                status, headers, body = wire.exchange(
                    data, request.method, request.max_size
                )
            except NotAnswered as exc:
                if not (reused and (request.idempotent or not exc.sent)):
                    raise exc.cause from None
                wire.close()  # the server closed it while idle: once more, on a new one
                wire = self._connect(origin, request.timeout, deadline)
                wire.deadline = deadline
                try:
                    status, headers, body = wire.exchange(
                        data, request.method, request.max_size
                    )
                except NotAnswered as again:
                    raise again.cause from None
        except BaseException:
            wire.close()
            raise
        if wire.reusable:
            self._put_idle(origin, wire)
        else:
            wire.close()
        if status == 408 and reused and not request.idempotent:
            # possibly a leftover sent before the request, which may have been acted on
            raise ConnectionError("HTTP 408 on a kept-alive connection")
        return Response(status, headers, body)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for wire in connections:
                wire.close()

    def _encode(self, request: Request) -> tuple[_Origin, bytes | _StreamedMessage]:
        """The origin to connect to and the request's bytes; each base URL is parsed once."""
        url = request.url
        slash = url.find("/", url.find("//") + 2)
        base, target = (url, "/") if slash < 0 else (url[:slash], url[slash:])
        known = self._origins.get(base)
        if known is None:
            parts = urlsplit(base)
            default_port = 443 if parts.scheme == "https" else 80
            host = parts.hostname or ""
            port = parts.port or default_port
            shown = f"[{host}]" if ":" in host else host
            host_header = shown if port == default_port else f"{shown}:{port}"
            known = (parts.scheme, host, port), f"Host: {host_header}\r\n".encode(
                "ascii"
            )
            self._origins[base] = known
        origin, host_line = known
        lines = [f"{request.method} {target} HTTP/1.1\r\n".encode("ascii"), host_line]
        lines += [
            f"{name}: {value}\r\n".encode("latin-1")
            for name, value in request.headers.items()
        ]
        body = request.body
        if body is None or isinstance(body, bytes):
            if body is not None or request.method == "POST":
                lines.append(b"Content-Length: %d\r\n" % len(body or b""))
            lines.append(b"Accept-Encoding: identity\r\n\r\n")
            if body:
                lines.append(body)
            return origin, b"".join(lines)
        lines.append(b"Content-Length: %d\r\n" % body.length)
        lines.append(b"Accept-Encoding: identity\r\n\r\n")
        return origin, _StreamedMessage(b"".join(lines), body)

    def _take_idle(self, origin: _Origin) -> Wire | None:
        while True:
            with self._lock:
                idle = self._idle.get(origin)
                wire = idle.pop() if idle else None
            if wire is None or wire.idle():
                return wire
            wire.close()

    def _connect(self, origin: _Origin, timeout: float, deadline: float) -> Wire:
        import socket
        import ssl

        scheme, host, port = origin
        proxy = self._proxy if scheme == "https" else None
        address = (proxy[0], proxy[1]) if proxy else (host, port)
        wait = min(timeout, deadline - time.monotonic())
        try:
            if wait <= 0:
                raise DeadlineExceeded("the deadline passed before connecting")
            sock = socket.create_connection(address, timeout=wait)
        except OSError as exc:
            raise ConnectFailed(
                f"cannot connect to {address[0]}:{address[1]}: {exc}",
                timed_out=isinstance(exc, TimeoutError),
            ) from exc
        try:
            # requests are small: send them without Nagle's delay
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if proxy:
                self._tunnel(Wire(sock, timeout), proxy, host, port, deadline)
            if scheme == "https":
                if self._ssl_context is None:
                    self._ssl_context = ssl.create_default_context()
                sock = self._ssl_context.wrap_socket(sock, server_hostname=host)
        except ssl.SSLCertVerificationError:
            sock.close()
            raise  # retrying cannot fix a certificate
        except OSError as exc:
            # the TLS handshake failed: nothing of the request was sent
            sock.close()
            raise ConnectFailed(
                f"no TLS session with {host}:{port}: {exc}",
                timed_out=isinstance(exc, TimeoutError),
            ) from exc
        except BaseException:
            sock.close()
            raise
        return Wire(sock, timeout)

    @staticmethod
    def _tunnel(
        wire: Wire, proxy: _Proxy, host: str, port: int, deadline: float
    ) -> None:
        """Ask the proxy for a tunnel to `host:port`; nothing else is ever sent to it in clear."""
        target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        wire.deadline = deadline
        head = f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n{proxy[2]}\r\n"
        try:
            wire.send(head.encode("ascii"))
            status = wire.response("CONNECT", 0)[0]
        except (OSError, ResponseTooLarge) as exc:
            raise ConnectFailed(f"the proxy gave no tunnel: {exc}") from None
        if not 200 <= status < 300:
            raise ConnectFailed(
                f"the proxy refused a tunnel to {target}: HTTP {status}"
            )

    def _put_idle(self, origin: _Origin, wire: Wire) -> None:
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self._max_idle:
                idle.append(wire)
                return
        wire.close()


_Proxy = tuple[
    str, int, str
]  # host, port, and the Proxy-Authorization header line or ""


def checked_proxy(url: str | None) -> _Proxy | None:
    """A proxy URL taken apart; only `http://` proxies, which get CONNECT and nothing else."""
    if url is None:
        return None
    if not isinstance(url, str):
        raise TypeError(f"proxy must be a URL string, not {type(url).__name__}")
    if not url.isascii() or not url.isprintable() or " " in url:
        raise ValueError("proxy must be a printable ASCII URL")
    try:
        parts = urlsplit(url)
        port = parts.port or 80
    except ValueError:
        raise ValueError("proxy is not a valid URL") from None
    if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError(
            "proxy must be an http://host:port URL (it only relays encrypted tunnels)"
        )
    authorization = ""
    if parts.username is not None:
        import base64
        from urllib.parse import unquote

        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        token = base64.b64encode(pair.encode()).decode("ascii")
        authorization = f"Proxy-Authorization: Basic {token}\r\n"
    return parts.hostname, port, authorization


class AsyncHttpTransport:
    """The default transport of `AsyncClient`: an `httpx.AsyncClient`, which keeps connections
    alive. httpx is imported here, on first use, so the blocking client never needs it.

    Up to `max_connections` connections are opened and all of them kept alive, so as many tasks
    may call at once without a connection opened per call. Proxy settings in the environment
    are ignored; `proxy` (an `http://host:port` URL) carries `https://` requests only, through a
    CONNECT tunnel. Pass your own `httpx.AsyncClient` to configure httpx yourself (then neither
    option applies); it is closed along with this transport.
    """

    def __init__(
        self,
        client: httpx.AsyncClient | None = None,
        *,
        max_connections: int = DEFAULT_POOL_SIZE,
        proxy: str | None = None,
    ) -> None:
        try:
            import httpx
        except ImportError:
            raise ImportError(
                f"AsyncClient needs httpx, which is not installed: {ASYNC_EXTRA}"
            ) from None
        from ._scrub import guard_transport_loggers

        guard_transport_loggers()  # httpx logs reason phrases and headers a server may fill
        if client is None:
            checked_proxy(proxy)
            limits = httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_connections,
            )
            mounts = None
            if proxy is not None:
                tunnel = httpx.AsyncHTTPTransport(limits=limits, proxy=proxy)
                mounts = {"https://": tunnel}
            client = httpx.AsyncClient(
                transport=httpx.AsyncHTTPTransport(limits=limits),
                mounts=mounts,
                trust_env=False,
            )
        self._client = client

    async def send(self, request: Request) -> Response:
        import asyncio

        import httpx

        from ._scrub import SECRETS

        authorization = request.headers.get("Authorization", "")
        if authorization:
            SECRETS.add(authorization.partition(" ")[2])
        trace = _Trace()
        try:
            # the deadline counts from the start of the attempt, a wait for a free connection
            # in a busy pool included; one that passes before the request began to go out
            # sent nothing (NotSent), as a wait over `timeout` (PoolTimeout) did not either
            async with asyncio.timeout(request.deadline):
                return await self._exchange(request, trace)
        except ResponseTooLarge:
            raise
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise ConnectFailed(
                f"cannot connect: {exc}",
                timed_out=isinstance(exc, httpx.TimeoutException),
            ) from exc
        except httpx.TimeoutException as exc:
            raise TimeoutError(str(exc) or type(exc).__name__) from exc
        except TimeoutError:  # asyncio.timeout's
            if not trace.sending:
                raise NotSent(
                    "the deadline passed before the request was sent"
                ) from None
            raise DeadlineExceeded(
                "the exchange took longer than its deadline"
            ) from None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
            raise ConnectionError(f"{type(exc).__name__}: {exc}") from exc

    async def _exchange(self, request: Request, trace: _Trace) -> Response:
        import httpx

        try:
            response = await self._start(request, trace)
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            # Like HttpTransport: a kept-alive connection the server closed while idle gets the
            # request once more, on a new connection, if that cannot do harm.
            if trace.connected or not (request.idempotent or not trace.sent):
                raise
            trace.connected = trace.sending = trace.sent = False
            response = await self._start(request, trace)
        status = response.status_code
        headers = {name.lower(): value for name, value in response.headers.items()}
        try:
            if status == 408 and not request.idempotent and not trace.connected:
                # on a kept-alive connection, possibly a leftover sent before the request:
                # the request may have been acted on, so it must not look "not processed"
                raise ConnectionError("HTTP 408 on a kept-alive connection")
            length = headers.get("content-length", "")
            if length.isdigit() and int(length) > request.max_size:
                raise ResponseTooLarge(request.max_size, status, headers)
            # raw bytes, inflated here within the cap: httpx would inflate a gzip bomb whole
            inflate = Inflate(
                headers.get("content-encoding", ""), request.max_size, status, headers
            )
            if response.is_stream_consumed:  # built in memory (httpx.MockTransport)
                pieces = [inflate.feed(response.content)]
            else:
                pieces = [inflate.feed(piece) async for piece in response.aiter_raw()]
            pieces.append(inflate.flush())
        finally:
            await response.aclose()
        return Response(status, headers, b"".join(pieces))

    async def _start(self, request: Request, trace: _Trace) -> httpx.Response:
        """Send the request and read the answer's head; the body is left to read."""
        outgoing = self._client.build_request(
            request.method,
            request.url,
            headers={**request.headers, "Accept-Encoding": "identity"},
            content=(
                request.body
                if request.body is None or isinstance(request.body, bytes)
                else request.body.aiter()  # read as httpx sends it
            ),
            timeout=request.timeout,
            extensions={"trace": trace},
        )
        return await self._client.send(outgoing, stream=True)

    async def aclose(self) -> None:
        await self._client.aclose()


class _Trace:
    """httpcore's trace hook: whether the request opened a new connection, began to go out and
    went out whole."""

    __slots__ = ("connected", "sending", "sent")

    def __init__(self) -> None:
        self.connected = self.sending = self.sent = False

    async def __call__(self, event: str, info: Mapping[str, object]) -> None:
        if event.startswith(("connection.connect_tcp", "connection.start_tls")):
            self.connected = True
        elif event.endswith("send_request_headers.started"):
            self.sending = True
        elif event.endswith("send_request_body.complete"):
            self.sent = True


class MockTransport:
    """Answers every request with `handler(request)` and keeps the requests in `requests`."""

    def __init__(self, handler: Callable[[Request], Response]) -> None:
        self.handler = handler
        self.requests: list[Request] = []

    def send(self, request: Request) -> Response:
        self.requests.append(request)
        return self.handler(request)

    def close(self) -> None:
        pass


class AsyncMockTransport:
    """The `AsyncClient` twin of `MockTransport`; `handler` may be a plain or an async function."""

    def __init__(
        self, handler: Callable[[Request], Response | Awaitable[Response]]
    ) -> None:
        self.handler = handler
        self.requests: list[Request] = []

    async def send(self, request: Request) -> Response:
        self.requests.append(request)
        response = self.handler(request)
        return await response if isinstance(response, Awaitable) else response

    async def aclose(self) -> None:
        pass
