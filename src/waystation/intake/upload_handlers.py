"""Uploads stay in memory, within limits, on the public side, and arrive whole or not
at all.

Django's default handlers write any upload larger than 2.5 MB to a temporary file:
plaintext on the server's disk, recoverable after deletion. This handler keeps every
upload in memory and stops reading once a file or the whole request passes its limit,
so the form can say which file was too large instead of failing.

A body cut short (a connection dropped on a bad network, a proxy that gave up) still
parses: Django drops the file whose end never came, and a part whose headers were cut
is skipped, so the request would be "received" without its file and the person would
never know. The handler watches the raw body as Django reads it (:class:`BodyCheck`)
and marks the request when the closing boundary never came or a part was broken; the
views then refuse the whole form and store nothing.
"""

from __future__ import annotations

import io
from typing import IO, Any, cast

from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http.multipartparser import MultiPartParser

from waystation.intake import conf

REQUEST_TOO_LARGE = "intake_request_too_large"
BODY_INCOMPLETE = "intake_body_incomplete"
# Far beyond what Django accepts as one part's headers (it raises past 10 KB or so).
_PART_HEADER_MAX = 64 * 1024


class BodyCheck:
    """Reads a multipart body through, noting whether every part has its headers and
    the body ends with its closing delimiter (``--boundary--``).

    It splits on the delimiter as Django's parser does, so the two agree on what a part
    is; it keeps no more than a part's headers (bounded) between reads."""

    def __init__(self, stream: Any, boundary: bytes) -> None:
        self._stream = stream
        self._delimiter = b"--" + boundary
        self._pending = b""
        self._in_headers = False
        self.closed = False
        self.broken = False

    @property
    def complete(self) -> bool:
        return self.closed and not self.broken

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if data:
            self._scan(data)
        else:
            self._end()
        return bytes(data)

    def _scan(self, chunk: bytes) -> None:
        if self.closed:
            return  # after the closing delimiter comes an epilogue, which means nothing
        data = self._pending + chunk
        position = 0
        delimiter = self._delimiter
        while True:
            if self._in_headers:
                header_end = data.find(b"\r\n\r\n", position)
                next_part = data.find(delimiter, position)
                if next_part != -1 and (header_end == -1 or next_part < header_end):
                    self.broken = True  # the part ended before its headers did
                    self._in_headers = False
                    position = next_part
                    continue
                if header_end != -1:
                    self._in_headers = False
                    position = header_end + 4
                    continue
                if len(data) - position > _PART_HEADER_MAX:
                    # Django refuses headers this long itself; keep nothing more.
                    self.broken = True
                    self._in_headers = False
                    continue
                self._pending = data[position:]
                return
            found = data.find(delimiter, position)
            if found == -1:
                # Keep what could be the start of a delimiter split across reads.
                self._pending = data[max(position, len(data) - len(delimiter) - 1) :]
                return
            after = found + len(delimiter)
            if len(data) < after + 2:
                self._pending = data[found:]
                return
            if data[after : after + 2] == b"--":
                self.closed = True
                self._pending = b""
                return
            self._in_headers = True
            position = after

    def _end(self) -> None:
        if self._in_headers:
            self.broken = True  # the body ended inside a part's headers
        self._pending = b""


class LimitedUpload(InMemoryUploadedFile):
    """An uploaded file; ``too_large`` when only its first bytes were kept."""

    too_large: bool = False


class LimitedMemoryUploadHandler(FileUploadHandler):
    chunk_size = 64 * 1024
    _parsing = False

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],  # Django's name
        content_length: int,
        boundary: str | bytes,  # bytes, whatever the type stubs say
        encoding: str | None = None,
    ) -> tuple[Any, Any] | None:
        if self._parsing:
            return None  # the parse below, run by Django's own parser
        self.limits = conf.limits()
        self.request_total = 0
        # Django's parser, reading through the check: the documented way for a handler
        # to take over the parsing of the raw input.
        check = BodyCheck(
            input_data, boundary if isinstance(boundary, bytes) else boundary.encode()
        )
        handlers = self.request.upload_handlers if self.request is not None else [self]
        self._parsing = True
        try:
            post, files = MultiPartParser(META, cast(IO[bytes], check), handlers, encoding).parse()
        finally:
            self._parsing = False
        if not check.complete and self.request is not None:
            setattr(self.request, BODY_INCOMPLETE, True)
        return post, files

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.file_total = 0
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.request_total += len(raw_data)
        self.file_total += len(raw_data)
        if self.request_total > self.limits.max_request_bytes:
            if self.request is not None:
                setattr(self.request, REQUEST_TOO_LARGE, True)
            raise StopUpload(connection_reset=True)
        if self.file_total > self.limits.max_file_bytes:
            self.too_large = True
        elif not self.too_large:
            self.buffer.write(raw_data)
        return None

    def upload_interrupted(self) -> None:
        # The last file's end never came (the body ended inside it).
        if self.request is not None:
            setattr(self.request, BODY_INCOMPLETE, True)

    def file_complete(self, file_size: int) -> UploadedFile | None:
        self.buffer.seek(0)
        upload = LimitedUpload(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.file_total,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
        upload.too_large = self.too_large
        return upload
