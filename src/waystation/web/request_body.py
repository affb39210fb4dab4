"""The staff process reads each request's body to its end before it answers.

Django refuses a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` without reading it
(``RequestDataTooBig``, whose page says what happened). If the server then closed the
connection while the browser was still sending, the kernel would answer the unread
bytes with a reset, and the person would see "connection reset" instead of the page
(a megabyte of Cyrillic is six megabytes once a form encodes it). So whatever the
application left unread is read and thrown away before the answer goes out, up to
:data:`DRAIN_LIMIT`; a body announced larger than that is not waited for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

# Enough for a million characters of any script once form-encoded (up to 4 bytes each,
# each byte sent as "%XX"), and small enough that reading it to throw it away costs a
# worker well under a second.
DRAIN_LIMIT = 16 * 1024 * 1024
_CHUNK = 64 * 1024

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _CountedInput:
    """``wsgi.input`` that knows how much of the announced body is still unread."""

    def __init__(self, stream: BinaryIO, length: int) -> None:
        self._stream = stream
        self.left = length

    def _size(self, size: int | None) -> int:
        return self.left if size is None or size < 0 else min(size, self.left)

    def read(self, size: int | None = -1) -> bytes:
        if self.left <= 0:
            return b""
        data = self._stream.read(self._size(size))
        self.left = 0 if not data else self.left - len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        if self.left <= 0:
            return b""
        line = self._stream.readline(self._size(size))
        self.left = 0 if not line else self.left - len(line)
        return line

    def readlines(self, hint: int = -1) -> list[bytes]:
        return list(iter(self.readline, b""))

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")

    def drain(self) -> None:
        try:
            while self.left > 0 and self.read(_CHUNK):
                pass
        except OSError:  # the client went away: nothing left to be polite to
            self.left = 0


def _announced_length(environ: dict[str, Any]) -> int:
    try:
        return max(int(environ.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class DrainRequestBody:
    """WSGI wrapper around the staff application (``waystation.wsgi``)."""

    def __init__(self, application: WSGIApp) -> None:
        self.application = application

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        length = _announced_length(environ)
        if length == 0 or length > DRAIN_LIMIT or "wsgi.input" not in environ:
            return self.application(environ, start_response)
        body = _CountedInput(environ["wsgi.input"], length)
        environ["wsgi.input"] = body
        try:
            return self.application(environ, start_response)
        finally:
            # Before the server sends a byte of the answer: it sends when we return.
            body.drain()
