"""Blind indexes: keyed HMACs of normalised identifiers, stored next to sealed values.

The key is derived from the root key, so an index in a seized database cannot be tested
against guesses (a bare hash of a phone number could be: there are few phone numbers).
Each kind of identifier is hashed in its own domain, so a phone number and a handle that
happen to share characters never collide.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from anyascii import anyascii
from django.conf import settings

from waystation.vault import normalisers, runtime
from waystation.vault.primitives import keyed_digest, keyed_hash64

INDEX_LENGTH = 32  # hex characters of a 128-bit digest


def _digest(kind: str, canonical: str) -> str:
    key = runtime.keyring().require_blind_index_key()
    return keyed_digest(key, f"{kind}\x1f{canonical}".encode()).hex()


def blind_index(kind: str, value: str | None, *, region: str | None = None) -> str | None:
    """The index of one identifier, or None if nothing usable was given. ``region`` (a
    phone number's country when typed without a code, see :func:`phone_region`) is used
    by phone numbers only: "8 912 555-01-23" in RU is +79125550123."""
    if value is None:
        return None
    if kind == "name":
        raise ValueError("names have several tokens: use blind_name_tokens")
    if kind == "phone":
        canonical = normalisers.phone(value, region)
    else:
        try:
            normalise = normalisers.SINGLE_VALUE_NORMALISERS[kind]
        except KeyError as exc:
            raise ValueError(f"unknown identifier kind {kind!r}") from exc
        canonical = normalise(value)
    return _digest(kind, canonical) if canonical else None


def phone_region(country: str | None) -> str | None:
    """The region a phone number without a country code is read in: the row's coarse
    country when it is one phone numbering knows ("ZZ", "other", is not), else
    ``WAYSTATION_DEFAULT_PHONE_REGION``, else none (the digits are then used as typed).
    Every place that computes or looks up a phone index must use this, or the same
    number would give two digests."""
    code = (country or "").strip().upper()
    if code in phonenumbers.SUPPORTED_REGIONS:
        return code
    default = str(getattr(settings, "WAYSTATION_DEFAULT_PHONE_REGION", "") or "").upper()
    return default if default in phonenumbers.SUPPORTED_REGIONS else None


def blind_name_tokens(value: str | None) -> list[str]:
    if not value:
        return []
    return [_digest("name", token) for token in normalisers.name_tokens(value)]


def blind_digest(kind: str, canonical: str) -> str:
    """The index of a value the caller has already normalised (for example a pair of
    name tokens and a birth year), in its own ``kind`` domain like every other index."""
    if kind in normalisers.SINGLE_VALUE_NORMALISERS or kind == "name":
        raise ValueError(f"{kind!r} values go through blind_index or blind_name_tokens")
    return _digest(kind, canonical)


# --- keyed MinHash: near-duplicate stories without plaintext at rest ----------------------
#
# One-permutation MinHash with rotation densification (Shrivastava, ICML 2017): each word
# shingle is hashed once with a keyed BLAKE2b, the hash picks a bin and its remainder
# competes for that bin's minimum. Two stories agree on a bin with probability equal to
# the Jaccard similarity of their shingle sets, as with classic MinHash, for the price of
# one hash per shingle instead of one per shingle and permutation. Keyed, so a seized
# signature cannot be tested against a guessed story without the blind-index key.

MINHASH_BINS = 64
MINHASH_ROWS_PER_BAND = 4
SHINGLE_WORDS = 3
MAX_SHINGLED_WORDS = 5_000
_U64 = 2**64
_EMPTY = _U64


def _minhash_key() -> bytes:
    # A key of its own, derived from the blind-index key, so MinHash values and identifier
    # indexes never share a keyed function.
    return keyed_digest(runtime.keyring().require_blind_index_key(), b"waystation-minhash-v1", 32)


def story_words(text: str) -> list[str]:
    """Words of a story in Latin letters, lower case: the same story typed in Cyrillic or
    in transliteration shingles the same."""
    latin = anyascii(unicodedata.normalize("NFKC", text)).lower()
    return re.findall(r"[a-z0-9]+", latin)[:MAX_SHINGLED_WORDS]


def keyed_minhash(text: str, *, bins: int = MINHASH_BINS) -> list[int]:
    """The story's signature: ``bins`` 64-bit values, or [] when it has no words."""
    words = story_words(text)
    if not words:
        return []
    width = min(SHINGLE_WORDS, len(words))
    key = _minhash_key()
    mins = [_EMPTY] * bins
    for i in range(len(words) - width + 1):
        shingle = " ".join(words[i : i + width]).encode()
        value = int.from_bytes(keyed_hash64(key, shingle), "big")
        slot, rest = value % bins, value // bins
        if rest < mins[slot]:
            mins[slot] = rest
    # Densify: an empty bin borrows the next filled one to its right, shifted by the
    # distance, so two signatures agree there only if they agree on the borrowed bin.
    signature = list(mins)
    for slot in range(bins):
        if mins[slot] != _EMPTY:
            continue
        for distance in range(1, bins):
            borrowed = mins[(slot + distance) % bins]
            if borrowed != _EMPTY:
                signature[slot] = (borrowed + distance * 0x9E3779B97F4A7C15) % _U64
                break
    return signature


def minhash_bands(signature: list[int], *, rows: int = MINHASH_ROWS_PER_BAND) -> list[str]:
    """LSH band digests (16 hex characters each): stories whose signatures agree on all
    rows of any one band become candidates."""
    key = _minhash_key()
    bands = []
    for start in range(0, len(signature) - rows + 1, rows):
        chunk = b"".join(v.to_bytes(8, "big") for v in signature[start : start + rows])
        band = (start // rows).to_bytes(2, "big")
        bands.append(keyed_hash64(key, band + chunk).hex())
    return bands


def signature_bytes(signature: list[int]) -> bytes:
    return b"".join(v.to_bytes(8, "big") for v in signature)


def signature_from_bytes(data: bytes) -> list[int]:
    return [int.from_bytes(data[i : i + 8], "big") for i in range(0, len(data), 8)]


def estimated_similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of the two stories' shingle sets."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)
