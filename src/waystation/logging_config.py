"""What the staff process and the public process log, and what they never do: request
bodies, client addresses, decrypted values. One definition for both, so a rule added for
one cannot be forgotten for the other; the public process is the stricter.

An error's message and the request attached to it can quote what someone typed (names,
stories): ``django.request`` records keep only the exception's type and code locations
(``RedactedErrorFilter``). ``django.server`` logs client addresses for every request, so
it is off in both; the public process also silences ``django.security`` (it would quote
the offending request) and gunicorn's access log, and redacts every record.

One line per event, at the level it deserves: the libraries that draw charts and write
the donor PDF (fontTools subsets fonts with ~75 INFO lines per document; matplotlib and
Pillow report their choices) speak only from WARNING up (``QUIET``). A staff page
refused while sealed is expected operation, logged once as a WARNING by
``vault.middleware``, not as a ``django.request`` ERROR.
"""

from __future__ import annotations

from typing import Any

_SILENT = {"handlers": [], "level": "CRITICAL", "propagate": False}
# Third-party libraries whose INFO and DEBUG lines are noise to an operator.
QUIET = ("fontTools", "fpdf", "matplotlib", "PIL")


def logging_config(*, public: bool) -> dict[str, Any]:
    """The ``LOGGING`` setting of the public process (``public``) or the staff one."""
    console: dict[str, Any] = {"class": "logging.StreamHandler", "formatter": "plain"}
    handlers: dict[str, Any] = {"console": {**console, "filters": ["redact"]}}
    loggers: dict[str, Any] = {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": dict(_SILENT),
        "django.security": dict(_SILENT),
        "gunicorn.access": dict(_SILENT),
    }
    if not public:
        handlers = {"console": console, "redacted": {**console, "filters": ["redact"]}}
        loggers = {
            "django.request": {"handlers": ["redacted"], "level": "ERROR", "propagate": False},
            "django.server": dict(_SILENT),
            # fido2's server logs each credential id at INFO: an id names a person's
            # physical key (docs/accounts.md "Security keys").
            "fido2": {"level": "WARNING"},
        }
    for name in QUIET:
        loggers[name] = {"level": "WARNING"}
    return {
        "version": 1,
        "disable_existing_loggers": public,
        "filters": {"redact": {"()": "waystation.intake.logging.RedactedErrorFilter"}},
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        "handlers": handlers,
        "root": {"handlers": ["console"], "level": "WARNING" if public else "INFO"},
        "loggers": loggers,
    }
