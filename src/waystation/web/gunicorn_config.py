"""gunicorn settings of both Waystation servers: ``gunicorn --config
python:waystation.web.gunicorn_config …`` (``demo serve``, ``serve-public`` and the
production unit in docs/operations.md all start it so).

**Nothing a client sends is taken as a proxy's word.** By default gunicorn lets any
peer in ``forwarded_allow_ips`` (127.0.0.1, and every Unix-socket peer) set the WSGI
``SCRIPT_NAME`` with a ``SCRIPT_NAME:`` header, and the URL scheme with
``X-Forwarded-Proto``. On the staff port, that made any page pass for a static file
(security review, December): whatever reaches the port directly, or a proxy that passes
headers with underscores, must not be able to say where the application is mounted or
who is calling. Headers with underscores are dropped; nothing is trusted from anyone.
Behind the TLS proxy, Django alone reads ``X-Forwarded-Proto`` (SECURE_PROXY_SSL_HEADER,
production only), which the proxy sets itself.

Names in lower case are gunicorn settings (gunicorn reads every module-level name that
is one); ``on_starting`` refuses to start if the command line or the environment
(``GUNICORN_CMD_ARGS``, ``SCRIPT_NAME``) turned any of this back on.
"""

from __future__ import annotations

import os
from typing import Any

forwarded_allow_ips = ""
forwarder_headers = ""
secure_scheme_headers: dict[str, str] = {}
header_map = "drop"
proxy_protocol = "off"
proxy_allow_ips = ""

# Logs: no access log, and no client address or request content in the error log.
logger_class = "waystation.web.gunicorn_logging.Logger"
accesslog = None
errorlog = "-"
loglevel = "warning"

# gunicorn's control socket sits at one path per user: the second server would take it
# over, and nothing of ours uses it.
control_socket_disable = True

_LOGGER_CLASS = logger_class


def refusals(cfg: Any, environ: dict[str, str]) -> list[str]:
    """What in the effective settings would let a client speak with a proxy's voice or
    be logged; empty when the server may start."""
    problems = []
    if cfg.forwarded_allow_ips:
        problems.append(f"forwarded_allow_ips is {cfg.forwarded_allow_ips!r}, not empty")
    if cfg.forwarder_headers:
        problems.append(f"forwarder_headers is {cfg.forwarder_headers!r}, not empty")
    if cfg.secure_scheme_headers:
        problems.append("secure_scheme_headers is set; Django reads X-Forwarded-Proto itself")
    if cfg.header_map == "dangerous":
        problems.append("header_map is 'dangerous'")
    if cfg.proxy_protocol != "off":
        problems.append("the PROXY protocol is on")
    if environ.get("SCRIPT_NAME"):
        problems.append("SCRIPT_NAME is set in the environment")
    logger = cfg.logger_class
    if f"{logger.__module__}.{logger.__qualname__}" != _LOGGER_CLASS:
        problems.append(f"logger_class is not {_LOGGER_CLASS}")
    return problems


def on_starting(server: Any) -> None:
    problems = refusals(server.cfg, dict(os.environ))
    if problems:
        raise RuntimeError(
            "Waystation refuses to serve with these gunicorn settings: "
            + "; ".join(problems)
            + " (see waystation/web/gunicorn_config.py)"
        )
