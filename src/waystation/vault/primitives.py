"""The only module in Waystation that touches cryptographic primitives.

Everything here is a thin, named use of the ``cryptography`` package: AES-256-GCM for
sealing, HKDF-SHA256 for deriving purpose-bound keys from the root key, HMAC-SHA256 for
blind indexes. No cipher, padding or randomness is written by hand.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
# First byte of every ciphertext: lets a later format coexist with this one.
CIPHERTEXT_FORMAT = b"\x01"


class OpenFailed(Exception):
    """The ciphertext was not sealed with this key and associated data, or was altered."""


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def derive_key(root: bytes, purpose: str) -> bytes:
    """A key for one purpose, so that no two uses ever share key material."""
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode()
    ).derive(root)


class Sealer:
    """AES-256-GCM under one key. Keep one per key: building the cipher costs more than
    sealing a short field."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("a sealing key is 32 bytes")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, associated_data: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return CIPHERTEXT_FORMAT + nonce + self._aead.encrypt(nonce, plaintext, associated_data)

    def open(self, ciphertext: bytes, associated_data: bytes) -> bytes:
        if len(ciphertext) < 1 + NONCE_BYTES + 16 or ciphertext[:1] != CIPHERTEXT_FORMAT:
            raise OpenFailed("not a Waystation ciphertext")
        nonce = ciphertext[1 : 1 + NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, ciphertext[1 + NONCE_BYTES :], associated_data)
        except InvalidTag as exc:
            raise OpenFailed("ciphertext does not open with this key and context") from exc


def keyed_digest(key: bytes, message: bytes, length: int = 16) -> bytes:
    """HMAC-SHA256, truncated: 128 bits is ample to tell identifiers apart."""
    if len(key) < KEY_BYTES:
        # An empty or short key would make the digest guessable: never fail open.
        raise ValueError("a keyed digest needs a full-length key")
    return hmac.new(key, message, hashlib.sha256).digest()[:length]


def constant_time_equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)
