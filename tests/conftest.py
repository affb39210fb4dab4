"""Fixtures shared by the whole suite.

Every test runs against a fresh vault held in the test process, unsealed with a
throwaway key, and a media folder of its own. Tests that need the vault sealed call
``vault.seal()``; tests that need a real key agent start one (see tests/vault/).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from tests import databases
from tests.factories import signed_in_client
from waystation.accounts.models import StaffUser
from waystation.vault import runtime
from waystation.vault.keyservice import KeyService
from waystation.vault.runtime import InProcessBackend


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``own_sqlite`` start Waystation on a SQLite file of their own and never
    touch the suite's database: the PostgreSQL pass would run them again unchanged.

    The order stays as collected. Putting the slow tests first saved nothing measurable
    and ran the timing-sensitive ones (the flood, the crash test) side by side."""
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        skip = pytest.mark.skip(
            reason="runs on a SQLite database of its own: covered by the SQLite pass"
        )
        for item in items:
            if item.get_closest_marker("own_sqlite"):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    """pytest-django's set-up of the test databases, except that under pytest-xdist each
    worker's database is a copy of one migrated once for the whole run (tests/databases.py)
    instead of being migrated by every worker. A run without workers migrates its one
    database itself, as before: a template would only add a copy."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _get_databases_for_setup

    verbosity = request.config.option.verbose
    shared = bool(os.environ.get("PYTEST_XDIST_WORKER"))
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    with django_db_blocker.unblock():
        if shared and aliases:
            databases.prepare_test_databases()
        config = setup_databases(
            verbosity=verbosity,
            interactive=False,
            aliases=aliases,
            serialized_aliases=serialized_aliases,
            keepdb=shared,
        )
    yield
    with django_db_blocker.unblock():
        # As pytest-django's own fixture does: a connection a live server's thread still
        # holds can make PostgreSQL refuse the DROP; that is a warning, not a failed test.
        try:
            teardown_databases(config, verbosity=verbosity)
        except Exception as exc:
            request.node.warn(
                pytest.PytestWarning(f"Error when trying to teardown test databases: {exc!r}")
            )


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Each test starts and ends in the default language. A request leaves the language it
    activated (the member's, the browser's) active in the thread after it returns; without
    this, a test that reads a Russian page would turn the next test's messages Russian."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def vault(tmp_path: Path, settings) -> Iterator[KeyService]:
    keys_dir = tmp_path / "keys"
    settings.WAYSTATION_KEYSTORE_PATH = keys_dir / "keystore.json"
    settings.MEDIA_ROOT = tmp_path / "media"
    service = KeyService(settings.WAYSTATION_KEYSTORE_PATH)
    key_file = keys_dir / "test-root-key"
    service.initialise_demo(key_file)
    service.unseal_with_demo_key_file(key_file)
    runtime.use_backend(InProcessBackend(service))
    yield service
    runtime.use_backend(None)


@pytest.fixture(autouse=True)
def audit_anchor_file(tmp_path: Path, settings) -> Path:
    """Each test's own anchor file: anchors outlive the test database's rollback, and one
    test's heads would be another's tampering."""
    path = tmp_path / "audit-anchors"
    settings.WAYSTATION_AUDIT_ANCHOR = path
    return path


@pytest.fixture(autouse=True)
def shred_ledger(tmp_path: Path, settings) -> Path:
    """Each test's own shred ledger and backup record: both are files outside the
    database, which the test database's rollback would not undo."""
    settings.WAYSTATION_BACKUP_RECORD = tmp_path / "backup-runs"
    path = settings.WAYSTATION_SHRED_LEDGER = tmp_path / "shred-ledger"
    return path


@pytest.fixture
def client_for() -> Callable[[StaffUser], Client]:
    """``client_for(user)``: a test client signed in as that member of staff."""
    return signed_in_client
