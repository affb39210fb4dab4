"""What a staff session carries besides Django's own keys, and how one ends.

A session is trusted only while three things hold: it has passed the second factor
(django-otp's device key), it has been used recently (``LAST_SEEN_KEY``), and it was
started after the user's last "sign out everywhere" (``GENERATION_KEY``).
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from waystation.accounts import services
from waystation.accounts.decorators import REAUTH_SESSION_KEY
from waystation.accounts.models import StaffUser

GENERATION_KEY = "waystation_session_generation"
LAST_SEEN_KEY = "waystation_last_seen"
SIGNED_OUT_REASON_KEY = "waystation_signed_out_reason"
# The language chosen while signed out (the sign-in page's switcher), and the one a
# member chose, kept for the sign-in page after they sign out.
LANGUAGE_KEY = "waystation_language"

# Writing the session on every request would be one database write per page view;
# the idle clock only needs to be right to within this many seconds.
LAST_SEEN_RESOLUTION_SECONDS = 30


class SignOutReason(StrEnum):
    SIGNED_OUT = "signed_out"
    IDLE = "idle"
    ENDED = "ended"
    LOCKED = "locked"


def sign_out_message(reason: str) -> str | None:
    """The sentence the sign-in page shows after a session ended, or None."""
    if reason == SignOutReason.SIGNED_OUT:
        return _("You have signed out.")
    if reason == SignOutReason.IDLE:
        minutes = max(1, settings.WAYSTATION_IDLE_TIMEOUT_SECONDS // 60)
        return ngettext(
            "You were signed out after %(minutes)d minute without activity. Please sign in again.",
            "You were signed out after %(minutes)d minutes without activity. Please sign in again.",
            minutes,
        ) % {"minutes": minutes}
    if reason == SignOutReason.ENDED:
        return _("Your session was ended. Please sign in again.")
    if reason == SignOutReason.LOCKED:
        return services.locked_message()
    return None


def stamp_new_session(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """Receiver of ``user_logged_in``: a new session belongs to the user's current
    generation and starts its idle clock. A password alone is not a re-authentication,
    so an earlier one does not carry over."""
    request.session[GENERATION_KEY] = user.session_generation
    request.session[LAST_SEEN_KEY] = time.time()
    request.session.pop(REAUTH_SESSION_KEY, None)


def is_verified(user: Any) -> bool:
    """True once the session has passed the second factor (set by OTPMiddleware)."""
    check = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and callable(check) and check())


def mark_verified(request: HttpRequest, device: Any) -> None:
    """The second factor was given: from now on this session is fully signed in. The
    session gets a new key, as at every change of privilege."""
    from django_otp import login as otp_login

    request.session.cycle_key()
    otp_login(request, device)


def is_stale(request: HttpRequest, user: StaffUser) -> bool:
    """Started before the user's last "sign out everywhere" (or carries no generation
    at all, which fails closed)."""
    return request.session.get(GENERATION_KEY) != user.session_generation


def is_idle(request: HttpRequest) -> bool:
    last_seen = request.session.get(LAST_SEEN_KEY)
    if not isinstance(last_seen, int | float):
        return True
    return time.time() - last_seen > settings.WAYSTATION_IDLE_TIMEOUT_SECONDS


def touch(request: HttpRequest) -> None:
    last_seen = request.session.get(LAST_SEEN_KEY)
    now = time.time()
    if not isinstance(last_seen, int | float) or now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
        request.session[LAST_SEEN_KEY] = now


def adopt_current_generation(request: HttpRequest, user: StaffUser) -> None:
    """After ending all of one's *other* sessions, keep this one."""
    request.session[GENERATION_KEY] = user.session_generation


def sign_out(request: HttpRequest, *, reason: SignOutReason) -> None:
    """End this session (the whole server-side session is deleted) and leave the reason
    in the new, empty one for the sign-in page to explain."""
    user = request.user
    user_id = user.pk if user.is_authenticated else None
    language = getattr(user, "language", "") or request.session.get(LANGUAGE_KEY, "")
    auth.logout(request)
    request.session[SIGNED_OUT_REASON_KEY] = reason.value
    if language:
        request.session[LANGUAGE_KEY] = language
    if user_id is None:
        return
    if reason == SignOutReason.SIGNED_OUT:
        services.record_sign_out(user_id=user_id)
    elif reason == SignOutReason.IDLE:
        services.record_session_expired(user_id=user_id)
    # ENDED and LOCKED were recorded when the sessions were ended or the lock was set.
