"""The shred ledger is written only for shreds that committed, and read strictly; the
last backup's age is shown to administrators."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.urls import reverse

from tests.factories import make_staff
from tests.vault.seeding import seed_case
from waystation.accounts.roles import Role
from waystation.accounts.templatetags.staff_format import local_datetime
from waystation.backups.selectors import last_backup
from waystation.cases.services.shredding import shred_case
from waystation.vault import ledger


@pytest.mark.django_db(transaction=True)
def test_a_shred_is_on_the_ledger_only_once_it_committed(shred_ledger):
    case, _doc, _markers = seed_case()
    kept, _doc, _markers = seed_case()

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        shred_case(actor_id=None, case=kept)
        assert not shred_ledger.exists()
        raise Rollback
    assert not shred_ledger.exists()

    shred_case(actor_id=None, case=case)
    entries = ledger.read(shred_ledger)
    assert [(e.kind, e.object_id) for e in entries] == [("case", case.pk)]
    assert oct(shred_ledger.stat().st_mode & 0o777) == "0o600"


def test_a_malformed_ledger_is_refused_not_skipped(tmp_path):
    path = tmp_path / "ledger"
    path.write_text("2026-12-07T15:30:00Z case abcdefgh23456789\nZaurbek was here\n")
    with pytest.raises(ledger.LedgerError, match="malformed line 2"):
        ledger.read(path)


def test_the_ledger_takes_random_ids_only():
    with pytest.raises(ValueError):
        ledger.record_shred("case", "Zaurbek Qarayev")


@pytest.mark.django_db
def test_administrators_see_the_last_backup_and_its_age(client_for, settings):
    admin = make_staff(Role.ADMINISTRATOR, "admin")
    page = client_for(admin).get(reverse("accounts:staff_list"))
    assert "Last backup: <strong>none written on this server" in page.content.decode()

    at = datetime.now(UTC) - timedelta(hours=3)
    record = settings.WAYSTATION_BACKUP_RECORD
    record.write_text(
        json.dumps({"at": "2026-01-01T00:00:00Z", "id": "old", "bytes": 1, "sha256": "0"})
        + "\n"
        + json.dumps(
            {"at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "id": "new", "bytes": 2, "sha256": "0"}
        )
        + "\n"
        + '{"at": "torn'
    )
    last = last_backup()
    assert last is not None and last.backup_id == "new"
    page = client_for(admin).get(reverse("accounts:staff_list")).content.decode()
    assert f"Last backup: {local_datetime(at)} UTC, 3 h 0 min ago." in page


def test_a_shred_after_a_torn_line_gets_a_line_of_its_own(tmp_path):
    """A crash or a full disk can leave the last line without its newline; the next
    shred must not be glued to it, or it would be lost inside one malformed line."""
    path = tmp_path / "ledger"
    path.write_bytes(b"2026-12-07T15:30:00Z case abcdefgh23456789\n2026-12-07T15:3")
    ledger.append(path, "request", "mnpqrstu23456789")
    lines = path.read_text().splitlines()
    assert lines[1] == "2026-12-07T15:3"
    assert lines[2].endswith(" request mnpqrstu23456789")
    with pytest.raises(ledger.LedgerError, match="malformed line 2: compare it with"):
        ledger.read(path)
    path.write_text("\n".join(lines[:1] + lines[2:]) + "\n")  # the operator's repair
    assert [e.object_id for e in ledger.read(path)] == ["abcdefgh23456789", "mnpqrstu23456789"]


@pytest.mark.django_db(transaction=True)
def test_replaying_the_ledger_twice_shreds_once_and_writes_no_line(shred_ledger):
    from waystation.backups.services import _reapply
    from waystation.vault.models import DataKey

    case, _doc, _markers = seed_case()
    kept, _doc, _markers = seed_case()
    entries = [ledger.LedgerEntry("2026-12-07T15:30:00Z", "case", case.pk)] * 2
    assert _reapply(entries) == [f"case {case.pk}"]
    assert _reapply(entries) == []
    assert DataKey.objects.get(pk=case.data_key_id).wrapped is None
    assert DataKey.objects.get(pk=kept.data_key_id).wrapped is not None
    assert not shred_ledger.exists() or shred_ledger.read_text() == ""


def _row(table: str, pk: object) -> tuple[list[str], tuple[object, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])
        return [c[0] for c in cursor.description], cursor.fetchone()


def _put_back(table: str, columns: list[str], values: tuple[object, ...]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(columns))
        cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)


@pytest.mark.django_db(transaction=True)
def test_a_reset_phone_stays_reset_after_a_restore_of_an_older_backup(shred_ledger):
    """A two-factor reset destroys the device's data key like a shred: the KEKs rotate
    and the key goes on the ledger, so a restore destroys it (and the device) again."""
    from waystation.accounts import services as accounts
    from waystation.accounts.models import SealedTOTPDevice
    from waystation.backups.services import _reapply
    from waystation.vault.models import DataKey

    admin = make_staff(Role.ADMINISTRATOR)
    person = make_staff(Role.CASEWORKER)
    device = SealedTOTPDevice.objects.get(user=person, confirmed=True)
    key_id = device.data_key_id
    others_kek = DataKey.objects.get(pk=SealedTOTPDevice.objects.get(user=admin).data_key_id)
    device_table, key_table = SealedTOTPDevice._meta.db_table, DataKey._meta.db_table
    # What a backup taken now holds of the phone.
    old_device, old_key = _row(device_table, device.pk), _row(key_table, key_id)

    accounts.reset_two_factor(actor_id=admin.pk, user=person)

    assert ("key", key_id) in [(e.kind, e.object_id) for e in ledger.read(shred_ledger)]
    rewrapped = DataKey.objects.get(pk=others_kek.pk)
    assert rewrapped.kek_version > others_kek.kek_version  # today's key store: new KEK

    # The older backup restored: the device and its wrapped key are back.
    DataKey.objects.filter(pk=key_id).delete()
    _put_back(key_table, *old_key)
    _put_back(device_table, *old_device)
    assert SealedTOTPDevice.objects.filter(pk=device.pk).exists()

    assert _reapply(ledger.read(shred_ledger)) == [f"key {key_id}"]
    assert not SealedTOTPDevice.objects.filter(pk=device.pk).exists()
    assert DataKey.objects.get(pk=key_id).wrapped is None
    assert _reapply(ledger.read(shred_ledger)) == []
