"""How much a PDF may make pypdf inflate while we rebuild it.

A few kilobytes of Flate data can stand for gigabytes (70 MB of ``q Q`` compress to
72 KB). pypdf's own limits are generous (75 MB per stream) and per stream only, so one
file with many such streams, or the same stream used by every page, still costs seconds
and hundreds of megabytes. Here every stream pypdf decodes while a budget is open (page
contents, object streams, cross-reference streams, pictures, fonts, whatever it touches)
is counted against two limits:

- ``max_pdf_stream_bytes`` for one stream, and
- ``max_pdf_decoded_bytes`` for the whole document.

Each stream may decode at most what is left of both, and the cap is handed to pypdf's
decoders themselves (zlib's ``max_length``, the LZW, run-length, Brotli and image buffer
limits), so decoding stops *as the stream is read*, not after. Once the budget is spent
the refusal sticks: pypdf swallows some errors while it reads a damaged file, so the
rebuild checks the budget again at the end.

pypdf decodes every stream through ``pypdf.filters.decode_stream_data`` (called from
``EncodedStreamObject.get_data``, looked up at each call). The budget wraps that one
function; outside an open budget the wrapper is a plain pass-through. The tests
``test_a_flate_bomb_*``, ``test_an_object_stream_bomb_*`` and
``test_a_cross_reference_stream_bomb_*`` fail if a pypdf upgrade moves decoding
elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from waystation.intake.rebuild import TOO_LARGE_UNPACKED, RebuildLimits, Refused

# Settings for the whole rebuild, whatever the stream.
_RECOVERY_INPUT_BYTES = 64 * 1024  # pypdf retries a broken Flate stream byte by byte
_MAX_FILTERS = 4  # real files use one or two
_MAX_CONTENT_TOKENS = 200_000  # pypdf's content-stream parser, should anything call it


@dataclass
class Budget:
    limits: RebuildLimits
    decoded: int = 0
    pixels: int = 0
    spent: bool = False

    def allowance(self) -> int:
        return min(
            self.limits.max_pdf_stream_bytes, self.limits.max_pdf_decoded_bytes - self.decoded
        )

    def refusal(self) -> Refused:
        self.spent = True
        return Refused(TOO_LARGE_UNPACKED, decoded=self.decoded, pixels=self.pixels)

    def spend_bytes(self, amount: int, allowance: int) -> None:
        self.decoded += amount
        if amount > allowance or self.decoded > self.limits.max_pdf_decoded_bytes:
            raise self.refusal()

    def spend_pixels(self, amount: int) -> None:
        """Before a picture is decoded: its pixels, from its header."""
        if amount > self.limits.max_image_pixels:
            self.pixels += amount
            raise self.refusal()
        self.pixels += amount
        if self.pixels > self.limits.max_pdf_pixels:
            raise self.refusal()

    def check(self) -> None:
        if self.spent:
            raise self.refusal()


_CURRENT: ContextVar[Budget | None] = ContextVar("waystation_pdf_budget", default=None)
_original_decode: Any = None


def _stream_caps(allowance: int) -> dict[str, int]:
    # pypdf reads 0 as "no limit"; the caller never passes less than 1.
    return {
        "zlib_maximum_output_length": allowance,
        "lzw_maximum_output_length": allowance,
        "run_length_maximum_output_length": allowance,
        "brotli_maximum_output_length": allowance,
        "jbig2_maximum_output_length": allowance,
        "array_based_stream_maximum_output_length": allowance,
        "image_maximum_buffer_size": allowance,
        # Input plus output of each filter in the chain.
        "stream_decoding_work_maximum_length": _MAX_FILTERS * 2 * allowance,
    }


def _budgeted_decode(stream: Any) -> bytes:
    from pypdf import apply_configuration
    from pypdf.errors import LimitReachedError

    budget = _CURRENT.get()
    if budget is None:
        return bytes(_original_decode(stream))
    allowance = budget.allowance()
    if allowance <= 0:
        raise budget.refusal()
    try:
        with apply_configuration(None, **_stream_caps(allowance)):
            data = bytes(_original_decode(stream))
    except LimitReachedError as exc:
        # The decoder stopped at the allowance: that much was inflated, no more.
        budget.decoded += allowance
        raise budget.refusal() from exc
    budget.spend_bytes(len(data), allowance)
    return data


def _install() -> None:
    global _original_decode
    import pypdf.filters

    if _original_decode is None:
        _original_decode = pypdf.filters.decode_stream_data
        pypdf.filters.decode_stream_data = _budgeted_decode


@contextmanager
def budget(limits: RebuildLimits) -> Iterator[Budget]:
    """Open a budget for one document: every stream pypdf decodes inside is counted."""
    from pypdf import apply_configuration

    _install()
    opened = Budget(limits)
    token = _CURRENT.set(opened)
    try:
        with apply_configuration(
            None,
            # Never hand a stranger's file to an outside program (JBIG2 pictures).
            jbig2dec_binary=None,
            zlib_maximum_recovery_input_length=_RECOVERY_INPUT_BYTES,
            stream_filters_maximum_length=_MAX_FILTERS,
            stream_parsing_work_maximum_count=_MAX_CONTENT_TOKENS,
            maximum_declared_stream_length=limits.max_file_bytes,
            **_stream_caps(max(1, min(limits.max_pdf_stream_bytes, limits.max_pdf_decoded_bytes))),
        ):
            yield opened
    finally:
        _CURRENT.reset(token)
