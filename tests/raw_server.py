"""A hostile server on 127.0.0.1: raw sockets, so a test controls every byte sent back.

Each connection is handed to `play(conn)` in its own thread; `conn.request()` reads one request
(head and body), `conn.send()` writes anything at all. Every request read is recorded, and
every connection counted, so tests can tell what the client sent and how often it connected.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Self


class Conn:
    """One accepted connection."""

    def __init__(self, sock: socket.socket, server: RawServer) -> None:
        self.sock = sock
        self.server = server
        self._buffer = b""

    def request(self) -> bytes | None:
        """The next request's head and body, or None when the client closed the connection."""
        while b"\r\n\r\n" not in self._buffer:
            data = self._recv()
            if not data:
                return None
            self._buffer += data
        head, _, rest = self._buffer.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            data = self._recv()
            if not data:
                return None
            rest += data
        request, self._buffer = head + b"\r\n\r\n" + rest[:length], rest[length:]
        self.server.requests.append(request)
        return request

    def send(self, data: bytes) -> bool:
        """Write `data`; False when the client has gone."""
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def dribble(self, data: bytes, every: float) -> None:
        """Write `data` one byte at a time, `every` seconds apart, until the client goes."""
        for index in range(len(data)):
            if self.server.stopped.is_set() or not self.send(data[index : index + 1]):
                return
            time.sleep(every)

    def _recv(self) -> bytes:
        try:
            return self.sock.recv(65536)
        except OSError:
            return b""


def response(status: int, body: bytes, *headers: str, reason: str = "OK") -> bytes:
    """One whole HTTP/1.1 answer with a Content-Length."""
    head = [f"HTTP/1.1 {status} {reason}", "Content-Type: application/json", *headers,
            f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


class RawServer:
    """`with RawServer(play) as server:`; `server.url` is the base URL."""

    def __init__(self, play: Callable[[Conn], None]) -> None:
        self.play = play
        self.requests: list[bytes] = []
        self.connections = 0
        self.stopped = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=512)
        self._listener.settimeout(0.05)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._open: list[socket.socket] = []

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._listener.getsockname()[:2]
        return host, port

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}/"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopped.set()
        self._thread.join(2)
        self._listener.close()
        for sock in list(self._open):
            try:
                sock.close()
            except OSError:
                pass

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.connections += 1
            self._open.append(sock)
            threading.Thread(target=self._run, args=(sock,), daemon=True).start()

    def _run(self, sock: socket.socket) -> None:
        try:
            self.play(Conn(sock, self))
        except OSError:
            pass
        finally:
            try:
                sock.close()
            except OSError:
                pass


def answer_every_request(*answers: bytes, keep_open: bool = True) -> Callable[[Conn], None]:
    """A `play` that sends the given answers, one per request, the last one for all after."""

    def play(conn: Conn) -> None:
        index = 0
        while conn.request() is not None:
            conn.send(answers[min(index, len(answers) - 1)])
            index += 1
            if not keep_open:
                return

    return play
