"""docs/design.md §5.13: a crafted backup given to ``backup verify --identity`` or
``backup restore`` is refused with a clear message, and writes nothing outside the
restore's private staging folder.

age does not say who encrypted a file: anyone holding a recipient's *public* key can
write one that decrypts and authenticates. So each file here is a real age file,
encrypted to the test's key, whose tar stream or manifest is hostile: links, devices,
``..``, two spellings of one path, a sparse member that would expand on disk, a part
missing or doubled, a manifest of the wrong shape."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pyrage
import pytest
from pyrage import x25519

from waystation.backups import services
from waystation.backups.archive import BackupError

IDENTITY = x25519.Identity.generate()
Member = tuple[tarfile.TarInfo, bytes]


def _file(name: str, data: bytes = b"part") -> Member:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _special(name: str, kind: bytes, link: str = "") -> Member:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info, b""


BASE = [_file("database.sqlite3"), _file("keys/keystore.json", b"{}")]


def _manifest(parts: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    manifest = {
        "format": "waystation-backup",
        "version": 1,
        "id": "abcdefgh23456789",
        "created_at": "2026-12-07T12:00:00Z",
        "waystation": "test",
        "database": {"vendor": "sqlite", "tool": "test"},
        "migrations": {},
        "keystore": {"current_kek": 1},
        "media_files": sum(1 for p in parts if p["name"].startswith("media/")),
        "parts": parts,
    }
    manifest.update(changes)
    return manifest


def _backup(
    tmp_path: Path, members: list[Member], manifest: Any = None, *, listed: Any = None
) -> Path:
    """A real age file of a tar stream of ``members`` then ``manifest.json``; by default
    the manifest lists every regular member with its true size and digest (as the
    member's reader would see it)."""
    stream = io.BytesIO()
    parts = []
    with tarfile.open(fileobj=stream, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
            if info.isreg():
                real = data
                if "GNU.sparse.map" in info.pax_headers:  # what tarfile expands it to
                    real = b"\0" * (int(info.pax_headers["GNU.sparse.size"]) - 1) + data
                parts.append(
                    {
                        "name": info.name,
                        "bytes": len(real),
                        "sha256": hashlib.sha256(real).hexdigest(),
                    }
                )
        doc = _manifest(parts if listed is None else listed) if manifest is None else manifest
        body = json.dumps(doc).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    path = tmp_path / "crafted.backup"
    path.write_bytes(pyrage.encrypt(stream.getvalue(), [IDENTITY.to_public()]))
    return path


def _restore_parts(tmp_path: Path, backup: Path) -> Path:
    """What a restore does first: decrypt into its private staging folder."""
    staging = tmp_path / "data" / ".restore-test"
    staging.mkdir(parents=True)
    services._read_archive(backup, [IDENTITY], staging)
    return staging


def _written(tmp_path: Path) -> list[str]:
    return sorted(
        str(p.relative_to(tmp_path))
        for p in tmp_path.rglob("*")
        if p.is_file() and p.name != "crafted.backup"
    )


def test_a_wellformed_crafted_file_is_read(tmp_path):
    """The baseline the hostile variants below differ from by one thing."""
    staging = _restore_parts(tmp_path, _backup(tmp_path, [*BASE, _file("media/sealed/ab12")]))
    assert sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file()) == [
        "database.sqlite3",
        "keys/keystore.json",
        "media/sealed/ab12",
    ]


@pytest.mark.parametrize(
    "member",
    [
        _file("../escape"),
        _file("media/../../escape"),
        _file("media/sealed/../../../escape"),
        _file("/tmp/escape"),
        _file("media//sealed"),
        _file("media/./sealed"),
        _file("media/"),
        _file("escape.txt"),
        _file("keys/other.json"),
        _special("media/link", tarfile.SYMTYPE, "/etc/passwd"),
        _special("media/hard", tarfile.LNKTYPE, "database.sqlite3"),
        _special("media/tty", tarfile.CHRTYPE),
        _special("media/disk", tarfile.BLKTYPE),
        _special("media/fifo", tarfile.FIFOTYPE),
        _special("media/folder", tarfile.DIRTYPE),
    ],
    ids=lambda m: f"{m[0].type!r}:{m[0].name}",
)
def test_an_entry_outside_the_allowed_set_is_refused(tmp_path, member):
    backup = _backup(tmp_path, [*BASE, member])
    with pytest.raises(BackupError, match="unexpected entry"):
        _restore_parts(tmp_path, backup)
    assert not (tmp_path / "escape").exists() and not (tmp_path.parent / "escape").exists()
    with pytest.raises(BackupError):
        services.verify_backup(backup, identities=[IDENTITY])


def test_two_spellings_of_one_path_are_refused(tmp_path):
    backup = _backup(tmp_path, [*BASE, _file("media/./ab12", b"one"), _file("media/ab12", b"two")])
    with pytest.raises(BackupError, match="unexpected entry"):
        _restore_parts(tmp_path, backup)


def test_a_sparse_member_is_refused_before_it_expands_on_disk(tmp_path):
    """tarfile expands a sparse member's holes: 1 byte of backup, megabytes written."""
    info, data = _file("media/sealed/big", b"x")
    info.pax_headers = {"GNU.sparse.size": str(4_000_000), "GNU.sparse.map": "3999999,1"}
    backup = _backup(tmp_path, [*BASE, (info, data)])
    with pytest.raises(BackupError):
        _restore_parts(tmp_path, backup)
    assert sum((tmp_path / p).stat().st_size for p in _written(tmp_path)) < 100_000


def test_a_part_twice_is_refused(tmp_path):
    backup = _backup(tmp_path, [*BASE, _file("media/ab12", b"one"), _file("media/ab12", b"two")])
    with pytest.raises(BackupError, match="twice"):
        _restore_parts(tmp_path, backup)


def _part(name: str, data: bytes = b"part") -> dict[str, Any]:
    return {"name": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


@pytest.mark.parametrize(
    "listed",
    [
        [_part("database.sqlite3"), _part("keys/keystore.json", b"{}"), _part("media/gone")],
        [_part("database.sqlite3")],
        [_part("database.sqlite3", b"other"), _part("keys/keystore.json", b"{}")],
        [{**_part("database.sqlite3"), "bytes": 1}, _part("keys/keystore.json", b"{}")],
    ],
    ids=["lists a part not there", "leaves a part out", "wrong digest", "wrong size"],
)
def test_a_manifest_that_lies_about_its_parts_is_refused(tmp_path, listed):
    backup = _backup(tmp_path, BASE, listed=listed)
    with pytest.raises(BackupError, match=r"do not match its manifest|malformed"):
        services.verify_backup(backup, identities=[IDENTITY])


@pytest.mark.parametrize(
    ("members", "manifest"),
    [
        ([_file("keys/keystore.json", b"{}")], None),  # no database
        ([_file("database.sqlite3")], None),  # no key store
        ([*BASE, _file("database.pgdump")], None),  # two databases
        ([_file("database.pgdump"), BASE[1]], None),  # a pg dump, the manifest says sqlite
        (BASE, [1, 2]),
        (BASE, {"format": "waystation-backup", "version": 1}),
        (BASE, _manifest([_part("database.sqlite3")], database="sqlite")),
        (BASE, _manifest([_part("database.sqlite3")], migrations={"cases": "0001"})),
        (BASE, _manifest([{"name": "database.sqlite3"}])),
        (BASE, _manifest([_part("database.sqlite3")] * 2 + [_part("keys/keystore.json", b"{}")])),
    ],
    ids=[
        "no database",
        "no key store",
        "two databases",
        "the other vendor's database",
        "not an object",
        "no parts",
        "database not an object",
        "migrations not lists",
        "a part without digest",
        "a part listed twice",
    ],
)
def test_a_manifest_of_the_wrong_shape_is_refused_with_a_message(tmp_path, members, manifest):
    """Refused as a BackupError (a message, nothing changed), never a KeyError half-way
    through a restore, after the database was already replaced."""
    backup = _backup(tmp_path, members, manifest)
    with pytest.raises(BackupError, match=r"malformed|do not match"):
        services.verify_backup(backup, identities=[IDENTITY])


@pytest.mark.parametrize(
    "check",
    [
        '{"format": "waystation-backup-check-1"}',
        '{"format": "waystation-backup-check-1", "bytes": "12", "sha256": "00"}',
        "[1]",
        "not json",
    ],
    ids=["no size or digest", "size not a number", "not an object", "not json"],
)
def test_a_malformed_check_file_is_refused_with_a_message(tmp_path, check):
    backup = _backup(tmp_path, BASE)
    backup.with_name(backup.name + ".check").write_text(check)
    with pytest.raises(BackupError, match="is not a backup check file"):
        services.verify_backup(backup)
