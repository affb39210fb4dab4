"""Counting failed sign-in attempts, per account, in the database.

Why per account and not per client: Waystation writes no client address anywhere
(docs/design.md §2.4), so there is no client to count. The price is that someone who knows a
username can keep that account locked; the lock is short, the message is calm, and
an administrator sees the lockouts in the audit log.

Why in the database: a server runs several worker processes, and a counter in one
process's memory would give an attacker one allowance per worker.

Keys are keyed hashes (HMAC with the site's secret key) of a scope and a normalised
username or user id, so the table does not list who was tried, and a copy of it
cannot be matched against a list of guessed names without the secret key.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from waystation.accounts.models import LoginThrottle

PASSWORD_SCOPE = "password"
SECOND_FACTOR_SCOPE = "second-factor"


def normalise_username(username: str) -> str:
    """One counter for every way of writing a name: "Alice", "alice", full-width letters."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


def password_key(username: str) -> str:
    return _key(PASSWORD_SCOPE, normalise_username(username))


def second_factor_key(user_id: int) -> str:
    return _key(SECOND_FACTOR_SCOPE, str(user_id))


def _key(scope: str, value: str) -> str:
    return salted_hmac(
        f"waystation.accounts.throttle.{scope}", value, algorithm="sha256"
    ).hexdigest()


def _lockout() -> timedelta:
    return timedelta(seconds=settings.WAYSTATION_LOGIN_LOCKOUT_SECONDS)


def is_locked(key: str) -> bool:
    return LoginThrottle.objects.filter(key=key, locked_until__gt=timezone.now()).exists()


@transaction.atomic
def register_failure(key: str) -> bool:
    """Count one failure; return True if the key is locked now (or already was).

    Failures older than the lockout period are forgotten, so a few typos spread over
    weeks never add up to a lock.
    """
    now = timezone.now()
    row, _ = LoginThrottle.objects.select_for_update().get_or_create(key=key)
    if row.locked_until is not None and row.locked_until > now:
        return True
    if row.last_failure_at is None or now - row.last_failure_at > _lockout():
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    locked = row.failures >= settings.WAYSTATION_LOGIN_MAX_FAILURES
    if locked:
        row.failures = 0
        row.locked_until = now + _lockout()
    row.save()
    _forget_expired(now)
    return locked


@transaction.atomic
def lock(key: str) -> None:
    now = timezone.now()
    LoginThrottle.objects.update_or_create(
        key=key, defaults={"failures": 0, "last_failure_at": now, "locked_until": now + _lockout()}
    )


def clear(key: str) -> None:
    LoginThrottle.objects.filter(key=key).delete()


def _forget_expired(now: datetime) -> None:
    """Rows for names nobody tried lately go, so that trying many names does not grow
    the table without end."""
    LoginThrottle.objects.filter(last_failure_at__lt=now - _lockout()).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    ).delete()
