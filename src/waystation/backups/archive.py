"""The backup file's format, and what can be checked of it without the private key.

A backup is one binary age file (age-encryption.org/v1, X25519 recipients only). Inside
it, a POSIX tar stream, in this order:

- ``database.sqlite3`` (SQLite's online backup API) or ``database.pgdump``
  (``pg_dump --format=custom``);
- ``keys/keystore.json``: the wrapped KEKs (useless without K trustees' shares);
- ``media/<path>``: every sealed file (``media/sealed/…``, ``media/intake/…``), under
  its random storage name;
- ``manifest.json``, last, because it holds the SHA-256 of every part before it.

The manifest (``MANIFEST_FORMAT``, version ``MANIFEST_VERSION``) holds no personal data:
part names (random), sizes, digests, when, which Waystation, which migrations.

Beside the backup, ``<file>.check`` (JSON) holds the ciphertext's size and SHA-256: a
digest of ciphertext says nothing about what it encrypts, and lets anyone check, with no
key, that a copy is whole and unaltered since this server wrote it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from waystation.vault import age

MANIFEST_FORMAT = "waystation-backup"
MANIFEST_VERSION = 1
CHECK_FORMAT = "waystation-backup-check-1"
MANIFEST_NAME = "manifest.json"
DATABASE_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
KEYSTORE_NAME = "keys/keystore.json"
MEDIA_PREFIX = "media/"

# age's payload: a 16-byte nonce, then chunks of 64 KiB of plaintext, each with a 16-byte
# tag; the last chunk may be shorter (and is empty only when the whole plaintext is).
AGE_NONCE = 16
AGE_CHUNK = 64 * 1024
AGE_TAG = 16
READ_BLOCK = 1024 * 1024

_SAFE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class BackupError(Exception):
    """A backup that cannot be written, checked or restored; the message is for people
    and never holds personal data."""


def check_path(path: Path) -> Path:
    return path.with_name(path.name + ".check")


def safe_member(name: str) -> bool:
    """A name a restore may write: one of the fixed parts, or a media path of plain
    components (no ``..``, no absolute path, no link): a hostile file cannot write
    outside the staging folder."""
    if name in (MANIFEST_NAME, KEYSTORE_NAME, *DATABASE_NAMES.values()):
        return True
    if not name.startswith(MEDIA_PREFIX):
        return False
    # Split on "/" itself, not through PurePosixPath (which drops "." and "//"): two
    # spellings of one path would be two parts of the manifest but one file on disk.
    parts = name.split("/")[1:]
    return bool(parts) and len(parts) <= 6 and all(_SAFE_PART.fullmatch(p) for p in parts)


def safe_entry(member: tarfile.TarInfo) -> bool:
    """A plain file only: no link, folder or device, and no sparse file (tarfile expands
    a sparse member's holes, so a few bytes of backup could fill the disk)."""
    return (
        member.type in (tarfile.REGTYPE, tarfile.AREGTYPE)
        and member.sparse is None
        and member.size >= 0
        and safe_member(member.name)
    )


def check_manifest(manifest: Any) -> dict[str, Any]:
    """The manifest's shape, before anything reads it: a lying or malformed manifest is
    refused with a clear message, never a crash half-way through a restore. Returns it.
    It must list the key store and exactly one database, the one its vendor names."""

    def refuse(why: str) -> BackupError:
        return BackupError(f"the backup's manifest is malformed ({why}): it is refused")

    if not isinstance(manifest, dict):
        raise refuse("not an object")
    if manifest.get("format") != MANIFEST_FORMAT or manifest.get("version") != MANIFEST_VERSION:
        raise BackupError("this is not a Waystation backup of a format this version reads")
    for key in ("id", "created_at", "waystation"):
        if not isinstance(manifest.get(key), str):
            raise refuse(key)
    if not isinstance(manifest.get("media_files"), int):
        raise refuse("media_files")
    database = manifest.get("database")
    if not isinstance(database, dict) or database.get("vendor") not in DATABASE_NAMES:
        raise refuse("database")
    migrations = manifest.get("migrations")
    if not isinstance(migrations, dict) or not all(
        isinstance(app, str) and isinstance(names, list) and all(isinstance(n, str) for n in names)
        for app, names in migrations.items()
    ):
        raise refuse("migrations")
    parts = manifest.get("parts")
    if not isinstance(parts, list) or not all(
        isinstance(p, dict)
        and isinstance(p.get("name"), str)
        and isinstance(p.get("bytes"), int)
        and isinstance(p.get("sha256"), str)
        for p in parts
    ):
        raise refuse("parts")
    names = [p["name"] for p in parts]
    if len(set(names)) != len(names):
        raise refuse("a part listed twice")
    databases = [n for n in names if n in DATABASE_NAMES.values()]
    if databases != [DATABASE_NAMES[database["vendor"]]]:
        raise refuse("not exactly one database part, of the vendor it names")
    if KEYSTORE_NAME not in names:
        raise refuse("no key store part")
    return manifest


@dataclass(frozen=True)
class Structure:
    """What the age file shows to someone without a key."""

    size: int
    stanzas: int
    payload: int
    plausible_length: bool


def read_structure(stream: IO[bytes], size: int) -> Structure:
    """Parse the age header (version line, X25519 stanzas, MAC line) and check that the
    payload's length fits age's chunking. Raises :class:`BackupError`."""
    head = stream.read(age.MAX_HEADER_BYTES)
    try:
        age.check_header(head)
    except age.AgeError as exc:
        raise BackupError(f"not a whole backup: {exc}") from exc
    end = head.find(b"\n--- ")
    mac_end = head.find(b"\n", end + 1)
    if mac_end < 0:
        raise BackupError("not a whole backup: the age header is cut off")
    mac = head[end + 5 : mac_end]
    try:
        if len(base64.b64decode(mac + b"=" * (-len(mac) % 4), validate=True)) != 32:
            raise ValueError
    except ValueError as exc:
        raise BackupError("not a whole backup: the age header's MAC line is malformed") from exc
    stanzas = sum(1 for line in head[:end].split(b"\n") if line.startswith(b"-> X25519 "))
    if stanzas == 0:
        raise BackupError("not a whole backup: the age header names no X25519 recipient")
    payload = size - (mac_end + 1)
    body = payload - AGE_NONCE
    full, rest = divmod(body, AGE_CHUNK + AGE_TAG)
    # A final chunk holds its tag and, unless it is the only one, at least one byte.
    plausible = body >= AGE_TAG and (rest > AGE_TAG or (rest == AGE_TAG and full == 0) or rest == 0)
    if not plausible:
        raise BackupError(
            f"not a whole backup: its encrypted part ({payload} bytes) does not end on an "
            "age chunk: the file is truncated or altered"
        )
    return Structure(size=size, stanzas=stanzas, payload=payload, plausible_length=True)


def file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while block := stream.read(READ_BLOCK):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()
