"""Error logging without personal data, for the public process.

An exception's message can quote what a visitor sent, and Django's request logger
attaches the request itself. This filter rewrites each record to the exception's type
and the code locations it passed through: enough to find the bug, nothing about anyone.
"""

from __future__ import annotations

import logging
import traceback


class RedactedErrorFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            frames = traceback.extract_tb(exc.__traceback__)
            where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in frames[-6:])
            record.msg = f"{type(exc).__name__} at {where}"
        else:
            record.msg = str(record.msg).split(":", 1)[0]
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        if hasattr(record, "request"):
            record.request = None
        return True
