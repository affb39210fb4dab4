"""The only module in Waystation that touches cryptographic primitives.

Everything here is a thin, named use of the ``cryptography`` package and of the standard
library's hashes: AES-256-GCM for sealing, HKDF-SHA256 for deriving purpose-bound keys,
X25519 for sealing to a public key (``boxes`` builds the sealed box from these), HMAC-SHA256
for blind indexes and keyed BLAKE2b for story signatures, and the EC key and X.509
certificate that sign exported dossiers. No cipher, padding or randomness
is written by hand. ``tests/vault/test_primitives.py`` fails if any other module of
``src/waystation`` imports ``cryptography.hazmat``.

Two things that look like cryptography live elsewhere on purpose: the trustees' shares
(``shares.py``, SLIP-39 from ``shamir-mnemonic``: a whole scheme with its own word list,
not a primitive), and the audit chain's SHA-256 (``audit/models.py``: audit sits below
the vault, docs/design.md §4.3). Random ids, codenames and form tokens come from the
standard library's ``secrets``; they are not keys.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
X25519_KEY_BYTES = 32
# First byte of every ciphertext: lets a later format coexist with this one.
CIPHERTEXT_FORMAT = b"\x01"


class OpenFailed(Exception):
    """The ciphertext was not sealed with this key and associated data, or was altered."""


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def derive_key(secret: bytes, purpose: str, *, salt: bytes | None = None) -> bytes:
    """A key for one purpose (HKDF-SHA256, ``purpose`` as its info), so that no two uses
    ever share key material."""
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=purpose.encode()
    ).derive(secret)


# --- AES-256-GCM -------------------------------------------------------------------------
# A sealed body is nonce || ciphertext and tag. Callers put their own format byte (and,
# for a box, its header) in front.


def _seal_body(aead: AESGCM, plaintext: bytes, associated_data: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + aead.encrypt(nonce, plaintext, associated_data)


def _open_body(aead: AESGCM, body: bytes, associated_data: bytes, what: str) -> bytes:
    try:
        return aead.decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], associated_data)
    except InvalidTag as exc:
        raise OpenFailed(f"{what} does not open with this key and context") from exc


class Sealer:
    """AES-256-GCM under one key. Keep one per key: building the cipher costs more than
    sealing a short field."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("a sealing key is 32 bytes")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, associated_data: bytes) -> bytes:
        return CIPHERTEXT_FORMAT + _seal_body(self._aead, plaintext, associated_data)

    def open(self, ciphertext: bytes, associated_data: bytes) -> bytes:
        if len(ciphertext) < 1 + NONCE_BYTES + TAG_BYTES or ciphertext[:1] != CIPHERTEXT_FORMAT:
            raise OpenFailed("not a Waystation ciphertext")
        return _open_body(self._aead, ciphertext[1:], associated_data, "ciphertext")


def seal_once(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """AES-256-GCM under a key used for one value only (a sealed box's): nonce ||
    ciphertext and tag, with no format byte."""
    return _seal_body(AESGCM(key), plaintext, associated_data)


def open_once(key: bytes, body: bytes, associated_data: bytes) -> bytes:
    """Opens what :func:`seal_once` sealed; :class:`OpenFailed` otherwise."""
    if len(body) < NONCE_BYTES + TAG_BYTES:
        raise OpenFailed("sealed box does not open")
    return _open_body(AESGCM(key), body, associated_data, "sealed box")


# --- X25519 ------------------------------------------------------------------------------
# Keys travel as their raw 32 bytes: that is what the intake key, the mailboxes and the
# boxes store.


def x25519_private_key(seed: bytes | None = None) -> bytes:
    """A new X25519 private key, or the one whose raw bytes are ``seed`` (a codename's
    derived key), in its raw form."""
    private = (
        X25519PrivateKey.generate() if seed is None else X25519PrivateKey.from_private_bytes(seed)
    )
    return private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def x25519_public_key(private: bytes) -> bytes:
    public = X25519PrivateKey.from_private_bytes(private).public_key()
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def x25519_shared_secret(private: bytes, peer_public: bytes) -> bytes:
    """ECDH. ``ValueError`` for a peer key that gives the all-zero secret (a crafted,
    low-order point)."""
    return X25519PrivateKey.from_private_bytes(private).exchange(
        X25519PublicKey.from_public_bytes(peer_public)
    )


# --- digests -----------------------------------------------------------------------------


def keyed_digest(key: bytes, message: bytes, length: int = 16) -> bytes:
    """HMAC-SHA256, truncated: 128 bits is ample to tell identifiers apart."""
    if len(key) < KEY_BYTES:
        # An empty or short key would make the digest guessable: never fail open.
        raise ValueError("a keyed digest needs a full-length key")
    return hmac.new(key, message, hashlib.sha256).digest()[:length]


def keyed_hash64(key: bytes, message: bytes) -> bytes:
    """Keyed BLAKE2b, 8 bytes: a story's signature hashes every shingle, so this must be
    cheap, and 64 bits is what MinHash works in."""
    if len(key) < KEY_BYTES:
        raise ValueError("a keyed hash needs a full-length key")
    return hashlib.blake2b(message, key=key, digest_size=8).digest()


def public_digest(message: bytes) -> bytes:
    """SHA-256 with no key, for values that are public anyway (a public key's
    fingerprint)."""
    return hashlib.sha256(message).digest()


def constant_time_equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


# --- signing keys and certificates (the dossiers' PAdES signature) ------------------------
# EC P-256 or RSA keys in PKCS#8 PEM, X.509 certificates in PEM or DER. Waystation signs
# with them (pyHanko does the PDF part); it never encrypts with them.


class SigningKeyRefused(ValueError):
    """A key or certificate that cannot be read, or a key of another kind."""


def _private_key(pem: bytes) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyRefused("not a PEM private key, or an encrypted one") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise SigningKeyRefused("neither an EC nor an RSA key")
    return key


def _pkcs8_pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _spki(public_key: object) -> bytes:
    return public_key.public_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def new_signing_key() -> str:
    """A new EC P-256 private key, as PKCS#8 PEM."""
    return _pkcs8_pem(ec.generate_private_key(ec.SECP256R1()))


def self_issued_certificate(
    private_key_pem: str, *, organisation: str, common_name: str, days: int
) -> str:
    """A certificate for ``private_key_pem``, issued by itself, for signing documents
    only (digital signature and non-repudiation; not a CA), as PEM."""
    key = _private_key(private_key_pem.encode())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def certificate_ders(pem: bytes | str) -> list[bytes]:
    """Each certificate of a PEM chain, as DER, in the order given."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        chain = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise SigningKeyRefused("not a PEM certificate") from exc
    return [c.public_bytes(serialization.Encoding.DER) for c in chain]


def certificates_pem(ders: list[bytes]) -> str:
    return "".join(
        x509.load_der_x509_certificate(d).public_bytes(serialization.Encoding.PEM).decode()
        for d in ders
    )


def read_signing_key(key_pem: bytes, chain_pem: bytes) -> tuple[str, list[bytes]]:
    """An imported key (as PKCS#8 PEM) and its chain (as DER, the key's own certificate
    first). Refused unless the first certificate is that key's."""
    key = _private_key(key_pem)
    chain = certificate_ders(chain_pem)
    if not chain:
        raise SigningKeyRefused("no certificate")
    if _spki(x509.load_der_x509_certificate(chain[0]).public_key()) != _spki(key.public_key()):
        raise SigningKeyRefused("the first certificate is not that of this key")
    return _pkcs8_pem(key), chain


def private_key_der(private_key_pem: str) -> bytes:
    """The key as PKCS#8 DER, as pyHanko's signer reads it."""
    return _private_key(private_key_pem.encode()).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
