"""Abuse limits of the public side, kept without knowing who anyone is.

The public page cannot tell one person from another (it records no address, and over
Tor every visitor looks the same), so limits are global or per mailbox:

- new requests per minute, for everyone together (counted from the requests themselves),
  and request forms sent per minute, valid or not: both are checked before a form's body
  is read, so once a flood has used up the minute it costs no parsing and no image work;
- mailbox openings per minute, for everyone together: a counter per minute that holds a
  number and nothing else. A codename has ≥ 88 bits, so this is not what protects it; it
  keeps guessing from loading the server;
- messages and check-ins per mailbox per hour (counted from the mailbox's own rows);
- a cap on the bytes of stored attachments, and a reserve of free disk.

When one is reached the applicant sees a calm "please try again later" page.
"""

from __future__ import annotations

import shutil
import time
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from waystation.intake import conf, storage
from waystation.intake.models import (
    Attachment,
    CheckIn,
    Direction,
    HelpRequest,
    MailboxMessage,
    ThrottleWindow,
)

WINDOW_SECONDS = 60
_KEEP_WINDOWS = timedelta(hours=1)
_STORAGE_CHECK_SECONDS = 10.0
_storage_checked: tuple[float, int] = (0.0, 0)


class TryLater(Exception):
    """A limit was reached; nothing was stored."""

    def __init__(self, reason: str, retry_after: int = 60) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def take(name: str, limit: int) -> bool:
    """Count one action in this minute's window; False when over ``limit``. Always does
    the same work, whether under or over, so its timing says nothing."""
    now = timezone.now()
    start = int(now.timestamp()) // WINDOW_SECONDS
    key = f"{name}:{start}"
    if not ThrottleWindow.objects.filter(key=key).update(count=F("count") + 1):
        try:
            with transaction.atomic():
                ThrottleWindow.objects.create(key=key, count=1, window_start=now)
        except IntegrityError:  # another worker opened the window first
            ThrottleWindow.objects.filter(key=key).update(count=F("count") + 1)
        ThrottleWindow.objects.filter(window_start__lt=now - _KEEP_WINDOWS).delete()
    count = ThrottleWindow.objects.filter(key=key).values_list("count", flat=True).first()
    return count is not None and count <= limit


def check_new_request() -> None:
    limits = conf.limits()
    since = timezone.now() - timedelta(seconds=WINDOW_SECONDS)
    if HelpRequest.objects.filter(received_at__gte=since).count() >= limits.requests_per_minute:
        raise TryLater("requests_per_minute")


def admit_request_form() -> None:
    """Before a request form is read: refuse at once when this minute's requests are used
    up, or when too many forms (stored or refused) arrived this minute."""
    check_new_request()
    if not take("forms", conf.limits().form_posts_per_minute):
        raise TryLater("form_posts_per_minute")


def check_mailbox_message(request_id: str) -> None:
    limits = conf.limits()
    since = timezone.now() - timedelta(hours=1)
    sent = MailboxMessage.objects.filter(
        request_id=request_id, direction=Direction.FROM_APPLICANT, sent_at__gte=since
    ).count()
    if sent >= limits.messages_per_mailbox_per_hour:
        raise TryLater("messages_per_mailbox", retry_after=3600)


def check_check_in(request_id: str) -> None:
    limits = conf.limits()
    since = timezone.now() - timedelta(hours=1)
    if (
        CheckIn.objects.filter(request_id=request_id, at__gte=since).count()
        >= limits.check_ins_per_mailbox_per_hour
    ):
        raise TryLater("check_ins_per_mailbox", retry_after=3600)


def check_storage(incoming_bytes: int) -> None:
    """Refuse files that would pass the storage cap or eat the disk's last reserve. The
    sum is re-read every few seconds per process: a flood can overshoot the cap by a few
    seconds' worth, never by more."""
    if incoming_bytes == 0:
        return
    global _storage_checked
    limits = conf.limits()
    checked_at, stored = _storage_checked
    if time.monotonic() - checked_at > _STORAGE_CHECK_SECONDS:
        stored = Attachment.objects.aggregate(total=Sum("size"))["total"] or 0
        _storage_checked = (time.monotonic(), stored)
    if stored + incoming_bytes > limits.storage_cap_bytes:
        raise TryLater("storage_cap", retry_after=3600)
    folder = storage.root()
    probe = folder if folder.exists() else folder.parent
    while not probe.exists():
        probe = probe.parent
    if shutil.disk_usage(probe).free - incoming_bytes < limits.min_free_disk_bytes:
        raise TryLater("disk_reserve", retry_after=3600)
    _storage_checked = (_storage_checked[0], _storage_checked[1] + incoming_bytes)


def forget_storage_estimate() -> None:
    global _storage_checked
    _storage_checked = (0.0, 0)
