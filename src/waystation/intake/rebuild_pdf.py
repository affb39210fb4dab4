"""Rebuilding a PDF: its pages copied into a new document, without the document
information dictionary, XMP streams, thumbnails or page-level metadata, and every JPEG
(and JPEG 2000) picture re-encoded by Pillow from its pixels, which drops its EXIF/GPS.

Refused: encrypted files, files with scripts, automatic actions or embedded files, too
many pages, inline JPEG pictures (they sit inside a page's drawing instructions, where
they cannot be swapped for a clean copy), and files that would make us inflate or decode
more than the budget allows (:mod:`waystation.intake.pdf_budget`): bytes per stream and
in all, pixels per picture and in all. Every limit is checked before the work it bounds.

Nothing here parses a page's drawing instructions with pypdf's tokenizer (about 4 µs a
token: 70 MB of ``q Q`` took 8 s to refuse); the inline-picture check is a regular
expression over the decoded bytes.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from typing import Any

from PIL import Image

from waystation.intake import pdf_budget
from waystation.intake.rebuild import (
    ACTIVE_CONTENT,
    DAMAGED,
    ENCRYPTED,
    TOO_MANY_PAGES,
    UNCLEANABLE_PICTURE,
    RebuildLimits,
    Refused,
)

# PDF names that run code, open other programs or carry other files.
_FORBIDDEN_KEYS = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA"}
)
_FORBIDDEN_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/Rendition", "/GoToE"}
)
_METADATA_KEYS = ("/Metadata", "/PieceInfo", "/Thumb", "/LastModified")
_WALK_LIMIT = 200_000
_JPEG_FILTERS = {"/DCTDecode": "JPEG", "/DCT": "JPEG", "/JPXDecode": "JPEG2000"}
# Kept from a picture's dictionary when it is replaced: they refer to other objects or
# say how to draw, never who made the picture.
_KEPT_PICTURE_KEYS = ("/SMask", "/Mask", "/Interpolate", "/Intent")

# An inline picture: "BI" <its dictionary> "ID" <data> "EI". The dictionary is short.
_INLINE_START = re.compile(rb"(?:^|(?<=[\s\]\)>}]))BI(?=[\s/])")
_INLINE_DATA = re.compile(rb"(?<=[\s/\]>])ID(?=\s)")
_INLINE_DICT_MAX = 4096


def rebuild(data: bytes, limits: RebuildLimits) -> bytes:
    from pypdf.errors import PyPdfError

    with pdf_budget.budget(limits) as budget:
        try:
            rebuilt = _rebuild(data, limits, budget)
        except Refused:
            raise
        except (PyPdfError, OSError, ValueError, KeyError, TypeError, NotImplementedError) as exc:
            budget.check()  # a decoder refusal that pypdf turned into another error
            raise Refused(DAMAGED) from exc
        except (AttributeError, IndexError, RecursionError, AssertionError) as exc:
            # pypdf on hostile input can fail in unexpected ways; all mean "not a sound PDF".
            budget.check()
            raise Refused(DAMAGED) from exc
        budget.check()  # pypdf swallows some errors while it reads a damaged file
        return rebuilt


def _rebuild(data: bytes, limits: RebuildLimits, budget: pdf_budget.Budget) -> bytes:
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise Refused(ENCRYPTED)
    page_count = len(reader.pages)
    if page_count == 0:
        raise Refused(DAMAGED)
    if page_count > limits.max_pdf_pages:
        raise Refused(TOO_MANY_PAGES)
    if _has_active_content(reader.trailer):
        raise Refused(ACTIVE_CONTENT)
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    _refuse_inline_pictures(writer)
    _reencode_pictures(writer, budget)
    _drop_metadata(writer)
    writer.metadata = None
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _has_active_content(root: Any) -> bool:
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [root]
    steps = 0
    while stack:
        steps += 1
        if steps > _WALK_LIMIT:
            return True  # a structure this large is not a document a person sends
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            for key, value in obj.items():
                if key in _FORBIDDEN_KEYS:
                    return True
                if key == "/S" and str(value) in _FORBIDDEN_ACTIONS:
                    return True
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return False


def _objects(writer: Any) -> Iterator[tuple[int, Any]]:
    # pypdf has no public iterator over a writer's objects.
    yield from enumerate(writer._objects)


def _streams_in(value: Any) -> Iterator[Any]:
    """The streams a /Contents, /CharProcs or /AP entry holds (one, an array, a dict)."""
    from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

    value = value.get_object() if value is not None else None
    if isinstance(value, StreamObject):
        yield value
    elif isinstance(value, ArrayObject):
        for item in value:
            yield from _streams_in(item)
    elif isinstance(value, DictionaryObject):
        for item in value.values():
            yield from _streams_in(item)


def _content_streams(writer: Any) -> Iterator[Any]:
    """Every stream of drawing instructions: page contents, form XObjects (annotation
    appearances among them), tiling patterns and Type 3 glyphs."""
    from pypdf.generic import DictionaryObject, StreamObject

    seen: set[int] = set()
    for _index, obj in _objects(writer):
        if not isinstance(obj, DictionaryObject):
            continue
        found: list[Any] = []
        if isinstance(obj, StreamObject) and (
            obj.get("/Subtype") == "/Form" or obj.get("/PatternType") == 1
        ):
            found.append(obj)
        if obj.get("/Type") == "/Page" and "/Contents" in obj:
            found.extend(_streams_in(obj["/Contents"]))
        for key in ("/CharProcs", "/AP"):
            if key in obj:
                found.extend(_streams_in(obj[key]))
        for stream in found:
            if id(stream) not in seen:
                seen.add(id(stream))
                yield stream


def _refuse_inline_pictures(writer: Any) -> None:
    """Inline JPEG pictures keep their EXIF and cannot be replaced; other inline
    pictures are raw samples with nothing hidden in them."""
    for stream in _content_streams(writer):
        content = stream.get_data()  # counted against the budget
        for start in _INLINE_START.finditer(content):
            window = content[start.end() : start.end() + _INLINE_DICT_MAX]
            end = _INLINE_DATA.search(window)
            dictionary = window[: end.start()] if end else window
            if b"/DCT" in dictionary or b"/JPX" in dictionary:
                raise Refused(UNCLEANABLE_PICTURE)


def _filter_names(stream: Any) -> list[str]:
    filters = stream.get("/Filter")
    if filters is None:
        return []
    filters = filters.get_object()
    return [str(f) for f in filters] if isinstance(filters, list) else [str(filters)]


def _reencode_pictures(writer: Any, budget: pdf_budget.Budget) -> None:
    """JPEG (and JPEG 2000) pictures keep their camera's EXIF, GPS included; Pillow
    re-encodes each one from its pixels. Every picture object of the new document is
    visited (page resources, form XObjects, soft masks, patterns, annotations alike)."""
    from pypdf.generic import StreamObject

    for index, obj in _objects(writer):
        if not isinstance(obj, StreamObject) or obj.get("/Subtype") != "/Image":
            continue
        filters = _filter_names(obj)
        if not filters or filters[-1] not in _JPEG_FILTERS:
            if any(name in _JPEG_FILTERS for name in filters):
                raise Refused(DAMAGED)  # a JPEG filter that is not the last one
            continue
        # A JPEG alone is stored as it is; one behind other filters is unpacked first.
        encoded = obj._data if len(filters) == 1 else obj.get_data()
        writer._objects[index] = _clean_picture(obj, encoded, _JPEG_FILTERS[filters[-1]], budget)


def _clean_picture(
    original: Any, encoded: bytes, pil_format: str, budget: pdf_budget.Budget
) -> Any:
    from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject, NumberObject

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(encoded), formats=[pil_format]) as image:
                budget.spend_pixels(image.width * image.height)  # before decoding
                image.load()
                mode = image.mode if image.mode in {"RGB", "L", "CMYK"} else "RGB"
                fresh = Image.frombytes(mode, image.size, image.convert(mode).tobytes())
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise budget.refusal() from exc
    out = io.BytesIO()
    fresh.save(out, "JPEG", quality=88)
    # The same dictionary Pillow writes for a JPEG in a PDF.
    colour_space = {"RGB": "/DeviceRGB", "L": "/DeviceGray", "CMYK": "/DeviceCMYK"}[mode]
    picture = DecodedStreamObject()
    picture[NameObject("/Type")] = NameObject("/XObject")
    picture[NameObject("/Subtype")] = NameObject("/Image")
    picture[NameObject("/Width")] = NumberObject(fresh.width)
    picture[NameObject("/Height")] = NumberObject(fresh.height)
    picture[NameObject("/ColorSpace")] = NameObject(colour_space)
    picture[NameObject("/BitsPerComponent")] = NumberObject(8)
    picture[NameObject("/Filter")] = NameObject("/DCTDecode")
    if mode == "CMYK":
        picture[NameObject("/Decode")] = ArrayObject(NumberObject(n) for n in (1, 0) * 4)
    for key in _KEPT_PICTURE_KEYS:
        if key in original:
            picture[NameObject(key)] = original.raw_get(key)
    picture.set_data(out.getvalue())
    picture.indirect_reference = original.indirect_reference
    return picture


def _drop_metadata(writer: Any) -> None:
    from pypdf.generic import DictionaryObject

    for _index, obj in _objects(writer):
        if isinstance(obj, DictionaryObject):
            for key in _METADATA_KEYS:
                if key in obj:
                    del obj[key]
            if "/AA" in obj:
                del obj["/AA"]
