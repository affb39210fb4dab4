"""What the staff settings (``settings.py``) and the public ones (``settings_public.py``)
share: the mode, the folders, SQLite's durability, and the settings the two processes
must agree on because they serve one package and share one database. One definition
for both, so that neither can drift from the other.

The public process imports this module, so it reads only ``WAYSTATION_MODE`` and
``WAYSTATION_DATA_DIR`` and holds nothing secret, and it imports no other module of
Waystation (docs/design.md §2.3; ``tests/intake/test_public_process.py`` and
``tests/test_architecture.py`` hold it to that). Each settings module takes every
setting here with ``import *`` (``__all__``) and may set its own after.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dj_database_url import DBConfig
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "DATA_DIR",
    "DEFAULT_AUTO_FIELD",
    "DEMO_MODE",
    "FILE_UPLOAD_PERMISSIONS",
    "FORCE_SCRIPT_NAME",
    "LANGUAGE_CODE",
    "LOCALE_PATHS",
    "MEDIA_URL",
    "MODE",
    "PACKAGE_DIR",
    "REPO_DIR",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "STATICFILES_DIRS",
    "STATIC_URL",
    "TIME_ZONE",
    "USE_I18N",
    "USE_TZ",
    "USE_X_FORWARDED_HOST",
    "USE_X_FORWARDED_PORT",
    "WHITENOISE_USE_FINDERS",
    "X_FRAME_OPTIONS",
]

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent.parent

MODE = os.environ.get("WAYSTATION_MODE", "demo")
if MODE not in {"demo", "production"}:
    raise ImproperlyConfigured("WAYSTATION_MODE must be 'demo' or 'production'")
DEMO_MODE = MODE == "demo"

DATA_DIR = Path(os.environ.get("WAYSTATION_DATA_DIR", REPO_DIR / "var")).resolve()
# Both processes use this file when no database is named: a demo is one SQLite file.
SQLITE_URL = f"sqlite:///{DATA_DIR / 'waystation.sqlite3'}"


def make_sqlite_durable(database: DBConfig, **options: Any) -> None:
    """WAL and full sync on SQLite (nothing on another engine): an accepted record
    survives kill -9 and power loss, so "received" means on disk (docs/design.md §2.7).
    Secure delete: an erased row's bytes are overwritten with zeros, not left in a free
    page; an erased web request is sealed to the intake key, which lives on, so its
    ciphertext lingering in the file would still open (docs/design.md §2.8).
    ``options`` adds to Django's SQLite options."""
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    database["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        **options,
    }
    database["CONN_MAX_AGE"] = 0


# Both processes read and write the same tables.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Waystation is always served at the root, and takes no header's word for where it is
# mounted or which host and port were asked for: SCRIPT_NAME in the WSGI environ (which
# a forwarding header can set, see waystation/web/gunicorn_config.py) is ignored, and
# so are X-Forwarded-Host and X-Forwarded-Port (security review, December).
FORCE_SCRIPT_NAME = ""
USE_X_FORWARDED_HOST = False
USE_X_FORWARDED_PORT = False

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Translations of the public pages and of the replies screeners send (waystation.intake).
# The staff settings put the staff catalogue (locale_staff) before it (docs/translating.md).
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

# WhiteNoise serves static files straight from the package (its finders), in both
# processes: nothing is loaded from elsewhere.
STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
# Sealed uploads are never served by URL; they are opened through the vault. Files
# written are readable by their owner only.
MEDIA_URL = "/no-media/"
FILE_UPLOAD_PERMISSIONS = 0o600
