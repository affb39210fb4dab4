"""Anchors: the audit chain's head, written down outside the database.

A hash chain shows an edited entry, unless whoever edited it also recomputed every later
hash and the head row: anyone with write access to the database can. An anchor is a
``seq hash`` line kept where that person cannot reach (another machine, write-once
storage, a printout). Verifying against the anchors shows any rewrite that reaches back
to or before the newest anchor. Each `waystation audit verify --anchors FILE` checks every
anchor in the file, then appends the current head.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from waystation.audit.models import AuditEntry

_LINE = re.compile(r"(\d{1,18}) ([0-9a-f]{64})")
MAX_ANCHOR_FILE_BYTES = 16 * 1024 * 1024


class AnchorError(Exception):
    """The anchor file cannot be used; the message says why."""


@dataclass(frozen=True)
class Anchor:
    seq: int
    entry_hash: str


def read_anchors(path: Path) -> list[Anchor]:
    """Every anchor in the file (none if it does not exist yet)."""
    try:
        if path.stat().st_size > MAX_ANCHOR_FILE_BYTES:
            raise AnchorError(f"{path} is far larger than an anchor file can be")
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorError(f"{path} cannot be read as an anchor file") from exc
    anchors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _LINE.fullmatch(line.strip())
        if match is None:
            raise AnchorError(f"{path}, line {number}: not an anchor ('<entry> <hash>')")
        anchors.append(Anchor(seq=int(match[1]), entry_hash=match[2]))
    return anchors


def first_mismatch(anchors: list[Anchor]) -> str | None:
    """A description of the first anchor the chain no longer matches, or None."""
    for anchor in sorted(anchors, key=lambda a: a.seq):
        stored = (
            AuditEntry.objects.filter(seq=anchor.seq).values_list("entry_hash", flat=True).first()
        )
        if stored is None:
            return f"entry #{anchor.seq}, anchored earlier, is gone"
        if stored != anchor.entry_hash:
            return (
                f"entry #{anchor.seq} no longer has the hash anchored earlier: the log was "
                f"rewritten at or before #{anchor.seq}"
            )
    return None


def append_anchor(path: Path, anchor: Anchor) -> None:
    """Append durably: a crash leaves the file as it was or with the whole line."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as exc:
        raise AnchorError(f"cannot write to {path}") from exc
    try:
        os.write(fd, f"{anchor.seq} {anchor.entry_hash}\n".encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
