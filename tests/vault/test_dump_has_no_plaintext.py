"""docs/design.md §2.1: a seized server reveals nothing.

A case is opened through the services with marker strings in every personal field and a
document; then the database is read as a thief with a copy of the disk would read it
(the raw SQLite file and its write-ahead log, or a plain ``pg_dump``), together with
the whole uploads folder and the key store. No marker may appear in any form.
"""

from __future__ import annotations

import base64
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.vault.plaintext import database_bytes, find_forms, forms_of, read_tree
from tests.vault.seeding import seed_case


def _engine(name: str) -> object:
    """A parameter for one database engine, skipped when the suite runs on the other."""
    return pytest.param(
        name,
        marks=pytest.mark.skipif(
            connection.vendor != name,
            reason=f"this check is for {name}; the suite runs on {connection.vendor}",
        ),
    )


ENGINES = [_engine("sqlite"), _engine("postgresql")]


def _database_as_a_thief_sees_it(engine: str) -> bytes:
    assert connection.vendor == engine
    return database_bytes()


def _disk_outside_the_database(tmp_path: Path) -> bytes:
    # tmp_path holds this test's MEDIA_ROOT (uploads) and key store (tests/conftest.py).
    assert Path(settings.MEDIA_ROOT).is_relative_to(tmp_path)
    return read_tree(tmp_path)


@pytest.mark.parametrize("engine", ENGINES)
def test_database_dump_contains_no_marker(engine, transactional_db, tmp_path):
    _case, _document, markers = seed_case()
    haystack = _database_as_a_thief_sees_it(engine) + _disk_outside_the_database(tmp_path)

    leaks = find_forms(haystack, markers.all())

    assert leaks == [], f"personal data readable in the stored bytes: {leaks[:10]}"


@pytest.mark.parametrize("engine", ENGINES)
def test_dump_search_finds_what_is_stored_in_clear(engine, transactional_db, tmp_path):
    """Not vacuous: the same bytes, searched the same way, hold the operational fields
    that are stored in clear (the random case id, the audit action, the document's
    random storage name), and the sealed file itself."""
    case, document, _markers = seed_case()
    database = _database_as_a_thief_sees_it(engine)
    disk = _disk_outside_the_database(tmp_path)
    storage_name = document.file.storage_name

    assert find_forms(database, [case.id]), "the case id (operational) must be in the dump"
    assert find_forms(database, ["case.document_added"]), "the audit action must be in it"
    assert find_forms(database, [storage_name]), "the file's storage name must be in it"
    assert find_forms(disk, [storage_name]), "the sealed file must be among the files read"


@pytest.mark.parametrize("length", [0, 1, 2, 3, 4, 5])
def test_every_form_searched_for_is_found_where_planted(length):
    """The search itself: each form of a marker, planted between random bytes, is
    found; base64 at any alignment too."""
    marker = "Заурбек Qarayev +79121234567"
    before, after = secrets.token_bytes(length), secrets.token_bytes(7 - length)

    for name, form in forms_of(marker).items():
        assert find_forms(before + form + after, [marker]), name
    for alignment_prefix in (b"", b"x", b"xy"):
        encoded = base64.b64encode(alignment_prefix + before + marker.encode() + after)
        assert find_forms(encoded, [marker]), f"base64 after {len(alignment_prefix)} bytes"


@pytest.mark.parametrize("engine", [_engine("sqlite")])
def test_reading_the_raw_database_leaves_other_processes_seeing_our_writes(
    engine, transactional_db
):
    """The dump read must not cost this process its SQLite locks (read_from_another_process):
    if it did, the next process to close a connection would delete the write-ahead log
    under us, and a row written after that would be invisible to everyone else."""
    from django.contrib.auth.models import Group

    Group.objects.create(name="before the read")
    database_bytes()
    name = connection.settings_dict["NAME"]
    count = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "print(c.execute('SELECT count(*) FROM auth_group').fetchone()[0]); c.close()"
    )
    before = subprocess.run(
        [sys.executable, "-c", count, name], check=True, capture_output=True, text=True
    )

    Group.objects.create(name="after the read")

    seen = subprocess.run(
        [sys.executable, "-c", count, name], check=True, capture_output=True, text=True
    )
    assert int(seen.stdout) == int(before.stdout) + 1
