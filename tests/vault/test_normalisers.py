"""Normalisers take whatever an applicant or a screener typed. They must never crash (an
exception while indexing would lose the record being saved), stay bounded on huge input,
and give a canonical form that is its own canonical form."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from waystation.vault import normalisers
from waystation.vault.normalisers import MAX_IDENTIFIER_LENGTH

PROPERTY = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Characters that break naive text handling: controls, bidi overrides, zero-width,
# combining marks, full-width and compatibility forms, astral characters, and the
# pieces of phone numbers, handles and links.
TRICKY_CHARACTERS = (
    "\x00\x1f\t\n\r\u0085\u2028\u202e\u200f\u200b\ufeff\u0301\u0130\u00df\u1e9e"
    "\ufb01\uff0b\uff17\u2126\U0001f600\u0663\u0430\u042f\u0451+@/.:#-() 790"
)
TRICKY_PIECES = ["t.me/", "xn--", "https://", "www.", "@@", "++"]
pieces = st.sampled_from(list(TRICKY_CHARACTERS) + TRICKY_PIECES)
texts = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(list(TRICKY_CHARACTERS)), max_size=80),
    st.lists(pieces | st.text(max_size=5), max_size=30).map("".join),
)


def fullwidth(text: str) -> str:
    """The full-width forms of ASCII characters, as some phone keyboards type them."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


SINGLE = sorted(normalisers.SINGLE_VALUE_NORMALISERS.items())


@PROPERTY
@given(value=texts)
def test_normalisers_never_crash_and_give_text_or_none(value):
    for _kind, normalise in SINGLE:
        result = normalise(value)
        assert result is None or (isinstance(result, str) and result)
    assert all(isinstance(t, str) and len(t) >= 2 for t in normalisers.name_tokens(value))
    for region in ("RU", "UA", "DE", None):
        normalisers.phone(value, region)


@PROPERTY
@given(value=texts)
def test_canonical_forms_are_their_own_canonical_forms(value):
    for kind, normalise in SINGLE:
        once = normalise(value)
        if once is not None:
            assert normalise(once) == once, kind
    tokens = normalisers.name_tokens(value)
    assert normalisers.name_tokens(" ".join(tokens)) == tokens


@PROPERTY
@given(value=texts)
def test_phone_gives_e164_or_digits(value):
    result = normalisers.phone(value)
    assert result is None or (result.lstrip("+").isascii() and result.lstrip("+").isdigit())


@pytest.mark.parametrize(
    "huge",
    [
        "9" * 1_000_000,
        "+" + "7" * 1_000_000,
        "\u0430" * 1_000_000,
        "\u202e" * 500_000 + "@ivan",
        "@" * 1_000_000,
        "ivan@" + "x." * 500_000 + "ru",
        "\U0001f600" * 300_000,
        "\x00" * 1_000_000,
        "\ufb01" * 400_000,  # the "fi" ligature: doubles under NFKC
    ],
    ids=[
        "digits",
        "plus-digits",
        "cyrillic",
        "rtl",
        "ats",
        "long-domain",
        "emoji",
        "nul",
        "ligature",
    ],
)
def test_huge_input_is_cut_to_a_bounded_canonical_form(huge):
    for _kind, normalise in SINGLE:
        result = normalise(huge)
        assert result is None or len(result) <= 4 * MAX_IDENTIFIER_LENGTH
    assert len("".join(normalisers.name_tokens(huge))) <= 4 * MAX_IDENTIFIER_LENGTH


def test_regional_phone_formats_with_a_region():
    """With the region known, the national forms match the international one."""
    for typed in ("8 999 123 45 67", "8 (999) 123-45-67", "+7 999 123 45 67", "999 123 45 67"):
        assert normalisers.phone(typed, "RU") == "+79991234567", typed


def test_phone_without_region_keeps_digits_so_a_number_still_matches_itself():
    assert normalisers.phone("8 999 123 45 67") == "89991234567"
    assert normalisers.phone("(999) 123-45-67") == "9991234567"
    assert normalisers.phone("+7 999 123 45 67") == "+79991234567"
    assert normalisers.phone("no digits here") is None


def test_email_is_lowercased_and_its_domain_made_ascii():
    assert normalisers.email("  Ivan@Пример.РФ ") == "ivan@xn--e1afmkfd.xn--p1ai"
    assert normalisers.email("Ivan @ Example.com") == "ivan@example.com"  # regression
    assert normalisers.email("no-at-sign") is None
    assert normalisers.email("@example.com") is None
    assert normalisers.email("ivan@") is None
    assert normalisers.email("ivan@" + "a" * 70 + ".com") is None  # a label over 63


def test_handles_lose_their_link_and_at_sign():
    typed_forms = ("@Ivan_K", "t.me/ivan_k", "https://t.me/Ivan_K", "HTTPS://WWW.T.ME/ivan_k")
    regressions = ("@ Ivan_K", "t.me/@ivan_k", "https://t.me/ t.me/ivan_k")
    for typed in typed_forms + regressions:
        assert normalisers.handle(typed) == "ivan_k", typed
    assert normalisers.handle("@") is None
    assert normalisers.handle("https://t.me/") is None


def test_digits_of_other_scripts_are_the_same_digits():
    """Regression: Arabic-Indic or Persian digits, as a phone keyboard in those scripts
    types them, gave a different index from the same number in ASCII digits."""
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in "89991234567")
    persian = "".join(chr(0x06F0 + int(d)) for d in "89991234567")

    assert normalisers.phone(arabic_indic) == normalisers.phone(persian) == "89991234567"
    assert normalisers.phone("+7 " + persian[1:]) == "+79991234567"


def test_full_width_and_compatibility_forms_fold():
    assert normalisers.phone(fullwidth("+7 999 123 45 67")) == "+79991234567"
    assert normalisers.handle(fullwidth("@Ivan_K")) == "ivan_k"


def test_birth_year_accepts_only_plausible_years():
    assert normalisers.birth_year(" 1990 ") == "1990"
    assert normalisers.birth_year("\u0661\u0669\u0669\u0660") == "1990"  # Arabic-Indic digits
    assert normalisers.birth_year("1890") is None
    assert normalisers.birth_year("19901") is None
