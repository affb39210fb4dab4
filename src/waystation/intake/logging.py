"""Error logging without personal data, for the public and the staff process.

An exception's message can quote what a visitor or a member of staff sent, and Django's
request logger attaches the request itself. This filter rewrites each record from parts
that are the code's, never the request's: the status, the method, the name of the route
(``cases:detail``, not ``/cases/7hq2…/?q=…``), the exception's type and the code
locations it passed through. Enough to find the bug; nothing about anyone.

No path is logged, not even without its query string: a path that matched no route is
whatever the client typed, and a case's id in a log line ties a moment to a case. The
route's name says which page failed, which is what fixing it needs.
"""

from __future__ import annotations

import http
import logging
import re
import traceback

from django.http import HttpRequest
from django.urls import Resolver404, resolve

_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
_PLACEHOLDER = re.compile(r"%(\([^)]*\))?[-#0 +]*[\d*]*(\.[\d*]+)?[a-zA-Z%]")


def _reason(status: object) -> str | None:
    try:
        return http.HTTPStatus(int(status)).phrase  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:  # answered by a middleware, before the URL was resolved
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "(no route)"
        except Exception:  # a log line must never fail the request it describes
            return "(route unknown)"
    return match.view_name or match.route or "(unnamed route)"


def _as_written(message: object) -> str:
    """The message as the code wrote it, its arguments left out; cut at the first
    colon, after which messages formatted before logging tend to quote values."""
    return _PLACEHOLDER.sub("…", str(message)).split(":", 1)[0].strip()


def redacted_message(record: logging.LogRecord) -> str:
    request = getattr(record, "request", None)
    reason = _reason(getattr(record, "status_code", None))
    if isinstance(request, HttpRequest):
        method = request.method if request.method in _METHODS else "(other method)"
        line = f"{reason or _as_written(record.msg)}: {method} {_route(request)}"
    else:
        line = _as_written(record.msg)
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        frames = traceback.extract_tb(exc.__traceback__)
        where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in frames[-6:])
        failure = f"{type(exc).__name__} at {where}"
        line = f"{line} ({failure})" if line else failure
    return line


class RedactedErrorFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redacted_message(record)
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        if hasattr(record, "request"):
            record.request = None
        return True
