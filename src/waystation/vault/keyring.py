"""What a process holds while unsealed: the keys derived from the root key.

A :class:`Keyring` lives only in memory. It is built by the key service (in the key
agent, or in this process for tests and one-off commands) and dropped on "seal now".
It never holds the root key itself: only the key-encryption keys (KEKs), which wrap
each case's data key, the blind-index key, and the session-id key (which keys the
session table, see :mod:`waystation.vault.session_ids`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from waystation.vault.primitives import Sealer


class VaultSealed(Exception):
    """The vault is sealed: nothing personal can be read or written until unsealed."""


@dataclass
class Keyring:
    keks: dict[int, bytes]
    current_kek: int
    blind_index_key: bytes
    session_id_key: bytes
    generation: int = 0
    # Set by wipe(). Code that still holds a reference to this keyring (a request in
    # flight during "seal now") must get VaultSealed, never work on with empty keys.
    wiped: bool = False
    # Unwrapped data keys, as ready ciphers, by DataKey id. Dropped with the keyring.
    _data_sealers: dict[str, Sealer] = field(default_factory=dict, repr=False)
    _kek_sealers: dict[int, Sealer] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def require_blind_index_key(self) -> bytes:
        if self.wiped:
            raise VaultSealed()
        return self.blind_index_key

    def require_session_id_key(self) -> bytes:
        if self.wiped:
            raise VaultSealed()
        return self.session_id_key

    def kek_sealer(self, version: int) -> Sealer:
        with self._lock:
            if self.wiped:
                raise VaultSealed()
            sealer = self._kek_sealers.get(version)
            if sealer is None:
                if version not in self.keks:
                    raise KeyError(f"key-encryption key v{version} is not in the keyring")
                sealer = self._kek_sealers[version] = Sealer(self.keks[version])
            return sealer

    def cached_data_sealer(self, data_key_id: str) -> Sealer | None:
        if self.wiped:
            raise VaultSealed()
        return self._data_sealers.get(data_key_id)

    def remember_data_sealer(self, data_key_id: str, sealer: Sealer) -> None:
        with self._lock:
            self._data_sealers[data_key_id] = sealer

    def forget_data_key(self, data_key_id: str) -> None:
        with self._lock:
            self._data_sealers.pop(data_key_id, None)

    def wipe(self) -> None:
        """Drop every reference we hold. Python cannot zero immutable bytes; dropping the
        references lets the allocator reuse the memory, and the process never writes keys
        anywhere else (no swap of secrets is promised; see docs/vault.md)."""
        with self._lock:
            self.wiped = True
            self.keks.clear()
            self._kek_sealers.clear()
            self._data_sealers.clear()
            self.blind_index_key = b""
            self.session_id_key = b""

    def to_wire(self) -> dict[str, object]:
        return {
            "keks": {str(v): k.hex() for v, k in self.keks.items()},
            "current_kek": self.current_kek,
            "blind_index_key": self.blind_index_key.hex(),
            "session_id_key": self.session_id_key.hex(),
            "generation": self.generation,
        }

    @classmethod
    def from_wire(cls, data: dict[str, object]) -> Keyring:
        keks_raw = data["keks"]
        assert isinstance(keks_raw, dict)
        current = data["current_kek"]
        generation = data["generation"]
        blind = data["blind_index_key"]
        session_id = data["session_id_key"]
        assert isinstance(current, int) and isinstance(generation, int)
        assert isinstance(blind, str) and isinstance(session_id, str)
        return cls(
            keks={int(v): bytes.fromhex(k) for v, k in keks_raw.items()},
            current_kek=current,
            blind_index_key=bytes.fromhex(blind),
            session_id_key=bytes.fromhex(session_id),
            generation=generation,
        )
