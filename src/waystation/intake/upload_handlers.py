"""Uploads stay in memory, within limits, on the public side.

Django's default handlers write any upload larger than 2.5 MB to a temporary file:
plaintext on the server's disk, recoverable after deletion. This handler keeps every
upload in memory and stops reading once a file or the whole request passes its limit,
so the form can say which file was too large instead of failing.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from waystation.intake import conf

REQUEST_TOO_LARGE = "intake_request_too_large"


class LimitedUpload(InMemoryUploadedFile):
    """An uploaded file; ``too_large`` when only its first bytes were kept."""

    too_large: bool = False


class LimitedMemoryUploadHandler(FileUploadHandler):
    chunk_size = 64 * 1024

    def handle_raw_input(self, *args: Any, **kwargs: Any) -> None:
        self.limits = conf.limits()
        self.request_total = 0

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
