"""A scratch PostgreSQL database for the benchmark, created and dropped here.

The server and credentials come from ``BENCH_PG_URL``, else ``DATABASE_URL`` (if it names
PostgreSQL), else ``postgres://postgres@127.0.0.1:5432/waystation_bench``. The database
the benchmark creates and drops is always one whose name ends in ``_bench``: if the URL
names another database (a real one, say), only its server is used and the benchmark
works in ``waystation_bench`` beside it. Nothing else on the server is touched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/waystation_bench"
DEFAULT_NAME = "waystation_bench"
SCHEMES = {"postgres", "postgresql", "pgsql"}


@dataclass(frozen=True)
class BenchDatabase:
    url: str  # for the child process (Django's DATABASE_URL)
    maintenance_url: str  # the server's "postgres" database, to create and drop ours
    name: str
    server_version: str


def configured_url() -> str:
    for variable in ("BENCH_PG_URL", "DATABASE_URL"):
        value = os.environ.get(variable, "")
        if urlsplit(value).scheme in SCHEMES:
            return value
    return DEFAULT_URL


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def create(url: str) -> tuple[BenchDatabase | None, str]:
    """A fresh, empty bench database, or None and the reason it could not be made."""
    try:
        import psycopg
        from psycopg import sql
    except ImportError:
        return None, "psycopg is not installed"
    requested = urlsplit(url).path.lstrip("/")
    name = requested if requested.endswith("_bench") else DEFAULT_NAME
    maintenance = _with_database(url, "postgres")
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=3) as conn:
            version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, f"cannot use {_redacted(maintenance)}: {first_line}"
    note = "" if name == requested else f"server from the URL, scratch database {name}"
    return BenchDatabase(_with_database(url, name), maintenance, name, version), note


def drop(database: BenchDatabase) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(database.maintenance_url, autocommit=True, connect_timeout=3) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database.name))
        )


def _redacted(url: str) -> str:
    """The URL without a password, for printing."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{user}{host}{port}", parts.path, "", ""))
