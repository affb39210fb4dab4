"""Public-key sealing for the intake, and keys derived from an applicant's codename.

The public request page must accept requests while the vault is sealed and while it
holds no secret at all (docs/design.md §2.2, §2.3). So requests are sealed to the intake's X25519
*public* key, as an ECIES "sealed box" built only from the primitives of ``vault/primitives.py``:

    ephemeral X25519 key pair  ->  ECDH with the recipient's public key
    ->  HKDF-SHA256 (salt = ephemeral public || recipient public, info = purpose)
    ->  AES-256-GCM with associated data (table, row, field, like every sealed value)

Only the holder of the intake *private* key (stored wrapped under a vault data key, so
only a process unsealed by the trustees) can open them.

Replies to an applicant are sealed the same way, to a public key *derived from the
codename*: the staff side holds only that public key, never the codename, and the
applicant's browser needs nothing but the codename to open them again.

Why no slow KDF for codenames: a codename is at least 7 words drawn with ``secrets``
from the 7,776-word EFF list, i.e. at least 90 bits. A slow hash multiplies an
attacker's cost by a constant (a few thousand at most before the intake itself gets
slow); against 2^90 guesses that constant buys nothing, while it would make every
request and every mailbox visit slow and turn the public page into a CPU-exhaustion
target. HKDF-SHA256 with distinct purpose labels keeps the lookup value and the
mailbox key independent of each other. See docs/public-side.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from waystation.vault import primitives
from waystation.vault.primitives import NONCE_BYTES, TAG_BYTES, X25519_KEY_BYTES, OpenFailed

PUBLIC_KEY_BYTES = X25519_KEY_BYTES
PRIVATE_KEY_BYTES = X25519_KEY_BYTES
# First byte of every sealed box; distinct from the symmetric format (0x01).
BOX_FORMAT = b"\x02"
_BOX_HEADER = 1 + PUBLIC_KEY_BYTES

_BOX_PURPOSE = "waystation-sealed-box-v1"
# Purpose labels for values derived from a codename. Never reuse one for another use.
CODENAME_LOOKUP_PURPOSE = "waystation-codename-lookup-v1"
CODENAME_MAILBOX_KEY_PURPOSE = "waystation-codename-mailbox-key-v1"
_ANSWER_PURPOSE = "waystation-mailbox-answer-v1"


@dataclass(frozen=True)
class KeyPair:
    private: bytes
    public: bytes

    def __repr__(self) -> str:
        return f"<KeyPair public={self.public.hex()[:12]}…>"


def _key_pair(seed: bytes | None = None) -> KeyPair:
    private = primitives.x25519_private_key(seed)
    return KeyPair(private=private, public=primitives.x25519_public_key(private))


def new_key_pair() -> KeyPair:
    return _key_pair()


def public_key_of(private: bytes) -> bytes:
    return primitives.x25519_public_key(private)


def _box_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return primitives.derive_key(shared, _BOX_PURPOSE, salt=ephemeral_public + recipient_public)


def seal_to(recipient_public: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """Seal for the holder of the private key matching ``recipient_public``. The sender
    keeps nothing that could open the box again."""
    if len(recipient_public) != PUBLIC_KEY_BYTES:
        raise ValueError("an X25519 public key is 32 bytes")
    ephemeral = new_key_pair()
    shared = primitives.x25519_shared_secret(ephemeral.private, recipient_public)
    key = _box_key(shared, ephemeral.public, recipient_public)
    return BOX_FORMAT + ephemeral.public + primitives.seal_once(key, plaintext, associated_data)


def open_box(recipient_private: bytes, box: bytes, associated_data: bytes) -> bytes:
    if len(box) < _BOX_HEADER + NONCE_BYTES + TAG_BYTES or box[:1] != BOX_FORMAT:
        raise OpenFailed("not a Waystation sealed box")
    ephemeral_public = box[1:_BOX_HEADER]
    # First, outside the try: a malformed private key is the caller's fault, not the box's.
    recipient_public = public_key_of(recipient_private)
    try:
        shared = primitives.x25519_shared_secret(recipient_private, ephemeral_public)
    except ValueError as exc:  # an all-zero shared secret: a crafted ephemeral key
        raise OpenFailed("sealed box does not open") from exc
    key = _box_key(shared, ephemeral_public, recipient_public)
    return primitives.open_once(key, box[_BOX_HEADER:], associated_data)


def box_context(table: str, row_id: str, field: str) -> bytes:
    """Associated data for a sealed box, in the same shape as the vault's sealed fields:
    a box copied to another row or field does not open."""
    return f"{table}\x1f{row_id}\x1f{field}".encode()


# --- codename-derived values ---------------------------------------------------------


def _from_codename(codename: str, purpose: str) -> bytes:
    return primitives.derive_key(codename.encode(), purpose)


def codename_lookup(codename: str) -> str:
    """What the database stores to find a mailbox: never the codename itself. Unkeyed,
    because the public process holds no secret; safe because the codename has ≥ 88 bits.
    Takes the *normalised* codename (see ``waystation.intake.codenames``)."""
    return _from_codename(codename, CODENAME_LOOKUP_PURPOSE).hex()


def codename_key_pair(codename: str) -> KeyPair:
    """The applicant's mailbox key pair, recomputed from the codename on every visit.
    Only its public half is stored; staff replies are sealed to it."""
    return _key_pair(_from_codename(codename, CODENAME_MAILBOX_KEY_PURPOSE))


# --- answers from the mailbox ----------------------------------------------------------


def answer_tag(own_private: bytes, peer_public: bytes, message: bytes) -> bytes:
    """A tag over ``message`` that only the holders of the two key pairs can make: the
    mailbox's (from the codename, in the public process while the applicant is there)
    and the intake's (on the staff side). The public process computes it with the
    mailbox private key and the intake public key; the staff side checks it with the
    intake private key and the mailbox public key (the same X25519 shared secret). So an
    answer written into the database without the codename does not check out."""
    shared = primitives.x25519_shared_secret(own_private, peer_public)
    key = primitives.derive_key(shared, _ANSWER_PURPOSE)
    return primitives.keyed_digest(key, message, length=32)


def answer_tag_checks(own_private: bytes, peer_public: bytes, message: bytes, tag: bytes) -> bool:
    try:
        expected = answer_tag(own_private, peer_public, message)
    except ValueError:  # a crafted low-order public key
        return False
    return primitives.constant_time_equal(expected, tag)


def fingerprint(public: bytes) -> str:
    """A short, stable name for a public key (for operators comparing exports)."""
    return primitives.public_digest(public).hex()[:16]
