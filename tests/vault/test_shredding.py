"""docs/design.md §2.8: forgetting is real. Once a case is shredded nothing of it can be
decrypted, through the application or from a copy of the database taken before the
shred, even with the current key store and the trustees' shares."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.vault.seeding import demo_key_file, open_case, reopen_vault, seed_case
from waystation.audit.models import AuditEntry
from waystation.cases.models import Case
from waystation.cases.services.shredding import shred_case
from waystation.vault import datakeys, runtime
from waystation.vault.datakeys import DataKeyShredded, _wrap_context
from waystation.vault.fields import associated_data, sealed_files_root
from waystation.vault.keystore import Keystore
from waystation.vault.models import DataKey
from waystation.vault.primitives import OpenFailed, Sealer


@dataclass(frozen=True)
class OldRow:
    kek_version: int
    wrapped: bytes


def _copy_of_data_keys_before(tmp_path: Path) -> dict[str, OldRow]:
    """What a backup taken now would hold of the data key table.

    SQLite: the database file itself, checkpointed and copied, then read as a file.
    PostgreSQL: the rows read with SQL (what ``pg_dump`` would write of them)."""
    table = DataKey._meta.db_table
    query = f"SELECT id, kek_version, wrapped FROM {table} WHERE wrapped IS NOT NULL"
    if connection.vendor == "sqlite":
        # SQLite's own backup, not a file copy: opening and closing the live file here
        # would drop this process's locks on it (tests/vault/plaintext.py).
        connection.ensure_connection()
        backup = tmp_path / "backup.sqlite3"
        copy = sqlite3.connect(backup)
        try:
            connection.connection.backup(copy)
            rows = copy.execute(query).fetchall()
        finally:
            copy.close()
    else:
        with connection.cursor() as cursor:
            cursor.execute(query)
            rows = cursor.fetchall()
    return {key_id: OldRow(version, bytes(wrapped)) for key_id, version, wrapped in rows}


def _every_kek_the_trustees_can_still_reach(vault, tmp_path: Path) -> dict[int, bytes]:
    """The current key store opened with the root key (which the trustees' shares
    rebuild; in tests the demo key file holds it)."""
    lines = demo_key_file(tmp_path).read_text().splitlines()
    root = bytes.fromhex("".join(ln for ln in lines if not ln.startswith("#")))
    return Keystore.unwrap_keks(root, vault.keystore.load())


@pytest.mark.django_db(transaction=True)
def test_shredded_case_cannot_be_opened_even_from_a_copy_taken_before(vault, tmp_path):
    shredded, document, _markers = seed_case()
    survivor, _survivor_document, survivor_markers = seed_case()
    old_copy = _copy_of_data_keys_before(tmp_path)
    old_row = old_copy[shredded.data_key_id]
    file_path = sealed_files_root() / document.file.storage_name[:2] / document.file.storage_name
    assert file_path.exists()

    shred_case(actor_id=None, case=shredded)

    # 1. Through the application: the data key is gone, and so is the sealed file.
    reopen_vault(vault, tmp_path)
    with pytest.raises(DataKeyShredded):
        _ = Case.objects.get(pk=shredded.pk).full_name
    assert not file_path.exists()
    assert DataKey.objects.get(pk=shredded.data_key_id).wrapped is None

    # 2. From the old copy: its wrapped key was made under a KEK that no longer exists
    # anywhere; no KEK the current key store holds opens it, under any version's context.
    keks = _every_kek_the_trustees_can_still_reach(vault, tmp_path)
    assert old_row.kek_version not in keks
    assert keks.keys() == runtime.keyring().keks.keys()
    for kek in keks.values():
        for version in {old_row.kek_version, *keks}:
            with pytest.raises(OpenFailed):
                Sealer(kek).open(old_row.wrapped, _wrap_context(shredded.data_key_id, version))

    # 3. Every other case was rewrapped and still opens.
    again = Case.objects.get(pk=survivor.pk)
    assert again.phone == survivor_markers.phone_typed
    assert DataKey.objects.get(pk=survivor.data_key_id).kek_version in keks


@pytest.mark.django_db(transaction=True)
def test_shredding_is_in_the_audit_log_with_ids_only(vault):
    case = open_case(full_name="Audit Shred")

    shred_case(actor_id=7, case=case)

    entry = AuditEntry.objects.get(action="vault.data_key_shredded")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (7, "data_key", case.data_key_id)


@pytest.mark.django_db(transaction=True)
def test_a_data_key_cannot_be_shredded_twice(vault):
    case = open_case()
    shred_case(actor_id=None, case=case)

    with pytest.raises(DataKeyShredded, match="already shredded"):
        datakeys.destroy_data_key(case.data_key_id)


@pytest.mark.django_db
def test_a_shredded_key_is_dropped_from_the_running_keyring_at_once():
    """Not only the row: the unwrapped key cached in this process goes too, so a page
    open during the shred cannot keep reading the case."""
    case = open_case(full_name="Cached")
    assert Case.objects.get(pk=case.pk).full_name == "Cached"  # now cached
    assert runtime.keyring().cached_data_sealer(case.data_key_id) is not None

    datakeys.destroy_data_key(case.data_key_id)

    assert runtime.keyring().cached_data_sealer(case.data_key_id) is None
    with pytest.raises(DataKeyShredded):
        _ = Case.objects.get(pk=case.pk).full_name


@pytest.mark.django_db
def test_ciphertext_of_a_shredded_case_stays_noise_to_every_remaining_key():
    """The case's data key was its own: no other case's key opens its fields."""
    shredded, other = open_case(full_name="Gone Person"), open_case(full_name="Other")
    raw = Case.objects.filter(pk=shredded.pk).values_list("full_name", flat=True).get().data
    datakeys.destroy_data_key(shredded.data_key_id)

    with pytest.raises(OpenFailed):
        datakeys.sealer_for(other.data_key_id).open(raw, associated_data(shredded, "full_name"))
