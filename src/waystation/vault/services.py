"""Vault actions that people take: sealing now, rotating keys, shredding a data key."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from waystation.audit import services as audit
from waystation.vault import datakeys, runtime
from waystation.vault.agent import SealReport


def seal_now(*, actor_id: int | None) -> SealReport:
    """Every worker drops its keys. The audit entry is written first: once sealed, the
    reason for the seal must already be on record."""
    with transaction.atomic():
        audit.record(actor_id=actor_id, action="vault.seal_now")
    return runtime.backend().seal()


def rotate_keys(*, actor_id: int | None, progress: datakeys.Progress | None = None) -> int:
    new_version, _retired = datakeys.rotate_keks(progress)
    with transaction.atomic():
        audit.record(
            actor_id=actor_id,
            action="vault.keys_rotated",
            object_type="kek",
            object_id=str(new_version),
        )
    return new_version


def shred_data_key(
    *, actor_id: int | None, data_key_id: str, erase_indexes: Callable[[], object] | None = None
) -> None:
    """Destroy a data key, then rotate KEKs so that even a database copy taken before
    this moment cannot open what it sealed (see keystore.py for why).

    ``erase_indexes`` runs in the same transaction as the destruction: the owner's blind
    indexes go exactly when its key does. Inside a caller's transaction the rotation's old
    KEKs are erased only when that transaction commits (see datakeys.rotate_keks)."""
    with transaction.atomic():
        if erase_indexes is not None:
            erase_indexes()
        datakeys.destroy_data_key(data_key_id)
        audit.record(
            actor_id=actor_id,
            action="vault.data_key_shredded",
            object_type="data_key",
            object_id=data_key_id,
        )
    datakeys.rotate_keks()
