"""Attachment files on disk: sealed to the intake key, under random names.

A file is written and fsynced (with its folder) *before* the row naming it commits, so a
committed row never points at a missing or half-written file (docs/design.md §2.7). A crash
between the two leaves an orphan: a ``.part`` file, or a whole sealed file no row names.
Staff only ever reach files through rows, so orphans are never shown; ``waystation
intake sweep`` deletes those older than an hour (they are ciphertext meanwhile).

The public process and the staff side may run as different Unix users sharing a group
(docs/operations.md): files are written group-readable and folders group-writable and
setgid, whatever the umask, so the staff side can open and sweep what the public side
wrote. Every file is ciphertext sealed to the intake key.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.conf import settings

from waystation.durable import write_file_durably
from waystation.ids import random_id
from waystation.vault import boxes

ORPHAN_AGE_SECONDS = 3600
SUFFIX = ".box"
FILE_MODE = 0o640
FOLDER_MODE = 0o2770  # setgid: files take the folder's (shared) group


def root() -> Path:
    return Path(settings.MEDIA_ROOT) / "intake"


def new_storage_name() -> str:
    return f"{random_id()}{random_id()}{SUFFIX}"


def path_for(storage_name: str) -> Path:
    if "/" in storage_name or "\\" in storage_name or storage_name.startswith("."):
        raise ValueError("invalid stored file name")
    return root() / storage_name[:2] / storage_name


def file_context(attachment_id: str) -> bytes:
    return boxes.box_context("intake_attachment", attachment_id, "file")


def seal_file(
    *, public_key: bytes, attachment_id: str, content_type: str, name: str, data: bytes
) -> bytes:
    header = json.dumps({"name": name, "type": content_type}).encode()
    return boxes.seal_to(public_key, header + b"\n" + data, file_context(attachment_id))


def _folder(path: Path) -> None:
    if path.is_dir():
        return
    if path.parent != root().parent:
        _folder(path.parent)
    else:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        path.mkdir(mode=FOLDER_MODE)
    except FileExistsError:
        return  # another worker made it first
    path.chmod(FOLDER_MODE)  # mkdir's mode passes through the umask


def write(storage_name: str, sealed: bytes) -> None:
    """Write a whole file durably: to ``….part``, fsync, rename, fsync the folder. A
    crash leaves either no file, a ``.part`` file, or the whole file; never a torn one
    under the real name."""
    path = path_for(storage_name)
    _folder(path.parent)
    write_file_durably(path, sealed, mode=FILE_MODE)


def remove(storage_name: str) -> None:
    path_for(storage_name).unlink(missing_ok=True)


def open_file(
    *, private_key: bytes, attachment_id: str, storage_name: str
) -> tuple[str, str, bytes]:
    """(name, content type, bytes) of a stored attachment."""
    sealed = path_for(storage_name).read_bytes()
    plain = boxes.open_box(private_key, sealed, file_context(attachment_id))
    header, _, data = plain.partition(b"\n")
    meta = json.loads(header)
    return str(meta["name"]), str(meta["type"]), data


def sweep_orphans(known: set[str], *, older_than: float = ORPHAN_AGE_SECONDS) -> int:
    """Delete files no row names (``known``) and unfinished ``.part`` files, if older
    than ``older_than`` seconds (younger ones may belong to a request being stored)."""
    removed = 0
    base = root()
    if not base.exists():
        return 0
    cutoff = time.time() - older_than
    for path in base.glob("*/*"):
        if path.name in known or not path.is_file():
            continue
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
