"""Moving bytes: a `Transport` turns a `Request` into a `Response` and nothing more.

No retries and no Slack semantics live here (see `_base`). The contract a transport keeps, so the
client can tell what is safe to retry: raise `ConnectFailed` when no connection could be opened
(the server never saw the request), `TimeoutError` when the server stopped answering, and another
`OSError` (such as `ConnectionError`) when the connection broke after the request went out.

`HttpTransport` (blocking, standard library) and `AsyncHttpTransport` (httpx) are the defaults;
each imports its HTTP stack when first built, so importing the package stays quick and the
blocking client never needs httpx. `MockTransport` and `AsyncMockTransport` answer from a
function, for tests that need no server: `Client(transport=MockTransport(handler))`.
"""

from __future__ import annotations

import select
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from ._package import ASYNC_EXTRA

if TYPE_CHECKING:
    import http.client
    import socket
    import ssl

    import httpx


class Request:
    """One HTTP request, built once per call and sent as is again on a retry. Read-only."""

    __slots__ = ("body", "headers", "idempotent", "method", "timeout", "url")

    def __init__(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | Streamed | None,
        timeout: float,
        idempotent: bool = False,
    ) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        """Seconds to wait to connect and for each read; not a deadline for the whole exchange."""
        self.idempotent = idempotent
        """Sending it twice does no harm, so a broken kept-alive connection may be retried."""

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
TRANSPORT_FAILURES = (ConnectFailed, OSError)


class Transport(Protocol):
    def send(self, request: Request) -> Response: ...

    def close(self) -> None: ...


class AsyncTransport(Protocol):
    async def send(self, request: Request) -> Response: ...

    async def aclose(self) -> None: ...


_Origin = tuple[str, str, int]  # scheme, host, port


class HttpTransport:
    """The default blocking transport: `http.client` with a pool of kept-alive connections.

    Consecutive calls reuse an idle connection and skip the TCP and TLS handshakes. When the
    server has closed a pooled connection, the request is sent again on a new one if that cannot
    do harm: it was not fully sent, or it is idempotent. For any other request the pooled
    connection is checked before use, so one the server closed while idle is replaced first.
    Safe to share between threads: each call takes a connection out of the pool and puts it back
    when the answer is read.
    """

    def __init__(
        self, max_idle: int = 10, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        import http.client  # noqa: F401  (loaded with the first blocking client, not the package)
        import threading

        self._max_idle = max_idle
        self._ssl_context = ssl_context
        self._idle: dict[_Origin, list[http.client.HTTPConnection]] = {}
        self._origins: dict[str, _Origin] = {}
        self._lock = threading.Lock()

    def send(self, request: Request) -> Response:
        import http.client  # already loaded: a lookup in sys.modules

        origin, target = self._split(request.url)
        connection = self._take_idle(origin, request)
        reused = connection is not None
        if connection is None:
            connection = self._connect(origin, request.timeout)
        try:
            try:
                answer = self._exchange(connection, request, target)
            except _NotAnswered as exc:
                if not (reused and (request.idempotent or not exc.sent)):
                    raise exc.cause from None
                connection.close()  # the server closed it while idle: once more, on a new one
                connection = self._connect(origin, request.timeout)
                try:
                    answer = self._exchange(connection, request, target)
                except _NotAnswered as again:
                    raise again.cause from None
        except OSError:
            connection.close()
            raise
        except http.client.HTTPException as exc:  # a malformed or truncated answer
            connection.close()
            raise ConnectionError(f"{type(exc).__name__}: {exc}") from exc
        except BaseException:
            connection.close()
            raise
        response, will_close = answer
        if will_close:
            connection.close()
        else:
            self._put_idle(origin, connection)
        return response

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    def _split(self, url: str) -> tuple[_Origin, str]:
        """(scheme, host, port) and the request target; each base URL is parsed only once."""
        slash = url.find("/", url.find("//") + 2)
        base, target = (url, "/") if slash < 0 else (url[:slash], url[slash:])
        origin = self._origins.get(base)
        if origin is None:
            parts = urlsplit(base)
            default_port = 443 if parts.scheme == "https" else 80
            origin = (parts.scheme, parts.hostname or "", parts.port or default_port)
            self._origins[base] = origin
        return origin, target

    @staticmethod
    def _exchange(
        connection: http.client.HTTPConnection, request: Request, target: str
    ) -> tuple[Response, bool]:
        try:
            connection.request(request.method, target, request.body, request.headers)
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise _NotAnswered(exc, sent=False) from None
        try:
            response = connection.getresponse()
        except ConnectionResetError as exc:  # http.client's RemoteDisconnected is one
            # not one byte of an answer came back
            raise _NotAnswered(exc, sent=True) from None
        body = response.read()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Response(response.status, headers, body), response.will_close

    def _take_idle(
        self, origin: _Origin, request: Request
    ) -> http.client.HTTPConnection | None:
        while True:
            with self._lock:
                idle = self._idle.get(origin)
                connection = idle.pop() if idle else None
            if connection is None:
                return None
            sock = connection.sock
            # A socket with something to read while idle was closed by the server (or broke the
            # protocol). Only worth a system call for a request that could not be sent again.
            if sock is not None and (request.idempotent or not _readable(sock)):
                if connection.timeout != request.timeout:
                    connection.timeout = request.timeout
                    sock.settimeout(request.timeout)
                return connection
            connection.close()

    def _connect(self, origin: _Origin, timeout: float) -> http.client.HTTPConnection:
        import http.client
        import socket
        import ssl

        scheme, host, port = origin
        connection: http.client.HTTPConnection
        if scheme == "https":
            if self._ssl_context is None:
                self._ssl_context = ssl.create_default_context()
            connection = http.client.HTTPSConnection(
                host, port, timeout=timeout, context=self._ssl_context
            )
        else:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            connection.connect()
        except ssl.SSLCertVerificationError:
            connection.close()
            raise  # retrying cannot fix a certificate
        except OSError as exc:
            connection.close()
            raise ConnectFailed(
                f"cannot connect to {host}:{port}: {exc}",
                timed_out=isinstance(exc, TimeoutError),
            ) from exc
        # requests are small: send them without Nagle's delay
        if connection.sock is not None:
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def _put_idle(
        self, origin: _Origin, connection: http.client.HTTPConnection
    ) -> None:
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self._max_idle:
                idle.append(connection)
                return
        connection.close()


class _NotAnswered(Exception):
    """The connection broke before any byte of the answer; `sent`: the request went out whole."""

    def __init__(self, cause: OSError, *, sent: bool) -> None:
        self.cause = cause
        self.sent = sent


def _readable(sock: socket.socket) -> bool:
    """Whether an idle socket has something to read: for a kept-alive HTTP connection, that
    means the server closed it."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([sock], [], [], 0)[0])


class AsyncHttpTransport:
    """The default transport of `AsyncClient`: an `httpx.AsyncClient`, which keeps connections
    alive. httpx is imported here, on first use, so the blocking client never needs it. Pass your
    own `httpx.AsyncClient` to set proxies, limits or an `httpx.MockTransport`; it is closed
    along with this transport."""

    def __init__(self, client: httpx.AsyncClient | None = None) -> None:
        try:
            import httpx
        except ImportError:
            raise ImportError(
                f"AsyncClient needs httpx, which is not installed: {ASYNC_EXTRA}"
            ) from None
        self._client = client or httpx.AsyncClient(
            limits=httpx.Limits(max_keepalive_connections=10)
        )

    async def send(self, request: Request) -> Response:
        import httpx

        try:
            try:
                response = await self._start(request)
            except httpx.RemoteProtocolError:
                # Like HttpTransport: a server that hung up before answering (often on a kept-alive
                # connection it had just closed) gets an idempotent request once more.
                if not request.idempotent:
                    raise
                response = await self._start(request)
            try:
                body = await response.aread()
            finally:
                await response.aclose()
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise ConnectFailed(
                f"cannot connect: {exc}",
                timed_out=isinstance(exc, httpx.TimeoutException),
            ) from exc
        except httpx.TimeoutException as exc:
            raise TimeoutError(str(exc) or type(exc).__name__) from exc
        except httpx.TransportError as exc:
            raise ConnectionError(f"{type(exc).__name__}: {exc}") from exc
        headers = {name.lower(): value for name, value in response.headers.items()}
        return Response(response.status_code, headers, body)

    async def _start(self, request: Request) -> httpx.Response:
        """Send the request and read the answer's head; the body is left to read."""
        outgoing = self._client.build_request(
            request.method,
            request.url,
            headers=request.headers,
            content=(
                request.body
                if request.body is None or isinstance(request.body, bytes)
                else request.body.aiter()  # read as httpx sends it
            ),
            timeout=request.timeout,
        )
        return await self._client.send(outgoing, stream=True)

    async def aclose(self) -> None:
        await self._client.aclose()


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
