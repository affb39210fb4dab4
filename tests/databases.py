"""One migrated database per test run, copied wherever the suite needs a fresh one.

Migrating an empty database costs ~9 s of CPU (Django renders the state of every
migration), and a run of the suite needed a fresh one per pytest-xdist worker and per
real staff stack (tests/processes.py). Now the first process that needs one runs
``waystation migrate --run-syncdb`` once, as an operator would, into a template kept in
the run's scratch folder (shared by the workers, under a file lock); the others copy it:

- SQLite: the template is a file, folded out of WAL into one self-contained file and
  copied; every connection Waystation opens puts it back in WAL (settings_common's
  ``make_sqlite_durable``), so a copy is used exactly as a freshly migrated file.
- PostgreSQL: the template is a database, ``test_<name>_migrated``, and each worker's
  test database is ``CREATE DATABASE … TEMPLATE`` of it (what Django's own parallel test
  runner does to clone test databases).

Either way the worker's test database is then handed to Django's test set-up with
``keepdb``, which still runs ``migrate`` on it: were the template behind the migrations,
that would apply the rest. The template is made again by every run (its folder is new; its name
holds a digest of the migrations besides), and the PostgreSQL one is dropped and made
again when the next run first needs it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def fingerprint() -> str:
    """What the template depends on: every migration of every installed app. A run folder
    that outlives its run (``WAYSTATION_DATA_DIR`` set from outside) keeps no stale one."""
    from django.apps import apps

    digest = hashlib.sha256()
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        for path in sorted((Path(config.path) / "migrations").glob("*.py")):
            digest.update(f"{config.label}/{path.name}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def run_dir() -> Path:
    """The scratch folder of this run of the suite, shared by its xdist workers (set by
    tests/settings.py in the first process, inherited by the workers)."""
    return Path(os.environ["WAYSTATION_TEST_RUN_DIR"])


@contextmanager
def _locked(name: str) -> Iterator[None]:
    with (run_dir() / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _migrate(database_url: str, scratch: Path) -> None:
    """``waystation migrate`` on an empty database, as the staff stack and Django's test
    set-up ran it (``--run-syncdb``: the apps without migrations get their tables)."""
    scratch.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO / "src"),
        "DJANGO_SETTINGS_MODULE": "waystation.settings",
        "WAYSTATION_MODE": "demo",
        "WAYSTATION_DATA_DIR": str(scratch),
        "WAYSTATION_VAULT_BACKEND": "inprocess",
        "DATABASE_URL": database_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "waystation.cli", "migrate", "--run-syncdb", "--verbosity", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def sqlite_template() -> Path:
    """The run's migrated SQLite file, made on first use."""
    path = run_dir() / f"migrated-{fingerprint()}.sqlite3"
    with _locked("sqlite-template"):
        if not path.exists():
            building = run_dir() / "migrating" / "db.sqlite3"
            for stale in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
                stale.unlink(missing_ok=True)  # of a build that failed
            _migrate(f"sqlite:///{building}", building.parent)
            with sqlite3.connect(building) as db:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                db.execute("PRAGMA journal_mode=DELETE")
            db.close()
            building.rename(path)
    return path


def migrated_sqlite(target: Path) -> None:
    """A freshly migrated SQLite database at ``target`` (which must not exist yet), private
    to its owner as ``waystation migrate`` leaves it."""
    assert not target.exists(), target
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    shutil.copyfile(sqlite_template(), target)
    target.chmod(0o600)


def _maintenance_url(settings_dict: Mapping[str, Any], name: str) -> str:
    from tests.processes import database_url

    return database_url({**settings_dict, "NAME": name})


def _postgres_template(settings_dict: Mapping[str, Any], base_name: str) -> str:
    import psycopg

    name = f"test_{base_name}_migrated"
    marker = run_dir() / f"{name}-{fingerprint()}.built"
    admin = _maintenance_url(settings_dict, "postgres")
    if not marker.exists():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        _migrate(_maintenance_url(settings_dict, name), run_dir() / "migrating-pg")
        marker.touch()
    return name


def prepare_test_databases() -> None:
    """Put each test database in place, copied from the run's template, for Django's test
    set-up to take over with ``keepdb``."""
    from django.conf import settings
    from django.db import connections

    for alias in connections:
        conf = settings.DATABASES[alias]
        test_name = conf["TEST"]["NAME"]
        if conf["ENGINE"] == "django.db.backends.sqlite3":
            target = Path(test_name)
            for stale in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
                stale.unlink(missing_ok=True)
            migrated_sqlite(target)
            continue
        import psycopg

        admin = _maintenance_url(conf, "postgres")
        with _locked("postgres-template"):
            template = _postgres_template(conf, conf["NAME"])
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{test_name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{test_name}" TEMPLATE "{template}"')


def bench_env() -> dict[str, str]:
    """The environment for a run of ``python -m bench`` from the suite: this checkout's
    code (not whichever one is installed), and its SQLite child starts from the run's
    migrated file (bench/harness.py: setup_backend)."""
    return {
        **os.environ,
        "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{REPO}",
        "WAYSTATION_BENCH_MIGRATED_SQLITE": str(sqlite_template()),
    }
