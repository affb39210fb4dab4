"""The key store: key-encryption keys, wrapped under the root key, in one small file.

Why a file and not a table: crypto-shredding must hold even against a copy of the
database taken before the shred (docs/design.md §2.8). If KEKs lived in the database, that copy
plus the trustees' shares would open everything it holds. So KEKs live here, outside the
database and its backups; shredding a case rotates the KEK, rewraps every surviving data
key and erases the old KEK from this file. Data keys in an old database copy are then
wrapped under a KEK that no longer exists anywhere.

The file holds nothing readable without the root key, which is never on disk.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from waystation.vault.primitives import (
    OpenFailed,
    Sealer,
    constant_time_equal,
    derive_key,
    keyed_digest,
)

FORMAT = "waystation-keystore-1"
ROOT_CHECK_PURPOSE = "waystation/root-check/v1"
WRAP_PURPOSE = "waystation/keystore-wrap/v1"
BLIND_INDEX_PURPOSE = "waystation/blind-index/v1"
SESSION_ID_PURPOSE = "waystation/session-id/v1"


class KeystoreError(Exception):
    """The key store is missing, damaged, or does not belong to this root key."""


def root_check(root: bytes) -> str:
    return keyed_digest(derive_key(root, ROOT_CHECK_PURPOSE), b"waystation").hex()


@dataclass
class KeystoreDocument:
    root_check: str
    current_kek: int
    wrapped_keks: dict[int, str]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "root_check": self.root_check,
                "current_kek": self.current_kek,
                "keks": {str(v): w for v, w in sorted(self.wrapped_keks.items())},
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> KeystoreDocument:
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise KeystoreError("the key store has an unknown format")
            doc = cls(
                root_check=str(data["root_check"]),
                current_kek=int(data["current_kek"]),
                wrapped_keks={int(v): str(w) for v, w in data["keks"].items()},
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeystoreError("the key store file is damaged") from exc
        if doc.current_kek not in doc.wrapped_keks:
            raise KeystoreError("the key store names a current key it does not hold")
        return doc


def _kek_context(version: int) -> bytes:
    return f"waystation-kek\x1f{version}".encode()


class Keystore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> KeystoreDocument:
        try:
            return KeystoreDocument.from_json(self.path.read_text())
        except FileNotFoundError as exc:
            raise KeystoreError(
                f"no key store at {self.path}; run `waystation keys init` first"
            ) from exc

    def save(self, doc: KeystoreDocument) -> None:
        """Replace the file atomically and durably: a crash leaves the old or the new."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, doc.to_json().encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        tmp.replace(self.path)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    @staticmethod
    def wrap_kek(root: bytes, version: int, kek: bytes) -> str:
        return Sealer(derive_key(root, WRAP_PURPOSE)).seal(kek, _kek_context(version)).hex()

    @staticmethod
    def unwrap_keks(root: bytes, doc: KeystoreDocument) -> dict[int, bytes]:
        if not constant_time_equal(root_check(root).encode(), doc.root_check.encode()):
            raise KeystoreError("these shares open a different vault than this key store")
        sealer = Sealer(derive_key(root, WRAP_PURPOSE))
        try:
            return {
                v: sealer.open(bytes.fromhex(w), _kek_context(v))
                for v, w in doc.wrapped_keks.items()
            }
        except (OpenFailed, ValueError) as exc:
            raise KeystoreError("a key in the key store has been altered") from exc
