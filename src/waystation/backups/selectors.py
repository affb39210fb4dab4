"""When the last backup was written, for administrators (the status pages)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings

TAIL_BYTES = 4096


@dataclass(frozen=True)
class LastBackup:
    at: datetime
    backup_id: str
    size: int

    def age(self, now: datetime | None = None) -> timedelta:
        return (now or datetime.now(UTC)) - self.at


def last_backup() -> LastBackup | None:
    """The newest line of the backup record (``WAYSTATION_BACKUP_RECORD``), or None when
    no backup was written here. Reads only the file's end: it grows by one line a run."""
    path = Path(settings.WAYSTATION_BACKUP_RECORD)
    try:
        with path.open("rb") as stream:
            stream.seek(0, 2)
            end = stream.tell()
            stream.seek(max(0, end - TAIL_BYTES))
            lines = stream.read().decode("ascii", errors="replace").splitlines()
    except FileNotFoundError:
        return None
    for line in reversed(lines):
        try:
            doc = json.loads(line)
            at = datetime.strptime(doc["at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            return LastBackup(at=at, backup_id=str(doc["id"]), size=int(doc["bytes"]))
        except (ValueError, KeyError, TypeError):
            continue  # a torn last line (a crash mid-write): the one before it
    return None
