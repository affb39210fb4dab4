"""Characters that change how text reads without being seen, made visible for staff.

A right-to-left override turns ``\\u202egnp.exe`` into what looks like ``exe.png``; a
zero-width space makes two names look the same and differ; an embedding can move the
words around it. Applicants and staff can type them, and the vault gives them back
exactly as typed (the applicant's words are evidence: stored data is never changed).
They are neutralised where text is shown instead: each becomes a visible marker such
as ``⟨U+202E⟩``, which names the character and cannot reorder anything.

Which characters: every format character (Unicode category Cf: the bidi embeddings,
overrides, isolates and marks, zero-width spaces and joiners, the word joiner, the
byte-order mark, soft hyphens, tag characters…), control characters other than tab and
line ends (Cc), and the line and paragraph separators (Zl, Zp).

Staff pages are neutralised as a whole, in :class:`waystation.web.middleware.
ShowInvisibleCharactersMiddleware`, not value by value in templates: a template that
forgot a filter would show the raw character, and only the finished page tells text
(where a styled ``<span>`` can go) from attribute values and ``<textarea>`` contents
(where only plain marker text can). Form controls therefore hold the plain marker;
:func:`restore` turns markers sent back in a form into the characters again, so saving
a form unchanged stores what was there before.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterator

_KEPT_CONTROLS = {"\t", "\n", "\r"}
_CATEGORIES = {"Cf", "Cc", "Zl", "Zp"}
# These categories have no member outside the first two planes and the tags block
# (tests/web/test_invisible.py checks the whole range); scanning only there keeps a
# worker's start quick.
SCANNED = (range(0, 0x20000), range(0xE0000, 0xE1000))


def _invisible_code_points() -> Iterator[int]:
    for code in (code for block in SCANNED for code in block):
        char = chr(code)
        if unicodedata.category(char) in _CATEGORIES and char not in _KEPT_CONTROLS:
            yield code


INVISIBLE: frozenset[str] = frozenset(map(chr, _invisible_code_points()))


def _character_class(code_points: frozenset[str]) -> str:
    codes = sorted(map(ord, code_points))
    ranges: list[tuple[int, int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


_INVISIBLE_RE = re.compile(f"[{_character_class(INVISIBLE)}]")
_MARKER_RE = re.compile(r"⟨U\+([0-9A-F]{4,6})⟩")
MARKER_START = "⟨U+"


def marker(char: str) -> str:
    return f"⟨U+{ord(char):04X}⟩"


def contains_invisible(text: str) -> bool:
    return _INVISIBLE_RE.search(text) is not None


def neutralise(text: str) -> str:
    """Plain text with each invisible character replaced by its marker: for attribute
    values, form controls, CSV cells and PDF lines."""
    return _INVISIBLE_RE.sub(lambda m: marker(m.group()), text)


def _marked_html(text: str) -> str:
    def span(match: re.Match[str]) -> str:
        char = match.group()
        # Names are ASCII capitals and hyphens: safe inside an attribute as they are.
        name = unicodedata.name(char, "control character").lower()
        return f'<span class="invisible-char" title="{name}">{marker(char)}</span>'

    return _INVISIBLE_RE.sub(span, text)


def restore(text: str) -> str:
    """The inverse of :func:`neutralise`, for what comes back from a form: markers of
    invisible characters become the characters; any other ``⟨U+…⟩`` stays as typed."""
    if MARKER_START not in text:
        return text

    def char(match: re.Match[str]) -> str:
        code = int(match.group(1), 16)
        if code <= sys.maxunicode and chr(code) in INVISIBLE:
            return chr(code)
        return match.group()

    return _MARKER_RE.sub(char, text)


# Tags and comments of an autoescaped page: escaped text never contains "<" or ">", so
# every "<" in the page starts markup we wrote.
_MARKUP_RE = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
_TAG_NAME_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)")
# Elements whose content is text that markup cannot go into (a <span> would show as
# "<span…" in a textarea, and means nothing inside SVG).
_PLAIN_TEXT_ELEMENTS = {"textarea", "title", "script", "style", "svg"}


def neutralise_html(html: str) -> str:
    """A rendered page with every invisible character made visible: a styled marker
    in text, the plain marker inside tags (attribute values), ``<textarea>``,
    ``<title>`` and SVG. The page's markup is otherwise left exactly as it was."""
    if not contains_invisible(html):
        return html
    out: list[str] = []
    inside: list[str] = []  # open plain-text elements, innermost last
    position = 0
    for match in _MARKUP_RE.finditer(html):
        text = html[position : match.start()]
        out.append(neutralise(text) if inside else _marked_html(text))
        tag = match.group()
        out.append(neutralise(tag))
        name = _TAG_NAME_RE.match(tag)
        if name is not None:
            closing, element = name.group(1) == "/", name.group(2).lower()
            if element in _PLAIN_TEXT_ELEMENTS:
                if closing and element in inside:
                    del inside[len(inside) - 1 - inside[::-1].index(element) :]
                elif not closing and not tag.endswith("/>"):
                    inside.append(element)
        position = match.end()
    tail = html[position:]
    out.append(neutralise(tail) if inside else _marked_html(tail))
    return "".join(out)
