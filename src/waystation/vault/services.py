"""Vault actions that people take: sealing now, rotating keys, shredding a data key."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from django.db import DatabaseError, transaction

from waystation.audit import services as audit
from waystation.vault import datakeys, runtime, signals
from waystation.vault.agent import SealReport

logger = logging.getLogger(__name__)


def seal_now(*, actor_id: int | None) -> SealReport:
    """Every worker drops its keys, then the seal is recorded.

    Sealing comes first and does not depend on the database: in a raid the seal must
    happen even if the database is down or locked. The audit entry needs no keys, so it
    can still be written afterwards; if it cannot, the seal stands and the log says so.

    The receivers of ``signals.sealed_now`` (the API ends every token) run in the audit
    entry's transaction: the entry exists exactly when they did their part."""
    report = runtime.backend().seal()
    try:
        with transaction.atomic():
            audit.record(actor_id=actor_id, action="vault.seal_now")
            signals.sealed_now.send(sender=SealReport, actor_id=actor_id)
    except DatabaseError:
        logger.error(
            "vault sealed, but the audit entry for the seal (and the end of API tokens) "
            "could not be written"
        )
    return report


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
    *,
    actor_id: int | None,
    data_key_id: str,
    erase_indexes: Callable[[], object] | None = None,
    also_shred: Sequence[str] = (),
) -> None:
    """Destroy a data key, then rotate KEKs so that even a database copy taken before
    this moment cannot open what it sealed (see keystore.py for why).

    ``erase_indexes`` runs in the same transaction as the destruction: the owner's blind
    indexes (and rows it erases outright) go exactly when its key does. ``also_shred``
    names more data keys of the same owner to destroy with it; the list is read after
    ``erase_indexes`` ran, so the callback may fill it. Inside a caller's transaction the
    rotation's old KEKs are erased only when that transaction commits (see
    datakeys.rotate_keks)."""
    with transaction.atomic():
        if erase_indexes is not None:
            erase_indexes()
        for key_id in [data_key_id, *also_shred]:
            datakeys.destroy_data_key(key_id)
            audit.record(
                actor_id=actor_id,
                action="vault.data_key_shredded",
                object_type="data_key",
                object_id=key_id,
            )
    datakeys.rotate_keks()
