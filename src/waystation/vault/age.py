"""age (age-encryption.org/v1) for what leaves the installation: referral packages sealed
to a partner's X25519 recipients, and packages from partners opened with this
installation's own identity.

A thin wrapper around ``pyrage`` (the Rust ``age`` crate), so that a partner can open a
package with the stock ``age -d -i key.txt`` and nothing of Waystation. Nothing here
stores a key: the installation's identity is sealed by the vault like any other secret
(``partners.models.InstallationIdentity``), and recipients are public by definition.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import pyrage
from django.utils.translation import gettext as _
from pyrage import x25519

# An X25519 recipient is "age1" and 58 Bech32 characters; a little slack for the checker.
RECIPIENT_MAX = 90
FINGERPRINT_HEX = 32  # 128 bits: 8 groups of 4, short enough to read aloud


class AgeError(Exception):
    """Not a usable age key, or a file that does not open; the message is for people."""


@dataclass(frozen=True)
class Identity:
    """A private identity (``AGE-SECRET-KEY-1…``) and its recipient (``age1…``)."""

    secret: str
    recipient: str

    def __repr__(self) -> str:  # never print a private key into a log or a traceback
        return f"<Identity {self.recipient}>"


def parse_recipient(text: str) -> str:
    """The recipient as age writes it, or :class:`AgeError`. Only X25519 recipients are
    taken: an SSH or plugin recipient would need software a partner may not run."""
    value = (text or "").strip()
    if not value:
        raise AgeError(_("Paste the partner's age public key (it starts with age1)."))
    if len(value) > RECIPIENT_MAX or not value.startswith("age1"):
        raise AgeError(
            _("This is not an age public key: it starts with age1 and has 62 characters.")
        )
    try:
        recipient = x25519.Recipient.from_str(value)
    except (pyrage.RecipientError, ValueError) as exc:
        raise AgeError(_("This age public key is malformed: check it with the partner.")) from exc
    return str(recipient)


def fingerprint(recipient: str) -> str:
    """SHA-256 of the recipient string, in groups of four hex digits, for staff to read
    aloud to the partner before the key is first used."""
    digest = hashlib.sha256(recipient.encode("ascii")).hexdigest()[:FINGERPRINT_HEX]
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def new_identity() -> Identity:
    identity = x25519.Identity.generate()
    return Identity(secret=str(identity), recipient=str(identity.to_public()))


def recipient_of(secret: str) -> str:
    try:
        return str(x25519.Identity.from_str(secret).to_public())
    except (pyrage.IdentityError, ValueError) as exc:
        raise AgeError(_("not an age identity")) from exc


def encrypt(data: bytes, recipients: Sequence[str]) -> bytes:
    """Binary age format, openable by any one of ``recipients``."""
    if not recipients:
        raise AgeError(_("There is no key to encrypt to."))
    parsed = [x25519.Recipient.from_str(parse_recipient(r)) for r in recipients]
    try:
        return bytes(pyrage.encrypt(data, parsed))
    except pyrage.EncryptError as exc:
        raise AgeError(_("The package could not be encrypted.")) from exc


MAX_HEADER_BYTES = 64 * 1024
MAX_STANZAS = 20
_ARMOR = b"-----BEGIN AGE ENCRYPTED FILE-----"


def check_header(data: bytes) -> None:
    """Refuse, before ``pyrage`` sees it, a header it would spend long on: ``pyrage``
    holds the GIL while it tries each recipient stanza, so a header of a thousand fake
    stanzas froze a worker for half a minute. The header is text lines up to the MAC line
    (``--- …``): the version line, then stanzas (``-> type args…`` and base64 body
    lines). Taken: at most :data:`MAX_STANZAS` stanzas within :data:`MAX_HEADER_BYTES`,
    each X25519 or a "grease" stanza (``…-grease``, which age and rage add to keep the
    format open; they are skipped without any work)."""
    if data.lstrip()[: len(_ARMOR)] == _ARMOR:
        raise AgeError(
            _(
                "This is an armored (text) age file: send the binary .age file "
                "(made without -a / --armor)."
            )
        )
    if not data.startswith(b"age-encryption.org/v1\n"):
        raise AgeError(_("This is not an age-encrypted file."))
    end = data.find(b"\n--- ", 0, MAX_HEADER_BYTES)
    if end < 0:
        raise AgeError(
            _("This age file's header is longer than %(kb)s KB, or malformed: it is refused.")
            % {"kb": MAX_HEADER_BYTES // 1024}
        )
    stanzas = 0
    for line in data[:end].split(b"\n")[1:]:
        if not line.startswith(b"->"):
            continue
        stanzas += 1
        if stanzas > MAX_STANZAS:
            raise AgeError(
                _("This age file names more than %(count)s recipients: it is refused.")
                % {"count": MAX_STANZAS}
            )
        fields = line[2:].split()
        kind = fields[0] if fields else b""
        if kind != b"X25519" and not kind.endswith(b"-grease"):
            raise AgeError(
                _(
                    "This age file is encrypted to a kind of key other than an age X25519 key "
                    "(age1…): it is refused."
                )
            )


def decrypt(data: bytes, secrets: Sequence[str]) -> bytes:
    """Open ``data`` with one of ``secrets``, or :class:`AgeError`."""
    check_header(data)
    try:
        identities = [x25519.Identity.from_str(s) for s in secrets]
    except (pyrage.IdentityError, ValueError) as exc:
        raise AgeError(_("not an age identity")) from exc
    if not identities:
        raise AgeError(_("This installation has no age identity yet."))
    try:
        return bytes(pyrage.decrypt(data, identities))
    except pyrage.DecryptError as exc:
        raise AgeError(_("This file was not encrypted to this installation's key.")) from exc
