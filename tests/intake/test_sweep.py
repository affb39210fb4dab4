"""``waystation intake sweep``: files left by a crash between writing a file and
committing its row are removed once they are old enough; files rows name never are."""

from __future__ import annotations

import io
import os
import stat
import time

import pytest
from django.core.management import call_command

from tests.intake.files import jpeg_with_gps
from waystation.intake import public_services, storage
from waystation.intake.models import Attachment
from waystation.intake.uploads import clean_upload

pytestmark = pytest.mark.django_db

HOUR = 3600


def leave(name: str, age: float) -> os.PathLike:
    path = storage.path_for(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x02" + os.urandom(100))
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def sweep(*args: str) -> str:
    out = io.StringIO()
    call_command("intake", "sweep", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def stored_file(intake_key):
    photo = clean_upload(name="p.jpg", content_type="image/jpeg", data=jpeg_with_gps())
    public_services.submit_request(
        new=public_services.NewRequest(
            urgency=1, language="en", country="RU", story="x", files=[photo]
        )
    )
    path = storage.path_for(Attachment.objects.get().storage_name)
    old = time.time() - 10 * HOUR
    os.utime(path, (old, old))  # as old as the orphans: age alone never condemns a file
    return path


def test_old_orphans_and_part_files_are_removed(stored_file):
    orphan = leave(storage.new_storage_name(), age=2 * HOUR)
    part = leave(storage.new_storage_name() + ".part", age=2 * HOUR)
    assert "Removed 2 orphaned file(s)." in sweep()
    assert not orphan.exists() and not part.exists()
    assert stored_file.exists()


def test_young_orphans_are_left_for_a_request_still_being_stored(stored_file):
    young = leave(storage.new_storage_name(), age=60)
    assert "Removed 0" in sweep()
    assert young.exists()
    assert "Removed 1" in sweep("--older-than", "0")
    assert not young.exists() and stored_file.exists()


def test_a_file_a_row_names_is_never_removed(stored_file):
    sweep("--older-than", "0")
    assert stored_file.exists()
    attachment = Attachment.objects.get()
    assert public_services.storage.path_for(attachment.storage_name) == stored_file


def test_nothing_to_sweep_without_a_folder(db):
    assert "Removed 0" in sweep()


def test_files_are_group_readable_and_folders_group_writable(stored_file):
    """So a staff side running as another user in a shared group can open and sweep
    them (docs/operations.md); whatever the umask."""
    assert stat.S_IMODE(stored_file.stat().st_mode) == 0o640
    for folder in (stored_file.parent, storage.root()):
        mode = folder.stat().st_mode
        assert stat.S_IMODE(mode) & 0o070 == 0o070
        assert mode & stat.S_ISGID
        assert not stat.S_IMODE(mode) & 0o007
