"""docs/design.md §5.13: a restore runs only the kinds of SQL entry Waystation's own
migrations make. A crafted dump (anyone with a recipient's public key can encrypt one)
holding a view, a rule, an extension or an event trigger is refused before the database
is touched; a FUNCTION, TRIGGER or ACL in it is never restored (the public role's are
made again from the code), because a function is code every later session would run."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from waystation.backups import services
from waystation.backups.archive import BackupError

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dump_of_this_database(tmp_path: Path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump entries exist on PostgreSQL only")

    def dump() -> Path:
        folder = tmp_path / f"snap{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        return services._snapshot_database(folder)[0]

    return dump


def test_a_waystation_dump_restores_its_tables_and_data_not_its_functions(dump_of_this_database):
    listing = services.restore_list(services._pg_tool("pg_restore"), dump_of_this_database())
    lines = listing.splitlines()
    assert any(" TABLE DATA public cases_case " in line for line in lines)
    assert any(" FK CONSTRAINT " in line for line in lines)
    assert not [line for line in lines if " FUNCTION " in line or " TRIGGER " in line]
    assert not [line for line in lines if " ACL " in line]


@pytest.mark.parametrize(
    ("create", "drop"),
    [
        ("CREATE VIEW r1_probe_view AS SELECT 1 AS one", "DROP VIEW r1_probe_view"),
        (
            "CREATE RULE r1_probe_rule AS ON INSERT TO audit_auditentry DO ALSO NOTIFY r1",
            "DROP RULE r1_probe_rule ON audit_auditentry",
        ),
        (
            "CREATE FUNCTION r1_probe_p() RETURNS void LANGUAGE sql AS 'SELECT 1';"
            "CREATE PROCEDURE r1_probe_proc() LANGUAGE sql AS 'SELECT 1'",
            "DROP PROCEDURE r1_probe_proc; DROP FUNCTION r1_probe_p",
        ),
    ],
    ids=["view", "rule", "procedure"],
)
def test_a_dump_with_an_entry_waystation_never_makes_is_refused(
    dump_of_this_database, create, drop
):
    with connection.cursor() as cursor:
        cursor.execute(create)
    try:
        dump = dump_of_this_database()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(drop)
    with pytest.raises(BackupError, match="Waystation never makes"):
        services.restore_list(services._pg_tool("pg_restore"), dump)


def test_a_database_part_that_is_not_a_dump_is_refused(dump_of_this_database, tmp_path):
    fake = tmp_path / "database.pgdump"
    fake.write_bytes(b"SELECT 1; COPY (SELECT 1) TO PROGRAM 'true';\n")
    with pytest.raises(BackupError, match="not a pg_dump archive"):
        services.restore_list(services._pg_tool("pg_restore"), fake)


@pytest.fixture
def sqlite_snapshot(tmp_path: Path) -> Path:
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite snapshot on SQLite only")
    folder = tmp_path / "snap"
    folder.mkdir()
    return services._snapshot_database(folder)[0]


def test_a_sqlite_snapshot_of_waystation_is_accepted(sqlite_snapshot):
    services.check_sqlite_snapshot(sqlite_snapshot)


@pytest.mark.parametrize(
    "create",
    [
        "CREATE TRIGGER r1_probe AFTER INSERT ON audit_auditentry BEGIN "
        "DELETE FROM audit_auditentry; END",
        "CREATE VIEW r1_probe AS SELECT 1",
    ],
    ids=["trigger", "view"],
)
def test_a_sqlite_file_with_a_trigger_or_a_view_is_refused(sqlite_snapshot, create):
    import sqlite3

    with sqlite3.connect(sqlite_snapshot) as crafted:
        crafted.execute(create)
    with pytest.raises(BackupError, match="Waystation never makes"):
        services.check_sqlite_snapshot(sqlite_snapshot)


def test_a_sqlite_part_that_is_not_a_database_is_refused(tmp_path):
    fake = tmp_path / "database.sqlite3"
    fake.write_bytes(b"not a database at all, " * 100)
    with pytest.raises(BackupError, match="not a SQLite database"):
        services.check_sqlite_snapshot(fake)
