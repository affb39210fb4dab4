"""Settings for the public process (``waystation serve-public``): the request page and
the applicant's mailbox, and nothing else.

It never imports the staff settings: they would read the staff environment (its signing
key among others). The two share only ``settings_common.py`` (the mode, the folders,
SQLite's durability and the settings both must agree on), which reads nothing secret.
What this process holds:

- no signing key from anywhere: ``SECRET_KEY`` is random per process and signs nothing
  that is stored or that outlives the process (no sessions, no cookies, no signed URLs);
- no vault: it never unwraps a key. Requests are sealed to the intake *public* key it
  reads from the database;
- no staff route, app or middleware: no auth, no sessions, no admin, no messages;
- on PostgreSQL, its own role (``DATABASE_URL_PUBLIC``), which may add requests and reach
  mailboxes and nothing else (see intake/migrations/0002_public_role.py).

Environment: ``WAYSTATION_MODE``, ``WAYSTATION_DATA_DIR``, ``WAYSTATION_MEDIA_ROOT``,
``DATABASE_URL_PUBLIC`` (or, for SQLite and in demo mode only, ``DATABASE_URL``),
``WAYSTATION_PUBLIC_ALLOWED_HOSTS``, ``WAYSTATION_PUBLIC_NEUTRAL_TITLE``,
``WAYSTATION_PUBLIC_QUICK_EXIT_URL``, and the ``WAYSTATION_INTAKE_*`` limits.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from waystation.logging_config import logging_config
from waystation.settings_common import *  # noqa: F403 (the settings both processes share)
from waystation.settings_common import (
    DATA_DIR,
    DEMO_MODE,
    PACKAGE_DIR,
    SQLITE_URL,
    make_sqlite_durable,
)

# Random per process and never written down: nothing here is signed for later.
SECRET_KEY = secrets.token_urlsafe(50)
# Never DEBUG: a debug page would print the request, codename included.
DEBUG = False

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("WAYSTATION_PUBLIC_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    # Models only: the intake's rows refer to data keys. This process never opens one.
    "waystation.vault",
    "waystation.intake",
]

MIDDLEWARE = [
    "waystation.intake.middleware.NoTraceHeadersMiddleware",
    "waystation.intake.middleware.BodySizeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "waystation.intake.middleware.PathLanguageMiddleware",
    "waystation.intake.middleware.SameOriginPostMiddleware",
]

ROOT_URLCONF = "waystation.intake.public_urls"
WSGI_APPLICATION = "waystation.intake.public_wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "context_processors": [],
            # Templates are read once per process: the public side serves a few pages
            # to many visitors.
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    ["django.template.loaders.filesystem.Loader"],
                )
            ],
        },
    },
]


def _database_url() -> str:
    public = os.environ.get("DATABASE_URL_PUBLIC")
    if public:
        return public
    shared = os.environ.get("DATABASE_URL", "")
    if shared and not shared.startswith("sqlite") and not DEMO_MODE:
        raise ImproperlyConfigured(
            "Set DATABASE_URL_PUBLIC to a connection as the waystation_public role: the "
            "public process must not use the staff side's database account."
        )
    return shared or SQLITE_URL


DATABASES = {"default": dj_database_url.parse(_database_url(), conn_max_age=60)}
make_sqlite_durable(DATABASES["default"], timeout=20)

# Languages of the public pages, each named in itself (docs/translating.md). Arabic and
# Farsi are right to left: the direction comes from the language (get_language_bidi).
LANGUAGES = [
    ("en", "English"),
    ("ru", "Русский"),
    ("ar", "العربية"),
    ("fa", "فارسی"),
    ("fr", "Français"),
    ("es", "Español"),
    ("tr", "Türkçe"),
    ("uk", "Українська"),
]
# The language is in the URL; this cookie name is never set, and never read usefully.
LANGUAGE_COOKIE_NAME = "unused"

STATIC_ROOT = None
WHITENOISE_AUTOREFRESH = False
MEDIA_ROOT = Path(os.environ.get("WAYSTATION_MEDIA_ROOT", DATA_DIR / "media"))

# Uploads stay in memory (never a plaintext temporary file) and within the limits.
FILE_UPLOAD_HANDLERS = ["waystation.intake.upload_handlers.LimitedMemoryUploadHandler"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024  # the text fields; files are counted separately
DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
# More files than WAYSTATION_INTAKE_MAX_FILES get a form error; far more, the 400 page.
DATA_UPLOAD_MAX_NUMBER_FILES = 20

WAYSTATION_PUBLIC_NEUTRAL_TITLE = os.environ.get("WAYSTATION_PUBLIC_NEUTRAL_TITLE", "")
WAYSTATION_PUBLIC_QUICK_EXIT_URL = os.environ.get(
    "WAYSTATION_PUBLIC_QUICK_EXIT_URL", "https://www.wikipedia.org/"
)

# No cookies at all: no sessions, no CSRF cookie (see SameOriginPostMiddleware), no
# language cookie. Headers are set by NoTraceHeadersMiddleware.
SECURE_REFERRER_POLICY = "no-referrer"
if not DEMO_MODE and os.environ.get("WAYSTATION_PUBLIC_BEHIND_TLS_PROXY") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logs never carry addresses, request lines or bodies (the stricter of the two configs in
# waystation/logging_config.py).
LOGGING = logging_config(public=True)
