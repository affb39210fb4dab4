"""Which token speaks for whom: the one place that decides whether a token still
works (``usable_token``), and the owner's list for "My account"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from waystation.accounts.models import Actor
from waystation.api.models import ApiToken, EndedBy, Scope
from waystation.api.services.tokens import TOKEN_PREFIX, token_digest

# A token is "wst_" and 43 characters of URL-safe base64; anything much longer is not
# one, and is not hashed.
MAX_TOKEN_LENGTH = 64


def usable_token(secret: str) -> ApiToken | None:
    """The token this secret is, with its owner, if it still works: not expired, not
    revoked (by its owner or by a seal), its owner active and not signed out everywhere
    since it was made. None otherwise, whichever the reason: the caller answers every
    failure alike."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_TOKEN_LENGTH:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or token.expires_at <= timezone.now():
        return None
    user = token.user
    if not user.is_active or user.session_generation != token.session_generation:
        return None
    return token


@dataclass(frozen=True)
class ShownToken:
    id: str
    prefix: str
    scope_label: str
    created_at: datetime
    expires_at: datetime
    status: str  # "in use", "expired", or why it ended
    in_use: bool


def my_tokens(*, user: Actor) -> list[ShownToken]:
    """The owner's tokens, newest first: those in use, and the recent others."""
    now = timezone.now()
    scopes = dict(Scope.choices)
    ended = dict(EndedBy.choices)
    shown = []
    for token in ApiToken.objects.filter(user=user).order_by("-created_at")[:50]:
        if token.revoked_at is not None:
            status = str(ended.get(token.ended_by, "revoked"))
        elif token.expires_at <= now:
            status = "expired"
        elif token.session_generation != user.session_generation:
            status = "ended when you were signed out everywhere"
        else:
            status = "in use"
        shown.append(
            ShownToken(
                id=token.id,
                prefix=token.prefix,
                scope_label=str(scopes.get(token.scope, token.scope)),
                created_at=token.created_at,
                expires_at=token.expires_at,
                status=status,
                in_use=status == "in use",
            )
        )
    return shown
