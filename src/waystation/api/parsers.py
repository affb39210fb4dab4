"""JSON bodies only, and small ones.

Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` guards ``request.body`` and form data, but
Django REST framework's parsers read the stream themselves; without this limit a
client could make a worker read and parse any amount of JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser


class BodyTooLarge(APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "too_large"


class LimitedJSONParser(BaseParser):
    media_type = "application/json"

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit: int = settings.WAYSTATION_API_MAX_BODY_BYTES
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            raise BodyTooLarge(f"The request body is limited to {limit:,} bytes.")
        try:
            parsed = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
            # "\ud800" is valid JSON but no text: a lone surrogate cannot be sealed (or
            # shown), so it is refused here rather than failing deep in a service.
            json.dumps(parsed, ensure_ascii=False).encode("utf-8")
        except (UnicodeError, ValueError, RecursionError):  # nested past the stack: refused
            raise ParseError("The request body is not valid JSON (UTF-8).") from None
        return parsed


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity: Python's extension only


class AgePackageParser(BaseParser):
    """The body of a referral sent in: the age file's bytes, as they are, up to
    ``WAYSTATION_API_MAX_PACKAGE_BYTES`` (the size the import page takes). Read whole
    into memory, as the page's upload is: the service checks it whole before storing."""

    media_type = "application/octet-stream"

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        limit: int = settings.WAYSTATION_API_MAX_PACKAGE_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH", "") if request is not None else ""
        if declared.isdigit() and int(declared) > limit:
            # Refused before a byte is read: the declared length is already too much.
            raise BodyTooLarge(f"A package is limited to {limit // (1024 * 1024)} MB.")
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            raise BodyTooLarge(f"A package is limited to {limit // (1024 * 1024)} MB.")
        return bytes(data)
