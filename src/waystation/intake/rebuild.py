"""Rebuilding an uploaded file from its content, without its metadata.

This module knows nothing of Django: it runs in the child process of
:mod:`waystation.intake.sandbox`, which limits its CPU time, memory and wall-clock time.
A refusal is a reason code (:class:`Refused`); the parent turns it into a message in
the applicant's language.

- images (JPEG, PNG, WebP): the pixel count is read from the header and checked before
  a single pixel is decoded; then Pillow decodes, turns the picture upright by its EXIF
  orientation, copies it pixel by pixel into a fresh image without metadata and encodes
  it again. Pillow's own caps bound the text chunks a PNG may ask it to inflate (zTXt,
  iTXt, iCCP: 1 MB each, 64 MB in all).
- PDF: :mod:`waystation.intake.rebuild_pdf`.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import asdict, dataclass
from typing import Any

from PIL import Image, ImageOps

# Reason codes. The parent maps each to a message (uploads.py).
DAMAGED = "damaged"
TOO_MANY_PIXELS = "too_many_pixels"
ENCRYPTED = "encrypted"
TOO_MANY_PAGES = "too_many_pages"
ACTIVE_CONTENT = "active_content"
TOO_LARGE_UNPACKED = "too_large_unpacked"
UNCLEANABLE_PICTURE = "uncleanable_picture"
TOO_COMPLEX = "too_complex"  # the child ran out of CPU time, memory or wall-clock time
REASONS = frozenset(
    {
        DAMAGED,
        TOO_MANY_PIXELS,
        ENCRYPTED,
        TOO_MANY_PAGES,
        ACTIVE_CONTENT,
        TOO_LARGE_UNPACKED,
        UNCLEANABLE_PICTURE,
        TOO_COMPLEX,
    }
)

PIL_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})


class Refused(Exception):
    """The file cannot be accepted. ``decoded`` and ``pixels`` say how much work was
    done before the refusal (bytes inflated, pixels counted), so a test can see that a
    bomb was stopped early."""

    def __init__(self, reason: str, *, decoded: int = 0, pixels: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.decoded = decoded
        self.pixels = pixels


@dataclass(frozen=True)
class RebuildLimits:
    max_image_pixels: int  # one picture, alone or inside a PDF
    max_pdf_pages: int
    max_pdf_stream_bytes: int  # decoded bytes of one PDF stream
    max_pdf_decoded_bytes: int  # decoded bytes of all of a PDF's streams together
    max_pdf_pixels: int  # pixels of all of a PDF's pictures together
    max_file_bytes: int

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def rebuild(kind: str, data: bytes, limits: RebuildLimits) -> bytes:
    """The rebuilt file. ``kind`` is a Pillow format name or ``"PDF"``."""
    if kind == "PDF":
        from waystation.intake import rebuild_pdf

        return rebuild_pdf.rebuild(data, limits)
    if kind not in PIL_FORMATS:
        raise ValueError(f"unknown kind {kind!r}")
    return rebuild_image(data, kind, limits)


def rebuild_image(data: bytes, pil_format: str, limits: RebuildLimits) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[pil_format]) as image:
                # The size comes from the header; nothing is decoded yet.
                pixels = image.width * image.height
                if pixels > limits.max_image_pixels:
                    raise Refused(TOO_MANY_PIXELS, pixels=pixels)
                image.load()  # raises on truncated or damaged data
                upright = ImageOps.exif_transpose(image)
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Refused(TOO_MANY_PIXELS) from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as exc:
        # Pillow's caps on PNG text chunks raise ValueError: refused as damaged.
        raise Refused(DAMAGED) from exc
    return encode_without_metadata(upright, pil_format)


def encode_without_metadata(image: Image.Image, pil_format: str) -> bytes:
    if pil_format == "JPEG":
        mode = image.mode if image.mode in {"RGB", "L"} else "RGB"
    else:
        mode = image.mode if image.mode in {"RGB", "RGBA", "L", "LA"} else "RGBA"
    if image.mode != mode:
        image = image.convert(mode)
    # A fresh image from the raw pixels: no info dict, no EXIF, XMP, ICC, comments or
    # text chunks can come along, whatever Pillow's encoders copy by default.
    fresh = Image.frombytes(mode, image.size, image.tobytes())
    out = io.BytesIO()
    options: dict[str, Any] = {"JPEG": {"quality": 88}, "WEBP": {"quality": 88}}.get(pil_format, {})
    fresh.save(out, format=pil_format, **options)
    return out.getvalue()
