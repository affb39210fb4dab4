"""Checking and cleaning files that applicants upload.

A photo taken on a phone carries the place it was taken (GPS), the phone's model and
serial numbers, sometimes a thumbnail of the uncropped picture; a PDF carries its
author's name, software and edit history. If the server is seized, or a request is
forwarded to a partner, all of that could identify the applicant. So every accepted file
is *rebuilt* by a maintained library rather than filtered:

- images (JPEG, PNG, WebP): decoded by Pillow, turned upright by their EXIF orientation,
  copied pixel by pixel into a fresh image that has no metadata at all, and encoded again.
  Whatever followed the picture (a "motion photo" video, a vendor trailer) is dropped.
- PDF: parsed by pypdf; its pages are copied into a new document without the document
  information dictionary, XMP streams, thumbnails or page-level metadata, and every JPEG
  picture inside is re-encoded by Pillow, which drops its EXIF/GPS.

A file is judged by its *content* (magic bytes, then the library parsing it), never by
the name or type the browser sent; when the two disagree it is refused, as are files
with another format hidden inside (polyglots), damaged or truncated files, decompression
bombs, encrypted PDFs and PDFs with scripts or automatic actions. Every refusal carries a
message that the applicant can act on.

The checks here look at the bytes as sent; the rebuild itself (:mod:`rebuild`,
:mod:`rebuild_pdf`) runs in a child process with limits on CPU time, memory and
wall-clock time (:mod:`sandbox`), within a budget of decoded bytes and pixels
(:mod:`pdf_budget`) that stops a bomb after a few megabytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from waystation.intake import conf, rebuild, sandbox


class UploadRefused(Exception):
    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class CleanFile:
    kind: str  # "image" or "pdf"
    content_type: str
    extension: str
    data: bytes

    def __repr__(self) -> str:
        return f"<CleanFile {self.content_type} {len(self.data)} bytes>"


# Detected format -> (MIME type, extension, what the rebuild calls it).
_FORMATS = {
    "jpeg": ("image/jpeg", "jpg", "JPEG"),
    "png": ("image/png", "png", "PNG"),
    "webp": ("image/webp", "webp", "WEBP"),
    "pdf": ("application/pdf", "pdf", "PDF"),
}
# What a browser may claim, mapped to our formats. Anything else is refused by content.
_CLAIMED_BY_EXTENSION = {
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "jpe": "jpeg",
    "jfif": "jpeg",
    "png": "png",
    "webp": "webp",
    "pdf": "pdf",
}
_CLAIMED_BY_TYPE = {
    "image/jpeg": "jpeg",
    "image/pjpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
# Extensions of formats we refuse but that a file could pretend to be.
_OTHER_EXTENSIONS = frozenset(
    [
        "gif",
        "bmp",
        "tif",
        "tiff",
        "heic",
        "heif",
        "svg",
        "html",
        "htm",
        "xhtml",
        "js",
        "zip",
        "rar",
        "7z",
        "exe",
        "apk",
        "doc",
        "docx",
        "odt",
        "rtf",
        "txt",
        "mp4",
        "mov",
        "avi",
        "mp3",
        "m4a",
        "ogg",
    ]
)

# Signs of another format hidden inside a file. Markup is looked for anywhere (a browser
# that sniffs would run it); archives, executables and PDFs anywhere after the real data
# of an image (that is where polyglots put them).
_MARKUP = (b"<script", b"<html", b"<svg", b"<?php", b"<iframe", b"<!doctype html", b"<body")
_EMBEDDED = (b"%PDF-", b"PK\x03\x04", b"PK\x05\x06", b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c")
_EXECUTABLE_HEADS = (b"MZ", b"\x7fELF")


def detect(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    return None


def _claimed(name: str, content_type: str) -> set[str]:
    """The formats the browser's name and type point at; 'other' for a known format we
    do not take; empty when they say nothing useful (no extension, octet-stream)."""
    claims: set[str] = set()
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension in _CLAIMED_BY_EXTENSION:
        claims.add(_CLAIMED_BY_EXTENSION[extension])
    elif extension in _OTHER_EXTENSIONS:
        claims.add("other")
    base_type = content_type.split(";", 1)[0].strip().lower()
    if base_type in _CLAIMED_BY_TYPE:
        claims.add(_CLAIMED_BY_TYPE[base_type])
    elif base_type and base_type not in {"application/octet-stream", "binary/octet-stream"}:
        claims.add("other")
    return claims


def clean_upload(*, name: str, content_type: str, data: bytes) -> CleanFile:
    """Check one uploaded file and return a rebuilt copy without metadata, or raise
    :class:`UploadRefused` with a message for the applicant."""
    limits = conf.limits()
    if not data:
        raise UploadRefused(_("The file “%(name)s” is empty.") % {"name": _short(name)})
    if len(data) > limits.max_file_bytes:
        raise UploadRefused(_too_large(name, limits.max_file_bytes))
    detected = detect(data)
    if detected is None:
        raise UploadRefused(
            _("The file “%(name)s” is not a photo (JPEG, PNG, WebP) or a PDF.")
            % {"name": _short(name)}
        )
    claims = _claimed(name, content_type)
    if claims and claims != {detected}:
        raise UploadRefused(
            _("The file “%(name)s” is not what its name says it is. Please send the original.")
            % {"name": _short(name)}
        )
    _refuse_hidden_content(name, data, detected)
    mime, extension, kind = _FORMATS[detected]
    cleaned = _rebuild(name, kind, data, limits)
    return CleanFile("pdf" if kind == "PDF" else "image", mime, extension, cleaned)


def _short(name: str) -> str:
    # Shown back to the applicant, escaped by the template; never stored.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return name if len(name) <= 60 else name[:57] + "…"


def _too_large(name: str, limit: int) -> str:
    return str(
        _("The file “%(name)s” is too large: each file may be at most %(mb)s MB.")
        % {"name": _short(name), "mb": _megabytes(limit)}
    )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.0f}" if size >= 1_000_000 else f"{size / 1_000_000:.1f}"


def _polyglot(name: str) -> UploadRefused:
    return UploadRefused(
        _(
            "The file “%(name)s” has another kind of file hidden inside it, so we cannot "
            "accept it. Please send a plain photo or PDF."
        )
        % {"name": _short(name)}
    )


def _refuse_hidden_content(name: str, data: bytes, detected: str) -> None:
    lowered = data.lower()
    if any(marker in lowered for marker in _MARKUP):
        raise _polyglot(name)
    if detected == "pdf":
        # Everything after the last end-of-file marker is ignored by readers; polyglots
        # put an archive or a page there.
        end = data.rfind(b"%%EOF")
        if end == -1:
            raise _damaged(name)
        if len(data[end + 5 :].strip()) > 32:
            raise _polyglot(name)
        return
    # Images: another format's signature inside a picture, or an executable at the end.
    if any(marker in data for marker in (b"%PDF-", b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c")):
        raise _polyglot(name)
    tail = data[-65_536:]
    if b"PK\x05\x06" in tail:  # a ZIP's end-of-central-directory: a ZIP reader opens it
        raise _polyglot(name)
    end_marker = {"jpeg": b"\xff\xd9", "png": b"IEND\xaeB`\x82"}.get(detected)
    if end_marker is not None:
        end = data.find(end_marker) if detected == "png" else data.rfind(end_marker)
        trailing = data[end + len(end_marker) :] if end != -1 else b""
        if trailing.startswith((*_EXECUTABLE_HEADS, b"PK\x03\x04")) or b"PK\x03\x04" in trailing:
            raise _polyglot(name)


def _damaged(name: str) -> UploadRefused:
    return UploadRefused(
        _("The file “%(name)s” is damaged or incomplete. Please try sending it again.")
        % {"name": _short(name)}
    )


# --- rebuilding ----------------------------------------------------------------------


def _rebuild(name: str, kind: str, data: bytes, limits: conf.Limits) -> bytes:
    try:
        return sandbox.rebuild_in_child(
            kind,
            data,
            rebuild_limits(limits),
            sandbox.ChildLimits(
                cpu_seconds=limits.rebuild_cpu_seconds,
                memory_bytes=limits.rebuild_memory_bytes,
                timeout_seconds=limits.rebuild_timeout_seconds,
            ),
        )
    except rebuild.Refused as refusal:
        raise UploadRefused(_refusal_message(name, refusal.reason, limits)) from refusal


def rebuild_limits(limits: conf.Limits) -> rebuild.RebuildLimits:
    return rebuild.RebuildLimits(
        max_image_pixels=limits.max_image_pixels,
        max_pdf_pages=limits.max_pdf_pages,
        max_pdf_stream_bytes=limits.max_pdf_stream_bytes,
        max_pdf_decoded_bytes=limits.max_pdf_decoded_bytes,
        max_pdf_pixels=limits.max_pdf_pixels,
        max_file_bytes=limits.max_file_bytes,
    )


def _refusal_message(name: str, reason: str, limits: conf.Limits) -> str | Promise:
    short = {"name": _short(name)}
    if reason == rebuild.TOO_MANY_PIXELS:
        return _("The picture “%(name)s” is too large in pixels.") % short
    if reason == rebuild.ENCRYPTED:
        return (
            _(
                "The PDF “%(name)s” is protected by a password. Please send it "
                "without the password, or send photos of its pages."
            )
            % short
        )
    if reason == rebuild.TOO_MANY_PAGES:
        return _("The PDF “%(name)s” has too many pages (at most %(pages)s).") % {
            **short,
            "pages": limits.max_pdf_pages,
        }
    if reason == rebuild.ACTIVE_CONTENT:
        return (
            _(
                "The PDF “%(name)s” contains scripts or automatic actions, so we "
                "cannot accept it. Please send photos of its pages instead."
            )
            % short
        )
    if reason == rebuild.TOO_LARGE_UNPACKED:
        return (
            _(
                "The PDF “%(name)s” is too large once unpacked, so we cannot accept it. "
                "Please send photos of its pages instead."
            )
            % short
        )
    if reason == rebuild.UNCLEANABLE_PICTURE:
        return (
            _(
                "The PDF “%(name)s” holds a picture we cannot clean of hidden details, so "
                "we cannot accept it. Please send photos of its pages instead."
            )
            % short
        )
    if reason == rebuild.TOO_COMPLEX:
        return (
            _(
                "The file “%(name)s” is too complex for us to check. Please send a "
                "smaller photo, or photos of its pages."
            )
            % short
        )
    return _damaged(name).message
