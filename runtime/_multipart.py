"""Files in requests: multipart/form-data bodies streamed from memory, disk or a file object.

A file argument takes bytes, a path (`os.PathLike`), a binary file object, or an `Upload` that
wraps one of those with a filename and a content type. The body is never assembled in memory:
`MultipartBody` knows its length up front (so it goes out with `Content-Length`, not chunked) and
yields the parts piece by piece each time it is iterated, so a retry sends it again from the start.
The blocking client hands it to `http.client`, which writes each piece as it comes; the async
client gives httpx `MultipartBody.aiter()`. A file object that cannot seek is first copied to a
temporary file (in memory up to 1 MiB), so its length is known and memory stays flat.
"""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any, TypeAlias

from ._encoding import form_value, utf8
from ._errors import SlackError
from ._package import USER_AGENT
from ._transport import TRANSPORT_FAILURES, Request, Response

if TYPE_CHECKING:
    from ._base import AsyncBaseClient, BaseClient, Endpoint

CHUNK = 256 * 1024
_SPOOL_IN_MEMORY = 1024 * 1024


class Upload:
    """A file with the name and content type to send it under (guessed when not given)."""

    __slots__ = ("content", "content_type", "filename", "title")

    def __init__(
        self,
        content: bytes | os.PathLike[str] | IO[bytes],
        *,
        filename: str | None = None,
        content_type: str | None = None,
        title: str | None = None,
    ) -> None:
        if isinstance(content, Upload):
            raise TypeError("an Upload cannot wrap another Upload")
        self.content = content
        self.filename = filename
        self.content_type = content_type
        self.title = (
            title  # shown in Slack, by `files.upload_files` (default: the filename)
        )

    def __repr__(self) -> str:
        return f"Upload(filename={self.filename!r}, content_type={self.content_type!r})"


FileInput: TypeAlias = "bytes | os.PathLike[str] | IO[bytes] | Upload"


class FileSource:
    """One file to send: its bytes on demand (from the start each time), its length and name."""

    def __init__(self, value: FileInput, default_name: str = "file") -> None:
        upload = value if isinstance(value, Upload) else Upload(value)
        content = upload.content
        self._data: bytes | None = None
        self._path: str | None = None
        self._file: IO[bytes] | None = None
        self._start = 0
        name: str | None = None
        if isinstance(content, (bytes, bytearray, memoryview)):
            self._data = bytes(content)
            self.length = len(self._data)
        elif isinstance(content, os.PathLike):
            self._path = os.fspath(content)
            self.length = os.stat(self._path).st_size
            name = os.path.basename(self._path)
        elif isinstance(content, io.TextIOBase):
            raise TypeError("a file argument must be opened in binary mode ('rb')")
        elif hasattr(content, "read"):
            self._file, self.length = _seekable(content)
            self._start = self._file.tell()
            file_name = getattr(content, "name", None)
            name = os.path.basename(file_name) if isinstance(file_name, str) else None
        else:
            raise TypeError(
                "a file argument must be bytes, a path (os.PathLike), a binary file object"
                f" or an Upload, not {type(content).__name__}"
            )
        self.filename = upload.filename or name or default_name
        self.content_type = upload.content_type or _guess_type(self.filename)
        self.title = upload.title

    def __iter__(self) -> Iterator[bytes]:
        return self.chunks()

    async def aiter(self) -> AsyncIterator[bytes]:
        for piece in self.chunks():
            yield piece

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes, from its start, `CHUNK` at a time; exactly `length` of them."""
        if self._data is not None:
            view = memoryview(self._data)
            for offset in range(0, self.length, CHUNK):
                yield bytes(view[offset : offset + CHUNK])
            return
        if self._path is not None:
            with open(self._path, "rb") as file:
                yield from _read_exactly(file, self.length, self._path)
            return
        assert self._file is not None
        self._file.seek(self._start)
        yield from _read_exactly(self._file, self.length, self.filename)


class MultipartBody:
    """A multipart/form-data body: text fields and files, streamed, with a known length."""

    def __init__(self, fields: list[tuple[str, str | FileSource]]) -> None:
        import secrets

        self.boundary = "----slack-" + secrets.token_hex(16)
        self._parts: list[tuple[bytes, str | FileSource]] = []
        length = 0
        for name, value in fields:
            head = self._head(name, value)
            self._parts.append((head, value))
            size = (
                value.length
                if isinstance(value, FileSource)
                else len(utf8(name, value))
            )
            length += len(head) + size + 2  # CRLF after each part's content
        self._tail = f"--{self.boundary}--\r\n".encode()
        self.length = length + len(self._tail)

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": f"multipart/form-data; boundary={self.boundary}",
            "Content-Length": str(self.length),
        }

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[bytes]:
        for head, value in self._parts:
            if isinstance(value, FileSource):
                yield head
                yield from value.chunks()
                yield b"\r\n"
            else:
                yield head + value.encode() + b"\r\n"
        yield self._tail

    async def aiter(self) -> AsyncIterator[bytes]:
        """The same pieces for httpx; each is read from disk as it is needed."""
        for piece in self:
            yield piece

    def _head(self, name: str, value: str | FileSource) -> bytes:
        disposition = f'form-data; name="{_quoted(name)}"'
        head = f"--{self.boundary}\r\nContent-Disposition: {disposition}"
        if isinstance(value, FileSource):
            head += f'; filename="{_quoted(value.filename)}"\r\nContent-Type: {value.content_type}'
        return utf8(name, head + "\r\n\r\n")


def multipart_body(arguments: Mapping[str, Any], endpoint: Endpoint) -> MultipartBody:
    """The body of a call: the endpoint's file arguments as files, the others as text fields
    encoded as in a form (JSON for structured fields, commas for lists)."""
    fields: list[tuple[str, str | FileSource]] = []
    for key, value in arguments.items():
        if value is None:
            continue
        if key in endpoint.files:
            fields.append((key, FileSource(value, key)))
        else:
            fields.append((key, form_value(key, value, endpoint.json_fields)))
    return MultipartBody(fields)


def _seekable(file: IO[bytes]) -> tuple[IO[bytes], int]:
    """The file and the bytes left in it; one that cannot seek is copied to a temporary file."""
    try:
        if file.seekable():
            start = file.tell()
            end = file.seek(0, os.SEEK_END)
            file.seek(start)
            return file, end - start
    except (AttributeError, OSError):
        pass
    import shutil
    import tempfile

    # open for as long as the body may be sent (again); closed when collected
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115
    shutil.copyfileobj(file, spool, CHUNK)
    length = spool.tell()
    spool.seek(0)
    return spool, length


def _read_exactly(file: IO[bytes], length: int, name: str) -> Iterator[bytes]:
    left = length
    while left > 0:
        chunk = file.read(min(CHUNK, left))
        if not chunk:
            raise OSError(f"{name} ended {left} bytes short of the {length} it had")
        left -= len(chunk)
        yield chunk


def _quoted(text: str) -> str:
    """A name inside a quoted header parameter, as browsers send it (WHATWG HTML)."""
    return text.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def _guess_type(filename: str) -> str:
    import mimetypes

    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


class SlackUploadError(SlackError):
    """`files.upload_files` failed: `filename` names the file (or files), `step` the step that
    failed (`files.getUploadURLExternal`, `upload` of the bytes, `files.completeUploadExternal`),
    and `error` (also the `__cause__`) what went wrong, when it was another `SlackError`.
    """

    def __init__(
        self, filename: str, step: str, problem: str, error: SlackError | None = None
    ) -> None:
        self.method = step
        self.filename = filename
        self.step = step
        self.error = error
        super().__init__(f"uploading {filename!r} failed at {step}: {problem}")


def prepared(value: FileInput) -> FileSource:
    """A file for `files.upload_files`; an unreadable one is an error naming it."""
    try:
        return FileSource(value)
    except OSError as exc:
        name = os.fspath(value) if isinstance(value, os.PathLike) else repr(value)[:60]
        raise SlackUploadError(str(name), "read", str(exc)) from exc


def upload_request(url: Any, source: FileSource, timeout: float) -> Request:
    """The POST of a file's bytes to the pre-signed `upload_url`: no token (the URL is the
    credential), and only over https, or plain http to this machine."""
    from urllib.parse import urlsplit

    from ._base import _is_loopback

    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or not parts.hostname or parts.scheme not in ("http", "https"):
        raise SlackUploadError(
            source.filename, "upload", "Slack sent no usable upload_url"
        )
    if parts.scheme != "https" and not _is_loopback(parts.hostname):
        raise SlackUploadError(
            source.filename,
            "upload",
            f"refusing to send the file over plain http to {parts.hostname}",
        )
    headers = {
        "Content-Type": "application/octet-stream",
        "Content-Length": str(source.length),
        "User-Agent": USER_AGENT,
    }
    return Request("POST", url, headers, source, timeout)


def uploaded(source: FileSource, response: Response) -> None:
    """Raise unless the upload host took the file (any 2xx answer)."""
    if not 200 <= response.status_code < 300:
        excerpt = " ".join(response.body[:200].decode("utf-8", "replace").split())
        raise SlackUploadError(
            source.filename,
            "upload",
            f"HTTP {response.status_code}" + (f": {excerpt!r}" if excerpt else ""),
        )


def upload_failed(source: FileSource, exc: BaseException) -> SlackUploadError:
    return SlackUploadError(source.filename, "upload", f"{type(exc).__name__}: {exc}")


def send_file(client: BaseClient, url: Any, source: FileSource) -> None:
    """POST the file to `url` on the client's transport (blocking)."""
    request = upload_request(url, source, client.timeout)
    try:
        response = client._transport.send(request)
    except TRANSPORT_FAILURES as exc:
        raise upload_failed(source, exc) from exc
    uploaded(source, response)


async def asend_file(client: AsyncBaseClient, url: Any, source: FileSource) -> None:
    """POST the file to `url` on the client's transport (async)."""
    request = upload_request(url, source, client.timeout)
    try:
        response = await client._transport.send(request)
    except TRANSPORT_FAILURES as exc:
        raise upload_failed(source, exc) from exc
    uploaded(source, response)
