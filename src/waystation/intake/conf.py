"""Limits of the public side, read at call time (tests override them).

Each limit is the Django setting ``WAYSTATION_INTAKE_<NAME>`` if a settings module
defines it, else the environment variable of the same name, else the default below. So
one environment configures the staff and the public process alike.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings

DEFAULTS: dict[str, int] = {
    # Uploads.
    "MAX_FILE_BYTES": 10 * 1024 * 1024,
    "MAX_REQUEST_BYTES": 25 * 1024 * 1024,
    "MAX_FILES": 5,
    "MAX_IMAGE_PIXELS": 40_000_000,
    "MAX_PDF_PAGES": 100,
    # What a PDF may make us inflate (pypdf's own cap is 75 MB per stream) and decode.
    "MAX_PDF_STREAM_BYTES": 8 * 1024 * 1024,
    "MAX_PDF_DECODED_BYTES": 32 * 1024 * 1024,
    "MAX_PDF_PIXELS": 200_000_000,
    # The child process that rebuilds each file.
    "REBUILD_CPU_SECONDS": 10,
    "REBUILD_MEMORY_BYTES": 1536 * 1024 * 1024,
    "REBUILD_TIMEOUT_SECONDS": 30,
    "MAX_TEXT_CHARS": 20_000,
    # Abuse. Real traffic is a few dozen requests a day; these stop floods, not people.
    "REQUESTS_PER_MINUTE": 60,
    "FORM_POSTS_PER_MINUTE": 300,
    "MAILBOX_ATTEMPTS_PER_MINUTE": 120,
    "MESSAGES_PER_MAILBOX_PER_HOUR": 20,
    "CHECK_INS_PER_MAILBOX_PER_HOUR": 12,
    "STORAGE_CAP_BYTES": 20 * 1024**3,
    "MIN_FREE_DISK_BYTES": 512 * 1024**2,
}


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_request_bytes: int
    max_files: int
    max_image_pixels: int
    max_pdf_pages: int
    max_pdf_stream_bytes: int
    max_pdf_decoded_bytes: int
    max_pdf_pixels: int
    rebuild_cpu_seconds: int
    rebuild_memory_bytes: int
    rebuild_timeout_seconds: int
    max_text_chars: int
    requests_per_minute: int
    form_posts_per_minute: int
    mailbox_attempts_per_minute: int
    messages_per_mailbox_per_hour: int
    check_ins_per_mailbox_per_hour: int
    storage_cap_bytes: int
    min_free_disk_bytes: int


def _value(name: str, default: int) -> int:
    # "is not None", not "or": 0 is a real setting (a limit that refuses everything).
    setting = f"WAYSTATION_INTAKE_{name}"
    configured = getattr(settings, setting, None)
    if configured is None:
        configured = os.environ.get(setting) or None
    return default if configured is None else int(configured)


def limits() -> Limits:
    return Limits(**{name.lower(): _value(name, default) for name, default in DEFAULTS.items()})
