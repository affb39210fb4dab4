"""Data keys: one per case, wrapped under the current key-encryption key.

Creating, opening, shredding and rewrapping data keys happens here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from waystation.vault import runtime
from waystation.vault.models import DataKey
from waystation.vault.primitives import OpenFailed, Sealer, new_key

REWRAP_BATCH = 500


class DataKeyShredded(Exception):
    """This data key was destroyed: what it sealed cannot be opened by anyone."""


def _wrap_context(data_key_id: str, kek_version: int) -> bytes:
    return f"waystation-datakey\x1f{data_key_id}\x1f{kek_version}".encode()


def create_data_key() -> DataKey:
    keyring = runtime.keyring()
    data_key = DataKey(kek_version=keyring.current_kek)
    key = new_key()
    data_key.wrapped = keyring.kek_sealer(keyring.current_kek).seal(
        key, _wrap_context(data_key.id, keyring.current_kek)
    )
    data_key.save(force_insert=True)
    keyring.remember_data_sealer(data_key.id, Sealer(key))
    return data_key


def sealer_for(data_key_id: str) -> Sealer:
    keyring = runtime.keyring()
    sealer = keyring.cached_data_sealer(data_key_id)
    if sealer is not None:
        return sealer
    row = DataKey.objects.filter(pk=data_key_id).values_list("kek_version", "wrapped").first()
    if row is None:
        raise DataKeyShredded(f"no data key {data_key_id}")
    kek_version, wrapped = row
    if wrapped is None:
        raise DataKeyShredded(f"data key {data_key_id} was shredded")
    try:
        kek = keyring.kek_sealer(kek_version)
    except KeyError as exc:
        raise DataKeyShredded(
            f"data key {data_key_id} is wrapped under a retired key-encryption key"
        ) from exc
    try:
        key = kek.open(bytes(wrapped), _wrap_context(data_key_id, kek_version))
    except OpenFailed as exc:
        raise DataKeyShredded(f"data key {data_key_id} does not open") from exc
    sealer = Sealer(key)
    keyring.remember_data_sealer(data_key_id, sealer)
    return sealer


def destroy_data_key(data_key_id: str) -> None:
    """Erase the wrapped key. Callers then call :func:`rotate_keks` (outside any open
    transaction) so that copies of the database taken earlier cannot open it either."""
    updated = DataKey.objects.filter(pk=data_key_id, wrapped__isnull=False).update(
        wrapped=None, shredded_at=timezone.now()
    )
    if not updated:
        raise DataKeyShredded(f"data key {data_key_id} does not exist or was already shredded")
    runtime.keyring().forget_data_key(data_key_id)


Progress = Callable[[int, int], None]


def rotate_keks(progress: Progress | None = None) -> tuple[int, list[int]]:
    """Make a new KEK current, rewrap every live data key under it, erase the old KEKs.

    Records are not touched: only the small wrapped keys change. Safe to run again after
    a crash at any point: an unfinished rotation leaves old KEKs in the key store, and
    the next run finishes the job. Returns (new version, retired versions).
    """
    new_version = runtime.backend().add_kek()
    total = DataKey.objects.filter(wrapped__isnull=False).exclude(kek_version=new_version).count()
    done = 0
    # Loop until no live key is left under an old KEK: a worker that had not yet heard of
    # the new KEK may have created one under the old KEK while we were rewrapping.
    while True:
        batch = list(
            DataKey.objects.filter(wrapped__isnull=False)
            .exclude(kek_version=new_version)
            .values_list("id", "kek_version", "wrapped")[:REWRAP_BATCH]
        )
        if not batch:
            break
        keyring = runtime.keyring()
        new_kek = keyring.kek_sealer(new_version)
        with transaction.atomic():
            for data_key_id, old_version, wrapped in batch:
                assert wrapped is not None  # the query excludes shredded keys
                key = keyring.kek_sealer(old_version).open(
                    bytes(wrapped), _wrap_context(data_key_id, old_version)
                )
                DataKey.objects.filter(pk=data_key_id, kek_version=old_version).update(
                    kek_version=new_version,
                    wrapped=new_kek.seal(key, _wrap_context(data_key_id, new_version)),
                )
        done += len(batch)
        if progress is not None:
            progress(done, max(total, done))
    retired = runtime.backend().retire_keks_except(new_version)
    return new_version, retired
