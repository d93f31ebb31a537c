"""HTTP/1.1 on a blocking socket: write one request, read one answer, within limits.

The standard library's `http.client` trusts the server: it allocates a `Content-Length` up front
(`100000000000` is a MemoryError), takes a chunk size of `-5` (a ValueError), takes
`102 Processing` for the answer and bounds each read but not the exchange. This module reads
the answer itself so that every exchange keeps to a deadline and a size cap, interim answers
are skipped, and a malformed answer is a `ConnectionError`. Answers are small JSON documents
sent by one kind of server, so only what HTTP/1.1 servers send is read: a length, chunks, or
everything until the connection closes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    import socket

MAX_HEAD = 64 * 1024  # status line and headers of one answer
_READ = 64 * 1024
_HEX = frozenset(b"0123456789abcdefABCDEF")
_NO_BODY = frozenset({204, 304})


class ResponseTooLarge(Exception):
    """The answer is larger than the client accepts; `status_code` and `headers` are its head."""

    def __init__(
        self, limit: int, status_code: int = 0, headers: dict[str, str] | None = None
    ) -> None:
        self.limit = limit
        self.status_code = status_code
        self.headers = headers or {}
        super().__init__(f"the answer is larger than {limit} bytes")


class DeadlineExceeded(TimeoutError):
    """The whole exchange took longer than its deadline, though each wait was within its timeout."""


class NotSent(DeadlineExceeded):
    """The deadline passed before any byte of the request went out, so sending it again is safe
    (a stalled process, not a slow server, is the usual cause)."""


class NotAnswered(Exception):
    """The connection broke before any byte of the answer; `sent`: the request went out whole."""

    def __init__(self, cause: OSError, *, sent: bool) -> None:
        self.cause = cause
        self.sent = sent


class Wire:
    """One connection: its socket and the bytes read from it but not yet used.

    `deadline` (a `time.monotonic()` instant) bounds the whole exchange, `timeout` each wait
    for the server; `reusable` says whether another request may follow on this connection.
    """

    __slots__ = ("_buffer", "_timeout", "deadline", "reusable", "sock", "timeout")

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self.sock = sock
        self.timeout = timeout
        self.deadline = float("inf")
        self.reusable = True
        self._buffer = b""
        self._timeout: float | None = sock.gettimeout()

    def close(self) -> None:
        self.reusable = False
        self.sock.close()

    def idle(self) -> bool:
        """Whether the connection is still fit to carry a request: nothing left over from an
        earlier answer, and nothing (not even the server's close) waiting to be read."""
        pending = getattr(
            self.sock, "pending", None
        )  # bytes TLS decrypted but not handed out
        if not self.reusable or self._buffer or (pending is not None and pending()):
            return False
        return not _readable(self.sock)

    def send(self, data: bytes) -> None:
        self._wait_at_most()
        self._sendall(data)

    def _sendall(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except TimeoutError as exc:
            self._timed_out(exc)

    def exchange(
        self, data: bytes | Iterable[bytes], method: str, max_size: int
    ) -> tuple[int, dict[str, str], bytes]:
        """Send `data` (a whole request, or its pieces: a head, then a body streamed from
        disk) and read the answer; raise `NotAnswered` when the connection broke before the
        first byte of the answer, and `NotSent` when the deadline passed before the first
        byte of the request."""
        try:
            self._wait_at_most()
        except DeadlineExceeded:
            raise NotSent("the deadline passed before the request was sent") from None
        try:
            for index, piece in enumerate((data,) if isinstance(data, bytes) else data):
                if index:
                    self._wait_at_most()
                self._sendall(piece)
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise NotAnswered(exc, sent=False) from None
        try:
            if not self._buffer and not self._fill():
                raise NotAnswered(
                    ConnectionResetError("closed without an answer"), sent=True
                )
        except ConnectionResetError as exc:
            raise NotAnswered(exc, sent=True) from None
        return self.response(method, max_size)

    def response(self, method: str, max_size: int) -> tuple[int, dict[str, str], bytes]:
        """Read one answer: interim (1xx) answers are skipped, the body is capped at `max_size`."""
        while True:
            status, headers, version = self._head()
            if status >= 200:
                break
            if status == 101:
                raise ConnectionError("the server switched protocols unasked")
        connection = headers.get("connection", "").lower()
        if "close" in connection or (
            version == "HTTP/1.0" and "keep-alive" not in connection
        ):
            self.reusable = False
        if (
            method == "HEAD"
            or status in _NO_BODY
            or (method == "CONNECT" and status < 300)
        ):
            body = b""
        elif "transfer-encoding" in headers:
            if (
                headers["transfer-encoding"].lower().rsplit(",", 1)[-1].strip()
                != "chunked"
            ):
                raise ConnectionError("unsupported Transfer-Encoding")
            body = self._chunked(max_size, status, headers)
        elif "content-length" in headers:
            length = headers["content-length"]
            if not length.isdigit() or not length.isascii():
                raise ConnectionError(f"bad Content-Length {length[:20]!r}")
            if int(length) > max_size:
                raise ResponseTooLarge(max_size, status, headers)
            body = self._exactly(int(length))
        else:
            self.reusable = False
            body = self._until_close(max_size, status, headers)
        if self._buffer:
            # more than the answer came: a server out of step with its requests
            self.reusable = False
        encoding = headers.get("content-encoding")
        if encoding and body:
            inflate = Inflate(encoding, max_size, status, headers)
            body = inflate.feed(body) + inflate.flush()
        return status, headers, body

    def _head(self) -> tuple[int, dict[str, str], str]:
        end = self._buffer.find(b"\r\n\r\n")
        while end < 0:
            if len(self._buffer) > MAX_HEAD:
                raise ConnectionError("the answer's head is too long")
            if not self._fill():
                raise ConnectionError(
                    "the connection closed in the middle of an answer"
                )
            end = self._buffer.find(b"\r\n\r\n")
        head, self._buffer = self._buffer[:end], self._buffer[end + 4 :]
        if len(head) > MAX_HEAD:
            raise ConnectionError("the answer's head is too long")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        status = parts[1] if len(parts) > 1 else ""
        if (
            not parts[0].startswith("HTTP/1.")
            or len(status) != 3
            or not status.isdigit()
        ):
            raise ConnectionError(f"not an HTTP/1.1 status line: {lines[0][:40]!r}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip() or not name.isprintable():
                raise ConnectionError(f"malformed header line {line[:40]!r}")
            name = name.lower()
            value = value.strip()
            framing = name in ("content-length", "transfer-encoding")
            if framing and name in headers and headers[name] != value:
                raise ConnectionError(f"conflicting {name} headers")
            headers[name] = value
        return int(status), headers, parts[0]

    def _chunked(self, max_size: int, status: int, headers: dict[str, str]) -> bytes:
        pieces: list[bytes] = []
        size = 0
        while True:
            line = self._line()
            digits = line.split(b";", 1)[0].strip()
            if not digits or len(digits) > 16 or not _HEX.issuperset(digits):
                raise ConnectionError(f"bad chunk size {line[:20]!r}")
            length = int(digits, 16)
            if length == 0:
                while self._line():  # trailers, up to the blank line
                    pass
                return b"".join(pieces)
            size += length
            if size > max_size:
                raise ResponseTooLarge(max_size, status, headers)
            pieces.append(self._exactly(length))
            if self._exactly(2) != b"\r\n":
                raise ConnectionError("a chunk does not end with CRLF")

    def _line(self) -> bytes:
        end = self._buffer.find(b"\r\n")
        while end < 0:
            if len(self._buffer) > MAX_HEAD:
                raise ConnectionError("a chunk line is too long")
            if not self._fill():
                raise ConnectionError(
                    "the connection closed in the middle of an answer"
                )
            end = self._buffer.find(b"\r\n")
        line, self._buffer = self._buffer[:end], self._buffer[end + 2 :]
        return line

    def _exactly(self, length: int) -> bytes:
        if (
            len(self._buffer) >= length
        ):  # the usual case: the whole answer came in one read
            data, self._buffer = self._buffer[:length], self._buffer[length:]
            return data
        pieces = [self._buffer]
        missing = length - len(self._buffer)
        self._buffer = b""
        while missing > 0:
            data = self._recv(min(missing, 1024 * 1024))
            if not data:
                raise ConnectionError(
                    "the connection closed in the middle of an answer"
                )
            pieces.append(data)
            missing -= len(data)
        return b"".join(pieces)

    def _until_close(
        self, max_size: int, status: int, headers: dict[str, str]
    ) -> bytes:
        pieces = [self._buffer]
        size = len(self._buffer)
        self._buffer = b""
        while True:
            if size > max_size:
                raise ResponseTooLarge(max_size, status, headers)
            data = self._recv(_READ)
            if not data:
                return b"".join(pieces)
            pieces.append(data)
            size += len(data)

    def _fill(self) -> bool:
        """Read more into the buffer; False when the server closed the connection."""
        data = self._recv(_READ)
        self._buffer += data
        return bool(data)

    def _recv(self, size: int) -> bytes:
        self._wait_at_most()
        try:
            return self.sock.recv(size)
        except TimeoutError as exc:
            self._timed_out(exc)

    def _timed_out(self, exc: TimeoutError) -> NoReturn:
        """Re-raise a socket timeout as the deadline's, if the deadline cut the wait short."""
        if self._timeout is not None and self._timeout < self.timeout:
            raise DeadlineExceeded(
                "the exchange took longer than its deadline"
            ) from None
        raise exc

    def _wait_at_most(self) -> None:
        """Set the socket's timeout: `timeout`, or what is left of the deadline if less."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded("the exchange took longer than its deadline")
        wait = min(left, self.timeout)
        if wait != self._timeout:
            self.sock.settimeout(wait)
            self._timeout = wait


class Inflate:
    """Undo a gzip or deflate `Content-Encoding` a piece at a time, never past `max_size`
    bytes, so a small compressed answer cannot inflate into gigabytes. The client asks for no
    compression; this is for servers that compress anyway. Other encodings pass unchanged.
    """

    def __init__(
        self, encoding: str, max_size: int, status: int, headers: dict[str, str]
    ) -> None:
        import zlib

        encoding = encoding.strip().lower()
        self._zlib = zlib
        self._inflater = (
            zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib, from the header
            if encoding in ("gzip", "x-gzip", "deflate")
            else None
        )
        self._left = self._max_size = max_size
        self._status = status
        self._headers = headers

    def feed(self, data: bytes) -> bytes:
        if self._inflater is None:
            return self._count(data)
        pieces = []
        try:
            while data:
                piece = self._inflater.decompress(data, self._left + 1)
                pieces.append(self._count(piece))
                data = self._inflater.unconsumed_tail
        except self._zlib.error as exc:
            raise ConnectionError(f"cannot decompress the answer: {exc}") from None
        return b"".join(pieces)

    def flush(self) -> bytes:
        return b"" if self._inflater is None else self._count(self._inflater.flush())

    def _count(self, data: bytes) -> bytes:
        self._left -= len(data)
        if self._left < 0:
            raise ResponseTooLarge(self._max_size, self._status, self._headers)
        return data


def _readable(sock: socket.socket) -> bool:
    """Whether an idle socket has something to read: for a kept-alive HTTP connection, that
    means the server closed it or sent what nobody asked for."""
    import select

    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([sock], [], [], 0)[0])
