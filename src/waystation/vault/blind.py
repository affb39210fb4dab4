"""Blind indexes: keyed HMACs of normalised identifiers, stored next to sealed values.

The key is derived from the root key, so an index in a seized database cannot be tested
against guesses (a bare hash of a phone number could be: there are few phone numbers).
Each kind of identifier is hashed in its own domain, so a phone number and a handle that
happen to share characters never collide.
"""

from __future__ import annotations

from waystation.vault import normalisers, runtime
from waystation.vault.primitives import keyed_digest

INDEX_LENGTH = 32  # hex characters of a 128-bit digest


def _digest(kind: str, canonical: str) -> str:
    key = runtime.keyring().blind_index_key
    return keyed_digest(key, f"{kind}\x1f{canonical}".encode()).hex()


def blind_index(kind: str, value: str | None) -> str | None:
    """The index of one identifier, or None if nothing usable was given."""
    if value is None:
        return None
    if kind == "name":
        raise ValueError("names have several tokens: use blind_name_tokens")
    try:
        normalise = normalisers.SINGLE_VALUE_NORMALISERS[kind]
    except KeyError as exc:
        raise ValueError(f"unknown identifier kind {kind!r}") from exc
    canonical = normalise(value)
    return _digest(kind, canonical) if canonical else None


def blind_name_tokens(value: str | None) -> list[str]:
    if not value:
        return []
    return [_digest("name", token) for token in normalisers.name_tokens(value)]
