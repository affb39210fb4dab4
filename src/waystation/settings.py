"""Settings for the staff side of Waystation.

Everything that differs between a demo laptop and a production server comes from the
environment (or a file named by it), never from editing this module:

- ``WAYSTATION_MODE``: ``demo`` (default; SQLite, demo key file, loud banner) or
  ``production`` (no demo key accepted, secure cookies, HSTS).
- ``WAYSTATION_DATA_DIR``: where the SQLite file, sealed uploads, the key store and the
  key agent's socket live. Defaults to ``./var`` of the checkout.
- ``DATABASE_URL``: e.g. ``postgres://waystation@127.0.0.1:5432/waystation``.
- ``WAYSTATION_SECRET_KEY`` or ``WAYSTATION_SECRET_KEY_FILE``: Django's signing key.
  This key signs sessions and CSRF tokens; it does not open any sealed data.
- ``WAYSTATION_AUDIT_ANCHOR``: the audit log's anchor file, outside the database's
  reach (required in production for ``audit verify`` to pass).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from waystation.filemodes import make_private_folder, write_private_file
from waystation.logging_config import logging_config
from waystation.settings_common import *  # noqa: F403 (the settings both processes share)
from waystation.settings_common import (
    DATA_DIR,
    DEMO_MODE,
    PACKAGE_DIR,
    SQLITE_URL,
    make_sqlite_durable,
)


def _read_secret_key() -> str:
    if value := os.environ.get("WAYSTATION_SECRET_KEY"):
        return value
    if path := os.environ.get("WAYSTATION_SECRET_KEY_FILE"):
        return Path(path).read_text().strip()
    if not DEMO_MODE:
        raise ImproperlyConfigured(
            "Set WAYSTATION_SECRET_KEY or WAYSTATION_SECRET_KEY_FILE in production."
        )
    # Demo mode: a per-checkout random key, created on first start. The data folder is
    # created here too (it then holds the SQLite file): 0700, whatever the umask.
    key_file = DATA_DIR / "demo-secret-key"
    if not key_file.exists():
        make_private_folder(DATA_DIR)
        with contextlib.suppress(FileExistsError):  # another process made it first
            write_private_file(key_file, secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _read_secret_key()

# DEBUG pages print local variables, which can hold decrypted data: only on request,
# and never outside demo mode.
DEBUG = DEMO_MODE and os.environ.get("WAYSTATION_DEBUG") == "1"

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("WAYSTATION_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("WAYSTATION_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    # Installed only so that accounts/0008 can read and empty their tables: their clear
    # TOTP secrets and recovery codes are what that migration replaced. Staff devices are
    # accounts.SealedTOTPDevice and accounts.RecoveryCodeDevice.
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from here (no CDN)
    "waystation.vault",
    "waystation.audit",
    "waystation.accounts",
    "waystation.cases",
    "waystation.intake",
    "waystation.relocation",
    "waystation.partners",
    "waystation.documentation",
    "waystation.dossiers",
    "waystation.api",
    "waystation.backups",
    "waystation.status",
    "waystation.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "waystation.web.middleware.SecurityHeadersMiddleware",
    # /health for monitoring: before sessions, sign-in and the seal (status/middleware.py).
    "waystation.status.middleware.HealthMiddleware",
    # Bidi controls and invisible characters in what people typed are shown as markers
    # on every page; outside everything that renders, so no page is left out.
    "waystation.web.middleware.ShowInvisibleCharactersMiddleware",
    # Static files from the WSGI process itself: nothing is loaded from elsewhere.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's Accept-Language first (the sealed page and the sign-in page speak
    # it); StaffLanguageMiddleware below puts the member's own choice over it.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "waystation.accounts.middleware.IdleTimeoutMiddleware",
    "waystation.vault.middleware.SealedMiddleware",
    "waystation.accounts.middleware.RequireTwoFactorMiddleware",
    "waystation.accounts.middleware.StaffLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "waystation.urls"
WSGI_APPLICATION = "waystation.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                # LANGUAGE_CODE and LANGUAGE_BIDI for <html lang>: screen readers read
                # a Russian page as Russian only if the page says so.
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "waystation.web.context_processors.waystation",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.config(default=SQLITE_URL, conn_max_age=60)}
make_sqlite_durable(DATABASES["default"])

# Languages of the staff side (docs/translating.md). The staff catalogue comes first;
# the applicants' one follows, for the replies screeners send in the applicant's
# language. The public process (settings_public.py) reads the applicants' one only, so
# it never carries a staff string.
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [PACKAGE_DIR / "locale_staff", PACKAGE_DIR / "locale"]

AUTH_USER_MODEL = "accounts.StaffUser"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"

# Sessions: server-side, expire on browser close, cut after idle time. The table is
# keyed by a keyed digest of the cookie, not the cookie itself, so a copy of the database
# holds no usable session (accounts/session_store.py).
SESSION_ENGINE = "waystation.accounts.session_store"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
# The CSRF token lives in the session, not in a cookie of its own: Django's csrftoken
# cookie lasts a year, and on a seized laptop shows that the site was used long after
# the session ended. Only the session cookie is set, and it ends with the browser.
CSRF_USE_SESSIONS = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
WAYSTATION_IDLE_TIMEOUT_SECONDS = int(os.environ.get("WAYSTATION_IDLE_TIMEOUT_SECONDS", "1800"))
WAYSTATION_REAUTH_SECONDS = 300
WAYSTATION_LOGIN_MAX_FAILURES = 5
WAYSTATION_LOGIN_LOCKOUT_SECONDS = 900
# Two-factor (django-otp). The issuer is the name an authenticator app shows next to
# the code: on a seized phone it says what the owner works on, so an organisation may
# choose a bland one. Failed codes are counted per account across all devices by
# waystation.accounts.throttle, so django-otp's own per-device delays are off.
OTP_TOTP_ISSUER = os.environ.get("WAYSTATION_TOTP_ISSUER", "Waystation")
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Security keys (WebAuthn): the relying party id is the staff side's host name (an answer
# is taken only from pages on that very host, not its subdomains). By default the first
# allowed host that is a name (an IP address cannot be one): "localhost" for the demo.
WAYSTATION_WEBAUTHN_RP_ID = os.environ.get("WAYSTATION_WEBAUTHN_RP_ID") or next(
    (
        host.lstrip(".")
        for host in ALLOWED_HOSTS
        if host not in ("*", "")
        and not host.replace(".", "").replace(":", "").isdigit()
        and ":" not in host
    ),
    "localhost",
)

# Relocation and the numbers managers need (docs/relocation.md).
# Every payment is also counted in this currency, at the rate of its day.
WAYSTATION_REPORTING_CURRENCY = os.environ.get("WAYSTATION_REPORTING_CURRENCY", "EUR")
# A new programme's approval threshold in the reporting currency (each programme may
# change its own): a payment worth more waits for a second approver.
WAYSTATION_DEFAULT_APPROVAL_THRESHOLD = os.environ.get(
    "WAYSTATION_DEFAULT_APPROVAL_THRESHOLD", "500"
)
# Days before a travel document or visa expires that its case's assignees are alerted.
WAYSTATION_DOCUMENT_WARNING_DAYS = int(os.environ.get("WAYSTATION_DOCUMENT_WARNING_DAYS", "30"))
# Retention (docs/casework.md "Retention"): days a closed case is kept, by outcome, before
# the scheduled run shreds it; a programme manager may extend one case with a reason.
WAYSTATION_RETENTION_DAYS: dict[str, int] = {
    "relocated": 730,
    "resettled_in_country": 730,
    "referred": 365,
    "declined": 90,
    "withdrew": 90,
    "no_contact": 365,
    "other": 365,
}
# Days before the end that the case's people are alerted.
WAYSTATION_RETENTION_WARNING_DAYS = int(os.environ.get("WAYSTATION_RETENTION_WARNING_DAYS", "14"))
# Web requests that never became cases: days after the last contact that a declined
# request, and a request answered but never followed up, are erased. A request nobody
# answered yet is never erased by the clock: it waits for a screener.
WAYSTATION_INTAKE_DECLINED_DAYS = int(os.environ.get("WAYSTATION_INTAKE_DECLINED_DAYS", "90"))
WAYSTATION_INTAKE_ABANDONED_DAYS = int(os.environ.get("WAYSTATION_INTAKE_ABANDONED_DAYS", "180"))
# How long a "shred now" request waits for a second programme manager.
WAYSTATION_SHRED_REQUEST_DAYS = 7
# Phone numbers typed without a country code, on a case with no country, are read as
# numbers of this region (ISO code, e.g. "RU") for search and matches; empty: as typed.
# Changing it changes phone digests: run `waystation cases reindex` afterwards.
WAYSTATION_DEFAULT_PHONE_REGION = os.environ.get("WAYSTATION_DEFAULT_PHONE_REGION", "").upper()
# No aggregate figure (page, CSV, PDF) shows a count of fewer than this many people.
WAYSTATION_REPORT_MIN_CELL = int(os.environ.get("WAYSTATION_REPORT_MIN_CELL", "5"))
# How this installation names itself in the referral packages it sends (docs/referrals.md).
WAYSTATION_INSTALLATION_NAME = os.environ.get("WAYSTATION_INSTALLATION_NAME", "Waystation")
if WAYSTATION_REPORT_MIN_CELL < 2:
    raise ImproperlyConfigured("WAYSTATION_REPORT_MIN_CELL must be at least 2")

# The API (docs/api.md). Bearer tokens only, JSON only; who may see what is decided by
# the same selectors and services as the pages. Rates are per token and per budget
# (reads, writes); "N/min", "N/hour" or "N/day".
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["waystation.api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["waystation.api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": [
        "waystation.api.throttling.ReadThrottle",
        "waystation.api.throttling.WriteThrottle",
    ],
    "DEFAULT_PARSER_CLASSES": ["waystation.api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "waystation.api.errors.handle",
    "UNAUTHENTICATED_USER": None,
}
WAYSTATION_API_RATES = {
    "read": os.environ.get("WAYSTATION_API_READ_RATE", "120/min"),
    "write": os.environ.get("WAYSTATION_API_WRITE_RATE", "30/min"),
}
# A note is at most 20,000 characters: JSON-escaped (\uXXXX) that is 120,000 bytes.
WAYSTATION_API_MAX_BODY_BYTES = 256 * 1024
# A referral package sent in by a partner (application/octet-stream): the import page's
# limit (partners.services.package.MAX_PACKAGE_BYTES), checked again by the service.
WAYSTATION_API_MAX_PACKAGE_BYTES = 60 * 1024 * 1024
SPECTACULAR_SETTINGS = {
    "TITLE": "Waystation API",
    "DESCRIPTION": (
        "Casework over HTTP, with the same need to know, audit entries and refusals as the "
        "staff pages. Authenticate with `Authorization: Bearer <token>` (My account, API "
        "tokens). See docs/api.md."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # The docs page keeps a token pasted into it for the page's life only (never in the
    # browser's storage), and asks no outside validator about the schema.
    "SWAGGER_UI_SETTINGS": {
        "persistAuthorization": False,
        "deepLinking": False,
        "validatorUrl": None,
    },
}

# Security headers. The CSP allows nothing inline and nothing from elsewhere.
# "same-origin", not "no-referrer": under no-referrer browsers send "Origin: null" with
# a page's own form posts, and Django's CSRF check (rightly) refuses them; over HTTPS
# the Referer fallback is gone too. same-origin still sends nothing to other sites.
# The applicant's side keeps no-referrer: it sets no cookie and checks Sec-Fetch-Site.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
WAYSTATION_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
if not DEMO_MODE:
    SECURE_SSL_REDIRECT = os.environ.get("WAYSTATION_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # A monitor on the machine itself may probe gunicorn directly over plain HTTP: the
    # probe's answer holds nothing but "sealed" and "ok" and sets no cookie.
    SECURE_REDIRECT_EXEMPT = [r"^health$"]

# No collectstatic step is needed (settings_common.py); set WAYSTATION_STATIC_ROOT to
# serve a collected copy.
STATIC_ROOT = os.environ.get("WAYSTATION_STATIC_ROOT") or None
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# The vault (see docs/vault.md).
WAYSTATION_KEYSTORE_PATH = Path(
    os.environ.get("WAYSTATION_KEYSTORE_PATH", DATA_DIR / "keys" / "keystore.json")
)
WAYSTATION_AGENT_SOCKET = Path(
    os.environ.get("WAYSTATION_AGENT_SOCKET", DATA_DIR / "run" / "agent.sock")
)
WAYSTATION_DEMO_KEY_FILE = DATA_DIR / "keys" / "DEMO-ROOT-KEY-NOT-FOR-REAL-DATA"
# "inprocess": this process holds the keys itself (tests, one-off commands).
# "agent": keys come from the local key agent over its Unix socket (servers).
WAYSTATION_VAULT_BACKEND = os.environ.get("WAYSTATION_VAULT_BACKEND", "agent")

# Backups (docs/operations.md#backups). The shred ledger lives outside the database and
# outside every backup: a restore re-applies what it lists. Backups are encrypted to the
# age public keys (age1…) in the recipients file, one a line, or in
# WAYSTATION_BACKUP_RECIPIENTS (comma-separated), so this server cannot read them back.
WAYSTATION_SHRED_LEDGER = Path(os.environ.get("WAYSTATION_SHRED_LEDGER", DATA_DIR / "shred-ledger"))
WAYSTATION_BACKUP_RECIPIENTS = os.environ.get("WAYSTATION_BACKUP_RECIPIENTS", "")
WAYSTATION_BACKUP_RECIPIENTS_FILE = Path(
    os.environ.get("WAYSTATION_BACKUP_RECIPIENTS_FILE", DATA_DIR / "backup-recipients")
)
# One line per backup written (time, id, size, digest): what administrators are shown.
WAYSTATION_BACKUP_RECORD = Path(
    os.environ.get("WAYSTATION_BACKUP_RECORD", DATA_DIR / "backup-runs")
)

# The audit log's anchor file (docs/operations.md#audit-log): the chain's head, written
# down every minute where whoever holds the database cannot rewrite it, so that a log
# emptied, cut short or rewritten is caught. A demo keeps it in its data folder. A
# production server has no default, since its data folder sits beside the database:
# `audit verify` and `audit anchor` refuse to say OK until WAYSTATION_AUDIT_ANCHOR is set.
WAYSTATION_AUDIT_ANCHOR: Path | None = (
    Path(os.environ["WAYSTATION_AUDIT_ANCHOR"])
    if os.environ.get("WAYSTATION_AUDIT_ANCHOR")
    else (DATA_DIR / "audit-anchors" if DEMO_MODE else None)
)

# `waystation status`, the status page (docs/operations.md#status-and-monitoring): how
# long is too long for a request to wait for an answer, for the newest backup, for an
# audit entry to wait for its anchor, and for a case past its retention to wait for the
# scheduled run that shreds it. Past any of them, the check is "not ok".
WAYSTATION_STATUS_UNANSWERED_HOURS = int(os.environ.get("WAYSTATION_STATUS_UNANSWERED_HOURS", "24"))
WAYSTATION_STATUS_BACKUP_HOURS = int(os.environ.get("WAYSTATION_STATUS_BACKUP_HOURS", "26"))
WAYSTATION_STATUS_ANCHOR_LAG_MINUTES = int(
    os.environ.get("WAYSTATION_STATUS_ANCHOR_LAG_MINUTES", "10")
)
WAYSTATION_STATUS_SHRED_GRACE_MINUTES = int(
    os.environ.get("WAYSTATION_STATUS_SHRED_GRACE_MINUTES", "60")
)

# Logs never carry request bodies, client addresses or decrypted values.
LOGGING = logging_config(public=False)
