"""Settings for benchmark child processes: the real settings, with a scratch data folder
(made by the parent process) and a vault held in this process.

``DATABASE_URL`` is set by the parent for the PostgreSQL run and removed for SQLite, so
the SQLite run uses the real settings' file database (WAL, synchronous=FULL), not memory.
"""

import os
import tempfile

os.environ.setdefault("WAYSTATION_DATA_DIR", tempfile.mkdtemp(prefix="waystation-bench-"))
os.environ["WAYSTATION_VAULT_BACKEND"] = "inprocess"
os.environ["WAYSTATION_MODE"] = "demo"

from waystation.settings import *  # noqa: F403
from waystation.settings import LOGGING

# Progress goes to stderr from the harness; keep library warnings, drop INFO chatter.
LOGGING["root"]["level"] = "WARNING"
