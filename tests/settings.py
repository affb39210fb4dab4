"""Settings for the test suite: the real settings, with a scratch data folder and a vault
held in the test process (each test gets a fresh, unsealed one from conftest)."""

import os
import tempfile

os.environ.setdefault("WAYSTATION_DATA_DIR", tempfile.mkdtemp(prefix="waystation-test-"))
# The run's own folder, shared by its xdist workers: the migrated template (tests/databases.py).
os.environ.setdefault("WAYSTATION_TEST_RUN_DIR", os.environ["WAYSTATION_DATA_DIR"])
if worker := os.environ.get("PYTEST_XDIST_WORKER"):
    # Under pytest-xdist each worker has a data folder of its own (its SQLite test file,
    # its secret key), inside the one the controller made; PostgreSQL test databases get
    # the worker's name as a suffix from pytest-django.
    os.environ["WAYSTATION_DATA_DIR"] = os.path.join(os.environ["WAYSTATION_DATA_DIR"], worker)
os.environ["WAYSTATION_VAULT_BACKEND"] = "inprocess"
os.environ.setdefault("WAYSTATION_MODE", "demo")

from waystation.settings import *  # noqa: F403
from waystation.settings import DATA_DIR, DATABASES

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: security tests read the raw database file as a thief would.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

PASSWORD_HASHERS = ["tests.hashers.QuickArgon2PasswordHasher"]
