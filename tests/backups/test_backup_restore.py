"""docs/design.md §2.7 and §2.8: a backup restores every case, and a restore never undoes
a shred (``waystation backup create|verify|restore``, docs/operations.md#backups).

An installation with manual cases with files, a web request turned into a case, a
relocation case and a web request still on the queue is backed up by a real
``waystation backup create`` process, then restored by a real ``waystation backup
restore`` into a new data folder and a new database, unsealed there with the trustees'
shares and read by a third process: every case opens with the same content, and the case
shredded after the backup stays shredded."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from pyrage import x25519

from tests.factories import make_staff
from tests.intake.test_staff_pages import new_request
from tests.processes import REPO, database_url, waystation_command
from tests.relocation.test_travel_dump import _seed as seed_relocation
from tests.vault.plaintext import find_forms
from tests.vault.seeding import Markers, seed_case
from waystation.accounts.roles import Role
from waystation.cases.models import Case
from waystation.cases.services.opening import open_case_from_request
from waystation.cases.services.shredding import shred_case
from waystation.intake import screening
from waystation.vault import runtime
from waystation.vault.keyservice import KeyService
from waystation.vault.runtime import InProcessBackend

from .contents import contents

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def vault(tmp_path: Path, settings) -> Iterator[KeyService]:
    """This module's vault has real trustees' shares (2 of 3), kept for the restore."""
    keys_dir = tmp_path / "keys"
    settings.WAYSTATION_KEYSTORE_PATH = keys_dir / "keystore.json"
    settings.MEDIA_ROOT = tmp_path / "media"
    service = KeyService(settings.WAYSTATION_KEYSTORE_PATH)
    shares = service.initialise(shares=3, threshold=2)
    (tmp_path / "shares").write_text("\n".join(shares[1:]) + "\n")
    service.unseal_with_shares(shares[:2])
    runtime.use_backend(InProcessBackend(service))
    yield service
    runtime.use_backend(None)


def _env(data_dir: Path, database: str, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{REPO}",
        "DJANGO_SETTINGS_MODULE": "waystation.settings",
        "WAYSTATION_MODE": "demo",
        "WAYSTATION_DATA_DIR": str(data_dir),
        "WAYSTATION_VAULT_BACKEND": "inprocess",
        "DATABASE_URL": database,
        **extra,
    }


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A new, never migrated database of the suite's engine, as a URL."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'waystation.sqlite3'}"
        return
    import psycopg

    name = f"{connection.settings_dict['NAME']}_restore_{secrets.token_hex(4)}"
    admin = database_url().rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url().rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed() -> tuple[list[Markers], list[str], Case, Case]:
    """Cases of every kind; returns the markers, and the case to shred after the backup."""
    _case_a, _doc, markers_a = seed_case()
    case_b, _doc, markers_b = seed_case()
    screening.ensure_intake_key(actor_id=None)
    screener = make_staff(Role.SCREENER, "screener")
    web_token = secrets.token_hex(6)
    receipt = new_request(f"Web request story Umar{web_token}")
    web_case = open_case_from_request(user=screener, request_id=receipt.request_id, team_id=None)
    queued_token = secrets.token_hex(6)
    new_request(f"Still on the queue Aslan{queued_token}")
    _relocation_case, relocation_markers = seed_relocation()
    texts = [f"Umar{web_token}", f"Aslan{queued_token}", *relocation_markers]
    return [markers_a, markers_b], texts, case_b, web_case


def _identity(tmp_path: Path, name: str = "backup-key.txt") -> tuple[Path, str]:
    identity = x25519.Identity.generate()
    path = tmp_path / name
    path.write_text(f"# created: test\n# public key: {identity.to_public()}\n{identity}\n")
    return path, str(identity.to_public())


def _is_empty(data_dir: Path, database: str) -> bool:
    """Nothing written: no key store, no sealed file, no table in the database."""
    if (data_dir / "keys" / "keystore.json").exists() or list(
        (data_dir / "media").rglob("*.sealed")
    ):
        return False
    if database.startswith("sqlite"):
        path = Path(database.removeprefix("sqlite:///"))
        if not path.exists():
            return True
        with sqlite3.connect(path) as conn:
            return not conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    import psycopg

    with psycopg.connect(database) as conn:
        return not conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema='public'"
        ).fetchall()


def test_a_backup_restores_every_case_and_keeps_later_shreds(
    tmp_path, empty_database, shred_ledger
):
    markers, texts, to_shred, web_case = _seed()
    before = contents()
    assert len(before["cases"]) == 4 and len(before["requests"]) == 2
    key_file, recipient = _identity(tmp_path)
    source_env = _env(
        tmp_path,
        database_url(),
        WAYSTATION_BACKUP_RECIPIENTS=recipient,
        WAYSTATION_SHRED_LEDGER=str(shred_ledger),
        WAYSTATION_BACKUP_RECORD=str(tmp_path / "backup-runs"),
    )
    backup = tmp_path / "out" / "waystation.backup"
    backup.parent.mkdir()

    made = waystation_command(source_env, "backup", "create", str(backup))
    assert made.returncode == 0, made.stderr
    assert "OK: backup" in made.stdout
    assert (tmp_path / "out" / "waystation.backup.check").is_file()
    assert not [p for p in backup.parent.iterdir() if p.name.endswith(".partial")]
    assert (
        json.loads((tmp_path / "backup-runs").read_text().splitlines()[-1])["bytes"]
        == backup.stat().st_size
    )

    # No marker in any encoding in the backup or its check file.
    stored = backup.read_bytes() + (tmp_path / "out" / "waystation.backup.check").read_bytes()
    every = [t for m in markers for t in m.all()] + texts
    assert find_forms(stored, every) == []

    # After the backup: one case shredded (and its web request with it), on the ledger.
    shred_case(actor_id=None, case=to_shred)
    shred_case(actor_id=None, case=web_case)
    lines = shred_ledger.read_text().splitlines()
    assert [line.split()[1:] for line in lines] == [
        ["case", to_shred.pk],
        ["request", web_case.source_request_id],
        ["case", web_case.pk],
    ]

    # Verify with and without the key.
    checked = waystation_command(source_env, "backup", "verify", str(backup))
    assert checked.returncode == 0, checked.stderr
    assert "matches waystation.backup.check" in checked.stdout
    assert find_forms(checked.stdout.encode(), every) == []
    opened = waystation_command(
        source_env, "backup", "verify", str(backup), "--identity", str(key_file)
    )
    assert opened.returncode == 0, opened.stderr
    assert "every SHA-256 matches" in opened.stdout

    # The restore, into a new installation, with the ledger copied there.
    restored_dir = tmp_path / "restored"
    restored_dir.mkdir(exist_ok=True)
    shutil.copy(shred_ledger, restored_dir / "shred-ledger")
    target_env = _env(restored_dir, empty_database)
    done = waystation_command(
        target_env, "backup", "restore", str(backup), "--identity", str(key_file)
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "re-applied 2 shred(s)" in done.stdout or "re-applied 3 shred(s)" in done.stdout
    assert "sealed" in done.stdout

    # Unsealed with the trustees' shares (another two of the three), in another process.
    read = __import__("subprocess").run(
        [sys.executable, "-m", "tests.backups.contents", str(tmp_path / "shares")],
        env=target_env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert read.returncode == 0, read.stderr[-3000:]
    after = json.loads(read.stdout)

    expected = json.loads(json.dumps(before))
    expected["cases"][to_shred.pk] = "shredded"
    expected["cases"][web_case.pk] = "shredded"
    expected["requests"].remove(web_case.source_request_id)
    assert after == expected
    if empty_database.startswith("postgres"):
        # The public role's insert rules are never taken from the file (a function is
        # code): the restore made them again from the code, so they hold there too.
        import psycopg

        with psycopg.connect(empty_database) as conn:
            triggers = {
                name
                for (name,) in conn.execute(
                    "SELECT tgname FROM pg_trigger WHERE tgname LIKE '%_public_insert'"
                )
            }
        assert triggers == {
            "intake_helprequest_public_insert",
            "intake_mailboxmessage_public_insert",
        }
    # The shredded cases' files are gone from the restored disk too.
    sealed = {p.name for p in (restored_dir / "media").rglob("*") if p.is_file()}
    assert (
        sealed
        and len(sealed) < len({p.name for p in (tmp_path / "media").rglob("*") if p.is_file()}) + 2
    )

    # A second restore into the now full installation is refused and changes nothing.
    keystore = (restored_dir / "keys" / "keystore.json").read_bytes()
    again = waystation_command(
        target_env, "backup", "restore", str(backup), "--identity", str(key_file)
    )
    assert again.returncode != 0
    assert "not empty" in again.stderr and "nothing was changed" in again.stderr
    assert (restored_dir / "keys" / "keystore.json").read_bytes() == keystore
    read_again = __import__("subprocess").run(
        [sys.executable, "-m", "tests.backups.contents", str(tmp_path / "shares")],
        env=target_env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert json.loads(read_again.stdout) == after


def _damaged(backup: Path, tmp_path: Path) -> dict[str, Path]:
    data = backup.read_bytes()
    header_end = data.index(b"\n--- ")
    payload = data.index(b"\n", header_end + 1) + 1
    variants = {
        "cut in half": data[: len(data) // 2],
        "last byte cut": data[:-1],
        "cut at a chunk boundary": data[: payload + 16 + 65552],
        "one byte altered": data[: len(data) // 2]
        + bytes([data[len(data) // 2] ^ 1])
        + data[len(data) // 2 + 1 :],
        "header altered": data[:30] + bytes([data[30] ^ 1]) + data[31:],
    }
    paths = {}
    for name, content in variants.items():
        path = tmp_path / "damaged" / name.replace(" ", "-")
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content)
        paths[name] = path
    return paths


def test_a_damaged_backup_or_a_wrong_key_is_refused_and_changes_nothing(tmp_path, empty_database):
    seed_case()
    # Enough bytes for several age chunks.
    for _ in range(3):
        seed_case()
    key_file, recipient = _identity(tmp_path)
    wrong_key, _ = _identity(tmp_path, "other-key.txt")
    source_env = _env(tmp_path, database_url(), WAYSTATION_BACKUP_RECIPIENTS=recipient)
    backup = tmp_path / "waystation.backup"
    made = waystation_command(source_env, "backup", "create", str(backup), "--quiet")
    assert made.returncode == 0, made.stderr
    assert backup.stat().st_size > 3 * 65552

    restored_dir = tmp_path / "restored"
    restored_dir.mkdir(exist_ok=True)
    target_env = _env(restored_dir, empty_database)
    wrong = waystation_command(
        target_env, "backup", "restore", str(backup), "--identity", str(wrong_key), "--no-ledger"
    )
    assert wrong.returncode != 0
    assert "not encrypted to the given key" in wrong.stderr
    assert _is_empty(restored_dir, empty_database)

    for name, path in _damaged(backup, tmp_path).items():
        for args in (
            ["verify", str(path), "--identity", str(key_file)],
            ["restore", str(path), "--identity", str(key_file), "--no-ledger"],
        ):
            refused = waystation_command(target_env, "backup", *args)
            assert refused.returncode != 0, (name, args[0], refused.stdout)
            message = refused.stderr.lower()
            assert (
                "truncated" in message or "altered" in message or "not a whole backup" in message
            ), (name, refused.stderr)
            assert _is_empty(restored_dir, empty_database), (name, args[0])
        # Without the key: the check file (or age's structure) catches every one.
        shutil.copy(backup.with_name(backup.name + ".check"), path.with_name(path.name + ".check"))
        plain = waystation_command(target_env, "backup", "verify", str(path))
        assert plain.returncode != 0, name


def test_a_restore_into_this_installation_is_refused_and_changes_nothing(tmp_path, shred_ledger):
    seed_case()
    key_file, recipient = _identity(tmp_path)
    env = _env(tmp_path, database_url(), WAYSTATION_BACKUP_RECIPIENTS=recipient)
    backup = tmp_path / "waystation.backup"
    assert waystation_command(env, "backup", "create", str(backup), "--quiet").returncode == 0
    shred_ledger.write_text("")
    keystore = Path(settings.WAYSTATION_KEYSTORE_PATH).read_bytes()
    before = contents()
    refused = waystation_command(
        env | {"WAYSTATION_SHRED_LEDGER": str(shred_ledger)},
        "backup",
        "restore",
        str(backup),
        "--identity",
        str(key_file),
    )
    assert refused.returncode != 0
    assert "not empty" in refused.stderr and "nothing was changed" in refused.stderr
    assert contents() == before
    assert Path(settings.WAYSTATION_KEYSTORE_PATH).read_bytes() == keystore


def test_a_restore_without_a_ledger_is_refused_unless_asked(tmp_path, empty_database):
    key_file, _recipient = _identity(tmp_path)
    restored_dir = tmp_path / "restored"
    restored_dir.mkdir(exist_ok=True)
    refused = waystation_command(
        _env(restored_dir, empty_database),
        "backup",
        "restore",
        str(tmp_path / "x"),
        "--identity",
        str(key_file),
    )
    assert refused.returncode != 0
    assert "no shred ledger" in refused.stderr
    assert _is_empty(restored_dir, empty_database)


def test_a_backup_without_recipients_is_refused(tmp_path):
    env = _env(tmp_path, database_url())
    refused = waystation_command(env, "backup", "create", str(tmp_path / "b"))
    assert refused.returncode != 0
    assert "no backup recipients" in refused.stderr
    assert not (tmp_path / "b").exists()


def test_a_restore_that_fails_after_the_database_says_half_restored_and_is_not_retried(
    tmp_path, empty_database
):
    """Past the database a failure cannot be undone: the message says the installation
    is half restored, not to unseal it, and how to start again; a second restore refuses
    it (it is not empty) rather than mixing two restores."""
    seed_case()
    key_file, recipient = _identity(tmp_path)
    backup = tmp_path / "waystation.backup"
    source_env = _env(tmp_path, database_url(), WAYSTATION_BACKUP_RECIPIENTS=recipient)
    assert (
        waystation_command(source_env, "backup", "create", str(backup), "--quiet").returncode == 0
    )
    restored_dir = tmp_path / "restored"
    restored_dir.mkdir(exist_ok=True)
    (restored_dir / "keys").write_text("a file where the key store's folder goes\n")
    target_env = _env(restored_dir, empty_database)
    args = ["backup", "restore", str(backup), "--identity", str(key_file), "--no-ledger"]
    failed = waystation_command(target_env, *args)
    assert failed.returncode != 0
    assert "half restored" in failed.stderr and "Do not unseal" in failed.stderr, failed.stderr
    assert "docs/operations.md#restore" in failed.stderr
    assert "Traceback" not in failed.stderr
    (restored_dir / "keys").unlink()
    again = waystation_command(target_env, *args)
    assert again.returncode != 0
    assert "not empty" in again.stderr, again.stderr
