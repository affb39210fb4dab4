"""The database and the uploads as a thief with a copy of the disk would read them: the
raw SQLite file with its write-ahead log, or a plain ``pg_dump``; and every file (and
file name) under a folder. Searched with tests/vault/plaintext.py."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from django.db import connection

from tests.vault.plaintext import find_forms, read_tree


def database_bytes() -> bytes:
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        database = Path(conf["NAME"])
        assert database.is_file(), "the SQLite test database must be a file (tests/settings.py)"
        parts = [database.read_bytes()]
        for suffix in ("-wal", "-journal", "-shm"):
            sidecar = database.with_name(database.name + suffix)
            if sidecar.exists():
                parts.append(sidecar.read_bytes())
        return b"\n".join(parts)
    pg_dump = shutil.which("pg_dump")
    assert pg_dump is not None, "pg_dump is not installed: the dump cannot be checked"
    env = dict(os.environ)
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    result = subprocess.run(
        [
            pg_dump,
            "--format=plain",
            "--no-owner",
            f"--host={conf['HOST'] or '127.0.0.1'}",
            f"--port={conf['PORT'] or 5432}",
            f"--username={conf['USER']}",
            f"--dbname={conf['NAME']}",
        ],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


def markers_found(texts: list[str], *folders: Path) -> list[str]:
    """Every form of every text found in the database or under the folders."""
    haystack = database_bytes() + b"\n".join(read_tree(f) for f in folders if f.exists())
    return find_forms(haystack, texts)
