"""gunicorn's logger without the parts that name a client (docs/design.md §2.4), for both servers.

gunicorn writes the caller's address into its own error log: ``Invalid request from
ip=…`` for every malformed request, before Django sees anything, and its access log
is a list of who came when. This logger keeps no access log whatever the settings say,
and rewrites every error-log record: no IP address, and for a refused request none of
what the client sent either (it is quoted back, and may hold a name typed into a URL).
"""

from __future__ import annotations

import ipaddress
import logging
import re
from typing import Any

from gunicorn import glogging

REDACTED = "<address>"

_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
# Runs of hex digits, dots and colons with at least two colons: every IPv6 address is
# one (so are times of day, which are left alone because they do not parse).
_IPV6_CANDIDATE = re.compile(r"(?<![\w:])[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*")
_PORT_SUFFIX = re.compile(r":\d{1,5}$")
_INVALID_REQUEST = re.compile(r"^Invalid request from ip=\S*?: ")
_QUOTED = re.compile(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"")
# gunicorn's "Error handling request %s %s" (method, URI): the URI's query can hold
# what someone typed into a search field.
_ERROR_HANDLING_REQUEST = "Error handling request"


def _is_address(text: str) -> bool:
    for candidate in (text, text.rstrip(":."), _PORT_SUFFIX.sub("", text)):
        try:
            ipaddress.ip_address(candidate.split("%", 1)[0])
        except ValueError:
            continue
        return True
    return False


def redact_addresses(text: str) -> str:
    """``text`` with every IPv4 and IPv6 address replaced."""
    text = _IPV4.sub(REDACTED, text)
    return _IPV6_CANDIDATE.sub(lambda m: REDACTED if _is_address(m[0]) else m[0], text)


def redact(message: str) -> str:
    """One gunicorn error-log message as it may be written."""
    if message.startswith("Invalid request from ip="):
        # "Invalid request from ip=<client>: Invalid HTTP request line: '<what was sent>'"
        message = "Invalid request: " + _QUOTED.sub("'…'", _INVALID_REQUEST.sub("", message))
    elif message.startswith(_ERROR_HANDLING_REQUEST):
        message = _ERROR_HANDLING_REQUEST
    return redact_addresses(message)


class RedactingFilter(logging.Filter):
    """Rewrites each record of gunicorn's error log in place (see ``redact``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        if record.exc_info:
            record.exc_text = redact_addresses(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact_addresses(record.stack_info)
        return True


class Logger(glogging.Logger):  # type: ignore[misc]  # gunicorn has no type hints
    """Set with ``logger_class`` in waystation.web.gunicorn_config."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # On the logger, not on a handler: handlers are replaced on reload, by syslog or
        # by a logging config; a logger's own filters see every record it is given.
        if not any(isinstance(f, RedactingFilter) for f in self.error_log.filters):
            self.error_log.addFilter(RedactingFilter())

    @property
    def access_log_enabled(self) -> bool:
        return False

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        """No access log: it would record every client's address and every URL."""
