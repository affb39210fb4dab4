"""What Waystation writes is its own: folders 0700, files 0600.

The data folder holds the SQLite database (demo mode), the demo's signing and root keys,
the key store, the key agent's socket and sealed files. SQLite, Django and Python create
files with whatever the umask allows, so every server and command runs under umask 077
(``cli.main`` and the WSGI/ASGI entry points set it). Code that shares on purpose, the
intake folder the public side writes for the staff side (docs/operations.md), sets its
modes explicitly, which the umask does not narrow.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_UMASK = 0o077
PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def use_private_umask() -> None:
    """From now on this process and its children create files 0600 and folders 0700
    unless they name a mode."""
    os.umask(PRIVATE_UMASK)


def make_private_folder(path: Path) -> None:
    """``path`` and any missing parents, created 0700; ``path`` itself narrowed to 0700
    if it already existed (a folder made by an earlier version, for one)."""
    old = os.umask(PRIVATE_UMASK)  # parents too: mkdir's mode applies to the last part only
    try:
        path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER_MODE)
    finally:
        os.umask(old)
    path.chmod(PRIVATE_FOLDER_MODE)


def write_private_file(path: Path, text: str) -> None:
    """Create ``path`` 0600 from the first byte (never readable by others in between);
    refuses to replace an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "w") as file:
        file.write(text)
