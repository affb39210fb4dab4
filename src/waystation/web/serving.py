"""The command line that starts gunicorn for either Waystation server."""

from __future__ import annotations

import sys
from collections.abc import Sequence

# Settings both servers need whatever else they are given: no forwarding headers
# trusted, no client address logged (waystation/web/gunicorn_config.py).
GUNICORN_CONFIG = "python:waystation.web.gunicorn_config"


def gunicorn_command(
    app: str, *, bind: str, workers: int, options: Sequence[str] = ()
) -> list[str]:
    """gunicorn serving the WSGI ``app`` (``module:callable``) with our settings."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        GUNICORN_CONFIG,
        app,
        "--bind",
        bind,
        "--workers",
        str(workers),
        *options,
    ]
