"""Normalisers for blind indexes: the same identifier, however it was typed, must give
the same index, so that duplicates and infiltrators can be spotted without decrypting.

Each takes free text and returns the canonical form, or None when nothing usable is left.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import phonenumbers
from anyascii import anyascii

MAX_IDENTIFIER_LENGTH = 512


def _clean(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).strip()[:MAX_IDENTIFIER_LENGTH]
    # Digits of any script as ASCII (NFKC leaves them): "٠٧٩" and "079" are one number.
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def phone(value: str, default_region: str | None = None) -> str | None:
    """E.164 (``+79991234567``). Without a country code and a region to assume, the
    digits alone are used so that the same typing still matches itself."""
    text = _clean(value)
    if not text:
        return None
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        digits = re.sub(r"\D", "", text)
        return digits or None
    if not phonenumbers.is_possible_number(parsed):
        digits = re.sub(r"\D", "", text)
        return digits or None
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def email(value: str) -> str | None:
    # An address holds no whitespace: "ivan @ example.com" is ivan@example.com. Removing
    # it, lower-casing and NFKC can each leave work for the others ("A", a line break,
    # a combining accent): repeat until settled, so the result is its own canonical form.
    text = _clean(value)
    for _ in range(4):
        settled = unicodedata.normalize("NFKC", "".join(text.lower().split()))
        if settled == text:
            break
        text = settled
    if "@" not in text:
        return None
    local, _, domain = text.rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return f"{local}@{domain}" if local and domain else None


_HANDLE_PREFIXES = re.compile(
    r"^(https?://)?(www\.)?(t\.me/|telegram\.me/|signal\.me/#p/|wa\.me/|instagram\.com/)", re.I
)


def handle(value: str) -> str | None:
    """Messenger handles: ``@Ivan_K``, ``t.me/ivan_k`` and ``ivan_k`` are the same."""
    text = _clean(value).lower()
    # Until nothing changes: "@ ivan_k" and "t.me/t.me/ivan_k" are ivan_k too, and the
    # result is its own canonical form.
    while (stripped := _HANDLE_PREFIXES.sub("", text).lstrip("@").strip("/").strip()) != text:
        text = stripped
    return text or None


def name_tokens(value: str) -> list[str]:
    """Tokens of a name in Latin letters: "Магомед" and "Magomed" give "magomed".

    Transliteration goes through ``anyascii``; tokens shorter than two letters (initials)
    are dropped because they match far too much.
    """
    latin = anyascii(_clean(value)).lower()
    tokens = {t for t in re.split(r"[^a-z0-9]+", latin) if len(t) >= 2}
    return sorted(tokens)


def birth_year(value: str) -> str | None:
    text = _clean(value)
    return text if re.fullmatch(r"(19|20)\d\d", text) else None


def document_number(value: str) -> str | None:
    """Passport, visa and ID numbers: "75 1234567", "75-1234567" and "751234567" are the
    same document; Cyrillic letters in a series are transliterated (Cyrillic "ЖД" → "ZHD").
    Bounded like every identifier: transliteration can lengthen text (an emoji becomes
    a word), so the result is cut again."""
    text = anyascii(_clean(value)).upper()
    canonical = re.sub(r"[^A-Z0-9]", "", text)[:MAX_IDENTIFIER_LENGTH]
    return canonical or None


SINGLE_VALUE_NORMALISERS: dict[str, Callable[[str], str | None]] = {
    "phone": phone,
    "document": document_number,
    "email": email,
    "handle": handle,
    "birth_year": birth_year,
}
