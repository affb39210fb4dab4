"""The database and the uploads as a thief with a copy of the disk would read them: the
raw SQLite file with its write-ahead log, or a plain ``pg_dump``; and every file (and
file name) under a folder. Searched with tests/vault/plaintext.py."""

from __future__ import annotations

from pathlib import Path

from tests.vault.plaintext import database_bytes, find_forms, read_tree


def markers_found(texts: list[str], *folders: Path) -> list[str]:
    """Every form of every text found in the database or under the folders."""
    haystack = database_bytes() + b"\n".join(read_tree(f) for f in folders if f.exists())
    return find_forms(haystack, texts)
