"""The holder of the root key.

Exactly one :class:`KeyService` holds the root key of a running installation: inside
the key agent (``waystation agent``) for servers, or inside the current process for
tests and one-off commands. Workers never see the root key; they get a
:class:`~waystation.vault.keyring.Keyring` of derived keys and drop it when told.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from waystation.vault.keyring import Keyring, VaultSealed
from waystation.vault.keystore import (
    BLIND_INDEX_PURPOSE,
    SESSION_ID_PURPOSE,
    Keystore,
    KeystoreDocument,
    KeystoreError,
    root_check,
)
from waystation.vault.primitives import KEY_BYTES, derive_key, new_key
from waystation.vault.shares import ShareError, combine_shares, split_root_key

__all__ = ["KeyService", "UnsealError", "VaultSealed"]

logger = logging.getLogger(__name__)

DEMO_KEY_HEADER = (
    "# DEMO KEY - NOT FOR REAL DATA.\n"
    "# Anyone with this file can read everything Waystation stores with it.\n"
    "# Real installations are unsealed with trustees' shares: see docs/operations.md.\n"
)


class UnsealError(Exception):
    """Unsealing failed; the message says why in words for the person unsealing."""


Listener = Callable[[str], None]


class KeyService:
    def __init__(self, keystore_path: Path) -> None:
        self.keystore = Keystore(keystore_path)
        self._root: bytes | None = None
        self._keyring: Keyring | None = None
        self._generation = 0
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []
        self.demo = False

    # -- setting up -------------------------------------------------------------------

    def initialise(self, *, shares: int, threshold: int) -> list[str]:
        """Create a new root key and key store; return the shares for the trustees."""
        root = new_key()
        share_words = split_root_key(root, shares=shares, threshold=threshold)
        self._create_keystore(root)
        return share_words

    def initialise_demo(self, key_file: Path) -> None:
        root = new_key()
        key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key_file.write_text(DEMO_KEY_HEADER + root.hex() + "\n")
        key_file.chmod(0o600)
        self._create_keystore(root)

    def _create_keystore(self, root: bytes) -> None:
        if self.keystore.exists():
            raise KeystoreError(
                f"a key store already exists at {self.keystore.path}; refusing to replace it"
            )
        kek = new_key()
        self.keystore.save(
            KeystoreDocument(
                root_check=root_check(root),
                current_kek=1,
                wrapped_keks={1: Keystore.wrap_kek(root, 1, kek)},
            )
        )

    # -- unsealing and sealing --------------------------------------------------------

    def unseal_with_shares(self, share_texts: Iterable[str]) -> None:
        try:
            root = combine_shares(share_texts)
        except ShareError as exc:
            raise UnsealError(str(exc)) from exc
        self._unseal(root, demo=False)

    def unseal_with_demo_key_file(self, key_file: Path) -> None:
        try:
            lines = [
                ln.strip() for ln in key_file.read_text().splitlines() if not ln.startswith("#")
            ]
            root = bytes.fromhex("".join(lines))
        except FileNotFoundError as exc:
            raise UnsealError(f"no demo key file at {key_file}") from exc
        except ValueError as exc:
            raise UnsealError("the demo key file is damaged") from exc
        if len(root) != KEY_BYTES:
            raise UnsealError("the demo key file is damaged")
        self._unseal(root, demo=True)

    def _unseal(self, root: bytes, *, demo: bool) -> None:
        try:
            doc = self.keystore.load()
            keks = Keystore.unwrap_keks(root, doc)
        except KeystoreError as exc:
            raise UnsealError(str(exc)) from exc
        with self._lock:
            self._root = root
            self.demo = demo
            self._generation += 1
            self._keyring = Keyring(
                keks=keks,
                current_kek=doc.current_kek,
                blind_index_key=derive_key(root, BLIND_INDEX_PURPOSE),
                session_id_key=derive_key(root, SESSION_ID_PURPOSE),
                generation=self._generation,
            )
        self._notify("unsealed")

    def seal(self) -> None:
        with self._lock:
            if self._keyring is not None:
                self._keyring.wipe()
            self._keyring = None
            self._root = None
            self._generation += 1
        self._notify("sealed")

    @property
    def is_unsealed(self) -> bool:
        return self._keyring is not None

    def keyring(self) -> Keyring:
        keyring = self._keyring
        if keyring is None:
            raise VaultSealed()
        return keyring

    # -- key-encryption key lifecycle ---------------------------------------------------

    def add_kek(self) -> int:
        """Create a new KEK and make it current. Old ones stay until retired."""
        with self._lock:
            root = self._require_root()
            doc = self.keystore.load()
            version = max(doc.wrapped_keks) + 1
            kek = new_key()
            doc.wrapped_keks[version] = Keystore.wrap_kek(root, version, kek)
            doc.current_kek = version
            self.keystore.save(doc)
            self._reload(root, doc)
        self._notify("changed")
        return version

    def retire_keks_except(self, keep: int) -> list[int]:
        """Erase every KEK older than ``keep`` from the key store. Callers first rewrap
        all data keys under ``keep``; anything still wrapped under a retired KEK is lost.

        Newer KEKs stay, and so does the current one: a newer KEK belongs to a rotation
        that started after the caller's, whose data keys may already be wrapped under it;
        that rotation retires ``keep`` in its turn."""
        with self._lock:
            root = self._require_root()
            doc = self.keystore.load()
            if keep not in doc.wrapped_keks:
                raise KeystoreError(f"key-encryption key v{keep} is not in the key store")
            retired = sorted(v for v in doc.wrapped_keks if v < keep)
            doc.wrapped_keks = {v: w for v, w in doc.wrapped_keks.items() if v >= keep}
            self.keystore.save(doc)
            self._reload(root, doc)
        self._notify("changed")
        return retired

    def _require_root(self) -> bytes:
        if self._root is None:
            raise VaultSealed()
        return self._root

    def _reload(self, root: bytes, doc: KeystoreDocument) -> None:
        old = self._keyring
        self._generation += 1
        self._keyring = Keyring(
            keks=Keystore.unwrap_keks(root, doc),
            current_kek=doc.current_kek,
            blind_index_key=derive_key(root, BLIND_INDEX_PURPOSE),
            session_id_key=derive_key(root, SESSION_ID_PURPOSE),
            generation=self._generation,
        )
        if old is not None:
            old.wipe()

    # -- listeners (the agent forwards these to workers) --------------------------------

    def add_listener(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _notify(self, event: str) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                logger.exception("a vault listener failed on %s", event)
