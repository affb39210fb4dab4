"""Writing a whole file so that a crash or power loss never leaves a torn one.

Used for sealed files (case documents, applicant attachments): the file is on disk before
the row that names it is committed (docs/design.md §2.7).
"""

from __future__ import annotations

import os
from pathlib import Path


def write_file_durably(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write to ``<name>.part``, fsync, rename, fsync the folder. A crash leaves no file, a
    ``.part`` file or the whole file, never part of one under the real name. ``mode`` is
    set explicitly (the umask does not narrow it). The folder must exist."""
    part = path.with_name(path.name + ".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    part.replace(path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
