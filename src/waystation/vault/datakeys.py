"""Data keys: one per case, wrapped under the current key-encryption key.

Creating, opening, shredding and rewrapping data keys happens here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from waystation.vault import runtime
from waystation.vault.keyring import VaultSealed
from waystation.vault.models import DataKey, KekEpoch
from waystation.vault.primitives import OpenFailed, Sealer, new_key

REWRAP_BATCH = 500


class DataKeyShredded(Exception):
    """This data key was destroyed: what it sealed cannot be opened by anyone."""


def _wrap_context(data_key_id: str, kek_version: int) -> bytes:
    return f"waystation-datakey\x1f{data_key_id}\x1f{kek_version}".encode()


@transaction.atomic
def create_data_key() -> DataKey:
    keyring = runtime.keyring()
    if _current_kek_in_database(share_lock=True) > keyring.current_kek:
        # A rotation committed a new KEK whose event has not reached us yet. A key wrapped
        # under the old KEK now would be lost when that KEK is erased.
        keyring = runtime.refreshed_keyring()
        if _current_kek_in_database(share_lock=False) > keyring.current_kek:
            raise VaultSealed()  # the agent does not have it either: fail closed
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
    """Erase the wrapped key. Callers then call :func:`rotate_keks` so that copies of
    the database taken earlier cannot open it either."""
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
    the next run finishes the job. Returns (new version, retired versions); inside an
    open transaction the old KEKs are erased when it commits, and the list fills then.

    Rotations run one at a time, each holding the data key table (see
    :func:`_lock_data_keys`): two interleaved rotations would each rewrap keys under
    their own KEK and then erase the other's, losing every key caught in between.
    """
    with transaction.atomic():
        # First the epoch row: this waits for every worker that read the current KEK
        # while creating a data key, and makes later ones wait for our commit and then
        # see the new KEK (see KekEpoch).
        epoch, _ = KekEpoch.objects.select_for_update().get_or_create(pk=1)
        _lock_data_keys()
        new_version = runtime.backend().add_kek()
        epoch.current_kek = new_version
        epoch.save(update_fields=["current_kek"])
        _rewrap_under(new_version, progress)
    # A worker that took its keys just before the new KEK existed may insert a data key
    # wrapped under the old one once our lock is released (on PostgreSQL its insert was
    # waiting for it). Lock again, which waits for that insert's commit, and catch it.
    with transaction.atomic():
        _lock_data_keys()
        _rewrap_under(new_version, None)
    retired: list[int] = []

    # Only once every rewrap is committed may the old KEKs go: erased before a rollback,
    # they would take every data key with them.
    def retire() -> None:
        retired.extend(runtime.backend().retire_keks_except(new_version))

    transaction.on_commit(retire)  # at once when no transaction is open
    return new_version, retired


def _current_kek_in_database(*, share_lock: bool) -> int:
    """KekEpoch.current_kek. With ``share_lock`` on PostgreSQL the row stays locked FOR
    SHARE until this transaction ends, so a rotation waits for us (Django's ORM offers
    only exclusive row locks, which would make every data key creation wait for every
    other). SQLite transactions are serialised already."""
    connection = transaction.get_connection()
    table = connection.ops.quote_name(KekEpoch._meta.db_table)
    lock = " FOR SHARE" if share_lock and connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT current_kek FROM {table} WHERE id = 1{lock}")  # noqa: S608  (no values: table name from the model)
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _lock_data_keys() -> None:
    """Hold the data key table against other writers until this transaction ends.

    SQLite transactions take the database's write lock as they begin (transaction_mode
    IMMEDIATE in settings); PostgreSQL needs it asked for. SHARE ROW EXCLUSIVE lets
    readers through, waits for transactions that already wrote data keys, and keeps new
    writers (and other rotations) waiting until we commit.
    """
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(DataKey._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def _rewrap_under(new_version: int, progress: Progress | None) -> None:
    older = DataKey.objects.filter(wrapped__isnull=False, kek_version__lt=new_version)
    total = older.count()
    done = 0
    # A key under a KEK that the key store no longer holds opens for nobody (a restored
    # old backup holds only such keys). Leave it: trying to rewrap it would stop this and
    # every later rotation, and with them every shred.
    gone: set[int] = set()
    while batch := list(
        older.exclude(kek_version__in=gone).values_list("id", "kek_version", "wrapped")[
            :REWRAP_BATCH
        ]
    ):
        # A copy: an older rotation retiring its KEKs wipes the keyring object under us.
        keks = dict(runtime.keyring().keks)
        if new_version not in keks:
            raise KeyError(f"key-encryption key v{new_version} left the keyring mid-rotation")
        new_kek = Sealer(keks[new_version])
        versions = {v for _id, v, _w in batch}
        old_keks = {v: Sealer(keks[v]) for v in versions if v in keks}
        gone.update(versions - keks.keys())
        for data_key_id, old_version, wrapped in batch:
            if old_version not in old_keks:
                continue
            assert wrapped is not None  # the query excludes shredded keys
            key = old_keks[old_version].open(
                bytes(wrapped), _wrap_context(data_key_id, old_version)
            )
            DataKey.objects.filter(pk=data_key_id, kek_version=old_version).update(
                kek_version=new_version,
                wrapped=new_kek.seal(key, _wrap_context(data_key_id, new_version)),
            )
        done += len(batch)
        if progress is not None:
            progress(done, max(total, done))
