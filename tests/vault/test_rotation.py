"""Rotating key-encryption keys: every data key is rewrapped under a new KEK and the old
KEKs are erased, without touching one record, and without ever losing a data key (the
rotation runs after every shred, so it must be safe when it fails or runs twice)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from tests.vault.seeding import open_case, reopen_vault, seed_case
from waystation.cases.models import Case, CaseDocument
from waystation.vault import datakeys, services
from waystation.vault.datakeys import DataKeyShredded
from waystation.vault.fields import sealed_files_root
from waystation.vault.models import DataKey

SEALED_COLUMNS = ("full_name", "phone", "narrative", "contacts", "phone_index")


def _case_columns() -> dict[str, tuple[object, ...]]:
    return {row[0]: row[1:] for row in Case.objects.values_list("id", *SEALED_COLUMNS)}


def _data_keys() -> dict[str, tuple[int, bytes | None]]:
    return {
        key_id: (version, None if wrapped is None else bytes(wrapped))
        for key_id, version, wrapped in DataKey.objects.values_list("id", "kek_version", "wrapped")
    }


def _keystore_versions(vault) -> tuple[list[int], int]:
    doc = vault.keystore.load()
    return sorted(doc.wrapped_keks), doc.current_kek


@pytest.mark.django_db
def test_rotation_rewraps_data_keys_without_touching_records(
    vault, tmp_path, django_capture_on_commit_callbacks
):
    cases = [seed_case() for _ in range(3)]
    columns_before, keys_before = _case_columns(), _data_keys()
    files_before = {p: p.read_bytes() for p in sealed_files_root().rglob("*.sealed")}

    with django_capture_on_commit_callbacks(execute=True):
        new_version = services.rotate_keys(actor_id=None)

    assert new_version == 2
    assert _case_columns() == columns_before, "records must not be re-encrypted"
    assert {p: p.read_bytes() for p in sealed_files_root().rglob("*.sealed")} == files_before
    keys_after = _data_keys()
    assert keys_after.keys() == keys_before.keys()
    for key_id, (version, wrapped) in keys_after.items():
        assert version == 2
        assert wrapped != keys_before[key_id][1]
    assert _keystore_versions(vault) == ([2], 2)

    reopen_vault(vault, tmp_path)  # nothing cached: every data key unwrapped anew
    for case, document, markers in cases:
        assert Case.objects.get(pk=case.pk).phone == markers.phone_typed
        assert CaseDocument.objects.get(pk=document.pk).file.data == markers.file_contents


@pytest.mark.django_db
def test_rotation_reports_progress(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(datakeys, "REWRAP_BATCH", 2)
    for _ in range(5):
        open_case()
    reported: list[tuple[int, int]] = []

    with django_capture_on_commit_callbacks(execute=True):
        datakeys.rotate_keks(lambda done, total: reported.append((done, total)))

    assert reported == [(2, 5), (4, 5), (5, 5)]


@pytest.mark.django_db
def test_repeated_rotations_leave_exactly_one_kek(
    vault, tmp_path, django_capture_on_commit_callbacks
):
    case = open_case(full_name="Still Here")
    for expected in (2, 3, 4):
        with django_capture_on_commit_callbacks(execute=True):
            version, retired = datakeys.rotate_keks()
        assert (version, retired) == (expected, [expected - 1])
        assert _keystore_versions(vault) == ([expected], expected)

    reopen_vault(vault, tmp_path)
    assert Case.objects.get(pk=case.pk).full_name == "Still Here"


@pytest.mark.django_db
def test_shredded_data_keys_stay_shredded_through_rotation(django_capture_on_commit_callbacks):
    kept, shredded = open_case(), open_case()
    datakeys.destroy_data_key(shredded.data_key_id)

    with django_capture_on_commit_callbacks(execute=True):
        datakeys.rotate_keks()

    keys = _data_keys()
    assert keys[shredded.data_key_id] == (1, None)
    assert keys[kept.data_key_id][0] == 2


@pytest.mark.django_db
def test_old_keks_are_erased_only_when_the_rewraps_are_committed(
    vault, django_capture_on_commit_callbacks
):
    """Inside an open transaction the old KEK must outlive the rewraps' commit
    (regression: it used to be erased at once)."""
    open_case()

    with django_capture_on_commit_callbacks(execute=False) as pending:
        _version, retired = datakeys.rotate_keks()
        assert _keystore_versions(vault) == ([1, 2], 2)
        assert retired == []

    for callback in pending:
        callback()
    assert _keystore_versions(vault) == ([2], 2)
    assert retired == [1]


@pytest.mark.django_db
def test_a_rotation_that_rolls_back_loses_no_data_key(
    vault, tmp_path, django_capture_on_commit_callbacks
):
    """Regression: when the caller's transaction rolled back after a rotation, the
    rewraps were undone but the old KEK, under which every data key was again wrapped,
    had already been erased: every case lost at once."""
    case = open_case(full_name="Survivor")

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        datakeys.rotate_keks()
        raise RuntimeError("the caller failed after rotating")

    versions, current = _keystore_versions(vault)
    assert 1 in versions and current == 2
    reopen_vault(vault, tmp_path)
    assert Case.objects.get(pk=case.pk).full_name == "Survivor"


def test_an_older_rotation_retiring_keeps_a_newer_rotations_kek(vault):
    """Regression: rotation A (v2) finished rewrapping, rotation B made v3 current and a
    worker wrapped a new case's key under v3; then A retired "everything but v2" and made
    v2 current again: v3 and every key under it were gone."""
    assert vault.add_kek() == 2  # rotation A
    assert vault.add_kek() == 3  # rotation B; new data keys now go under v3

    retired = vault.retire_keks_except(2)  # A finishes

    assert retired == [1]
    assert _keystore_versions(vault) == ([2, 3], 3)
    assert 3 in vault.keyring().keks


@pytest.mark.django_db(transaction=True)
def test_concurrent_rotations_lose_no_data_key(vault, tmp_path, monkeypatch):
    """Two shreds at once run two rotations. The second starts while the first is
    rewrapping; both must finish and every data key must still open."""
    monkeypatch.setattr(datakeys, "REWRAP_BATCH", 1)
    cases = [open_case(full_name=f"Person {n}") for n in range(4)]
    errors: list[BaseException] = []
    second_done = threading.Event()

    def second_rotation() -> None:
        try:
            datakeys.rotate_keks()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()
            second_done.set()

    def start_second_rotation_midway(done: int, total: int) -> None:
        if done == 1:
            threading.Thread(target=second_rotation).start()
            # The second rotation may run through now, or (correctly) wait for our lock.
            second_done.wait(timeout=1.0)

    datakeys.rotate_keks(start_second_rotation_midway)
    assert second_done.wait(timeout=30)

    assert errors == []
    assert _keystore_versions(vault) == ([3], 3)
    reopen_vault(vault, tmp_path)
    for number, case in enumerate(cases):
        assert Case.objects.get(pk=case.pk).full_name == f"Person {number}"


@pytest.mark.django_db
def test_a_data_key_under_an_erased_kek_does_not_block_rotation(
    vault, tmp_path, django_capture_on_commit_callbacks
):
    """A key wrapped under a KEK the key store no longer holds (as a restored old backup
    has) opens for nobody; rotation must still finish, or no shred ever would again
    (regression: it stopped with KeyError)."""
    orphan, live = open_case(full_name="Orphan"), open_case(full_name="Live")
    with django_capture_on_commit_callbacks(execute=True):
        datakeys.rotate_keks()  # v1 erased
    DataKey.objects.filter(pk=orphan.data_key_id).update(kek_version=1)  # as restored

    with django_capture_on_commit_callbacks(execute=True):
        version, retired = datakeys.rotate_keks()

    assert (version, retired) == (3, [2])
    assert _data_keys()[orphan.data_key_id][0] == 1, "left as it was"
    reopen_vault(vault, tmp_path)
    assert Case.objects.get(pk=live.pk).full_name == "Live"
    with pytest.raises(DataKeyShredded, match="retired key-encryption key"):
        _ = Case.objects.get(pk=orphan.pk).full_name
