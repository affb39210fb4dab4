"""Backups: ``waystation backup create`` and ``restore`` of N cases with M bytes of sealed
files, each as a ratio to copying the same bytes (read, write, fsync) in the same run.

Sizes: the issue's figure, 100,000 cases and 1 GB of files, for a full run; 2,000 cases
and 32 MB with ``--quick``. ``BENCH_BACKUP_CASES`` and ``BENCH_BACKUP_MB`` override
either. The cases are bulk-inserted copies of one sealed row (as in ``casepages``); the
files are random bytes under random names in ``media/sealed/``, which is all a backup
sees of them. The baseline reads the same plaintext parts (database snapshot, key store,
files) into one file and fsyncs it once. The restore runs as an operator runs it,
``waystation backup restore`` in a process of its own, into a new data folder and a new
database; its time includes that process's start (about a second), writing every file
(each fsynced) and ``migrate`` on the restored database.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.harness import QUICK, Context, Row, benchmark, progress

FULL_CASES, FULL_MB = 100_000, 1_024
QUICK_CASES, QUICK_MB = 2_000, 32
FILE_BYTES = 256 * 1024


def _sizes(ctx: Context) -> tuple[int, int]:
    quick = ctx.sizes == QUICK
    cases = int(os.environ.get("BENCH_BACKUP_CASES", QUICK_CASES if quick else FULL_CASES))
    mb = int(os.environ.get("BENCH_BACKUP_MB", QUICK_MB if quick else FULL_MB))
    return cases, mb


def _top_up_cases(target: int) -> None:
    from bench.cases import pre_sealed_cases
    from waystation.cases.models import Case
    from waystation.vault.fields import Ciphertext
    from waystation.vault.models import DataKey

    have = Case.objects.count()
    if have >= target:
        return
    sample = Case.objects.exclude(full_name=None).first() if have else None
    template = (
        bytes(sample.__dict__["full_name"].data)
        if sample is not None and isinstance(sample.__dict__.get("full_name"), Ciphertext)
        else os.urandom(60)
    )
    key = DataKey.objects.exclude(wrapped=None).first()
    wrapped = bytes(key.wrapped) if key is not None and key.wrapped else os.urandom(61)
    no_team: list[Any] = [None]  # filler cases belong to no team
    progress(f"backups: adding {target - have:,} filler cases")
    for _start, _rows in pre_sealed_cases(
        target - have,
        template=template,
        wrapped=wrapped,
        team_ids=no_team,
        country="ru",
        r=random.Random(7),
    ):
        pass


def _write_files(root: Path, megabytes: int) -> int:
    from waystation.ids import random_id

    total = 0
    block = os.urandom(FILE_BYTES)
    while total < megabytes * 1024 * 1024:
        name = random_id()
        folder = root / name[:2]
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        (folder / f"{name}.sealed").write_bytes(block)
        total += len(block)
    return total


def _copy_with_fsync(sources: list[Path], target: Path) -> float:
    """Every source's bytes read and written into one file, fsynced once: what the
    backup writes, less the tar framing and the encryption."""
    target.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with (target / "copy").open("wb") as writing:
        for source in sources:
            with source.open("rb") as reading:
                shutil.copyfileobj(reading, writing, 1024 * 1024)
        writing.flush()
        os.fsync(writing.fileno())
    return time.perf_counter() - started


def _restore_database_url(ctx: Context) -> tuple[str, str | None]:
    from django.db import connection

    if connection.vendor == "sqlite":
        return f"sqlite:///{ctx.data_dir / 'restored' / 'waystation.sqlite3'}", None
    import psycopg

    # Beside the bench's own scratch database, named after it (so two runs on one server
    # keep apart), and ending in _bench like every database the benchmark drops.
    restore_db = f"{connection.settings_dict['NAME']}_restore_bench"
    parts = urlsplit(os.environ["DATABASE_URL"])
    maintenance = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{restore_db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{restore_db}"')
    return urlunsplit((parts.scheme, parts.netloc, f"/{restore_db}", "", "")), maintenance


@benchmark("backups", title="backup and restore", order=90, per_backend=True)
def backup_and_restore(ctx: Context) -> list[Row]:
    """``create_backup`` (snapshot, tar, age, fsync) and a ``backup restore`` process,
    each against copying the same plaintext bytes."""
    from django.conf import settings
    from pyrage import x25519

    from waystation.backups import services

    cases, megabytes = _sizes(ctx)
    ctx.cases()
    _top_up_cases(cases)
    media = Path(settings.MEDIA_ROOT) / "sealed"
    file_bytes = _write_files(media / "bench", megabytes)
    identity = x25519.Identity.generate()
    settings.WAYSTATION_BACKUP_RECIPIENTS = str(identity.to_public())
    out_dir = ctx.data_dir / "backups-out"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir()
    progress(f"backups: backing up {cases:,} cases and {file_bytes / 1e6:,.0f} MB of files")
    started = time.perf_counter()
    created = services.create_backup(out_dir / "bench.backup")
    backup_seconds = time.perf_counter() - started

    # The baseline: the same plaintext bytes (database snapshot, key store, files) copied.
    snapshot = ctx.data_dir / "baseline-snapshot"
    snapshot.mkdir(exist_ok=True)
    database, _tool = services._snapshot_database(snapshot)
    sources = [database, Path(settings.WAYSTATION_KEYSTORE_PATH)] + [
        p for p in sorted(Path(settings.MEDIA_ROOT).rglob("*")) if p.is_file()
    ]
    copy_seconds = _copy_with_fsync(sources, ctx.data_dir / "baseline-copy")
    plaintext = sum(p.stat().st_size for p in sources)
    shutil.rmtree(ctx.data_dir / "baseline-copy", ignore_errors=True)
    shutil.rmtree(snapshot, ignore_errors=True)

    key_file = ctx.data_dir / "bench-backup-key.txt"
    key_file.write_text(f"{identity}\n")
    restored = ctx.data_dir / "restored"
    shutil.rmtree(restored, ignore_errors=True)
    restored.mkdir()
    url, maintenance = _restore_database_url(ctx)
    restore_db = urlsplit(url).path.lstrip("/")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "DJANGO_SETTINGS_MODULE": "waystation.settings",
        "WAYSTATION_MODE": "demo",
        "WAYSTATION_DATA_DIR": str(restored),
        "WAYSTATION_VAULT_BACKEND": "inprocess",
        "DATABASE_URL": url,
    }
    progress("backups: restoring in a process of its own")
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "waystation.cli",
            "backup",
            "restore",
            str(created.path),
            "--identity",
            str(key_file),
            "--no-ledger",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    restore_seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"bench restore failed: {done.stderr[-2000:]}")
    shutil.rmtree(restored, ignore_errors=True)
    shutil.rmtree(out_dir, ignore_errors=True)
    shutil.rmtree(media / "bench", ignore_errors=True)
    if maintenance is not None:
        import psycopg

        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{restore_db}" WITH (FORCE)')
    label = f"{cases:,} cases, {plaintext / 1e6:,.0f} MB"
    return [
        Row("backups", ctx.backend, f"backup create, {label} (s)", backup_seconds, copy_seconds),
        Row("backups", ctx.backend, f"backup restore, {label} (s)", restore_seconds, copy_seconds),
    ]
