"""The neutraliser of bidi controls and invisible characters (waystation.web.invisible):
what it replaces, that printable text passes unchanged, that a page's markup survives,
and that form values round-trip."""

from __future__ import annotations

import sys
import unicodedata
from html.parser import HTMLParser

from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from waystation.web import invisible

# The characters the December review named, and the ones everyone knows to spoof with.
BIDI_CONTROLS = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
MARKS = ["\u200e", "\u200f", "\u061c"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]

# Text of any kind, and text with the characters above mixed in often.
any_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"])
    | st.sampled_from(BIDI_CONTROLS + MARKS + ZERO_WIDTH)
)
printable_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cf", "Cc", "Zl", "Zp"])
    | st.sampled_from(["\t", "\n", "\r"])
)


def has_invisible(text: str) -> bool:
    return any(char in invisible.INVISIBLE for char in text)


def test_the_named_characters_are_all_neutralised():
    for char in BIDI_CONTROLS + MARKS + ZERO_WIDTH:
        assert char in invisible.INVISIBLE
        assert invisible.neutralise(f"a{char}b") == f"a⟨U+{ord(char):04X}⟩b"
    assert invisible.neutralise("\u202egnp.exe") == "⟨U+202E⟩gnp.exe"


def test_every_format_and_control_character_is_covered_not_only_the_scanned_planes():
    whole_range = {
        chr(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in {"Cf", "Cc", "Zl", "Zp"} and chr(code) not in "\t\n\r"
    }
    assert whole_range == invisible.INVISIBLE


@given(any_text)
def test_neutralised_text_never_holds_an_invisible_character(text):
    assert not has_invisible(invisible.neutralise(text))
    assert not has_invisible(invisible.neutralise_html(escape(text)))


@given(printable_text)
def test_printable_text_is_unchanged(text):
    assert invisible.neutralise(text) == text
    assert invisible.neutralise_html(escape(text)) == escape(text)


@given(any_text)
def test_markers_sent_back_become_the_characters_again(text):
    if invisible.MARKER_START not in text:
        assert invisible.restore(invisible.neutralise(text)) == text


def test_other_markers_stay_as_typed():
    assert invisible.restore("⟨U+0041⟩ ⟨U+202E⟩ ⟨U+110000⟩") == "⟨U+0041⟩ \u202e ⟨U+110000⟩"


class _Elements(HTMLParser):
    """Start tags with their attributes, and the text inside plain-text elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.texts: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._open.append(tag)

    def handle_endtag(self, tag):
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data):
        if self._open:
            self.texts[self._open[-1]] = self.texts.get(self._open[-1], "") + data


def _page(text: str) -> str:
    value = escape(text)
    return (
        f"<!DOCTYPE html><html><head><title>{value}</title></head><body>"
        f'<p class="text" title="{value}">{value}</p>'
        f'<input name="a" value="{value}"><textarea name="b">\n{value}</textarea>'
        f'<svg class="chart"><text x="1">{value}</text></svg><em>{value}</em></body></html>'
    )


@given(any_text)
def test_a_page_keeps_its_markup_and_form_controls_hold_the_plain_marker(text):
    page = _page(text)
    shown = invisible.neutralise_html(page)
    assert not has_invisible(shown)

    before, after = _Elements(), _Elements()
    before.feed(page)
    after.feed(shown)
    # The same elements and attributes (values with plain markers), plus marker spans.
    assert [t for t in after.tags if t[0] != "span"] == [
        (tag, [(k, invisible.neutralise(v) if v else v) for k, v in attrs])
        for tag, attrs in before.tags
    ]
    spans = [dict(attrs) for tag, attrs in after.tags if tag == "span"]
    assert all(span["class"] == "invisible-char" for span in spans)
    # No styled marker where markup means nothing: attributes, textarea, title, SVG text.
    for element in ("title", "textarea", "text"):
        assert after.texts.get(element, "") == invisible.neutralise(before.texts.get(element, ""))


def test_a_styled_marker_in_text_and_a_plain_one_in_attributes():
    shown = invisible.neutralise_html('<p title="\u202ex">a\u202eb</p><textarea>\u200b</textarea>')
    assert shown == (
        '<p title="⟨U+202E⟩x">a<span class="invisible-char" title="right-to-left override">'
        "⟨U+202E⟩</span>b</p><textarea>⟨U+200B⟩</textarea>"
    )
