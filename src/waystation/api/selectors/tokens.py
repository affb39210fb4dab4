"""Which token speaks for whom: the one place that decides whether a token still
works (``usable_token``), and the owner's list for "My account"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from waystation.accounts.models import Actor
from waystation.api.models import ApiToken, EndedBy, Scope
from waystation.api.services.tokens import TOKEN_PREFIX, token_digest
from waystation.partners.services.common import MANAGE_PARTNERS

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
        ApiToken.objects.select_related("user", "partner")
        .filter(digest=token_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or token.expires_at <= timezone.now():
        return None
    if token.scope == Scope.PARTNER:
        # A partner's token: it dies with the partner's deactivation, as a personal one
        # with its owner's, and stays dead after a reactivation (``active_changed_at``
        # is set by both): a token that may have leaked is not brought back to life.
        partner = token.partner
        if partner is None or not partner.active or token.user_id is not None:
            return None
        if partner.active_changed_at is not None and token.created_at <= partner.active_changed_at:
            return None
        return token
    user = token.user
    if user is None or not user.is_active or user.session_generation != token.session_generation:
        return None
    return token


# The status of a token that works (compared by identity: the label is translated).
IN_USE = _("in use")


@dataclass(frozen=True)
class ShownToken:
    id: str
    prefix: str
    scope_label: str
    created_at: datetime
    expires_at: datetime
    status: str  # "in use", "expired", or why it ended, in the reader's language
    in_use: bool


def my_tokens(*, user: Actor) -> list[ShownToken]:
    """The owner's tokens, newest first: those in use, and the recent others."""
    now = timezone.now()
    scopes = dict(Scope.choices)
    ended = dict(EndedBy.choices)
    shown = []
    for token in ApiToken.objects.filter(user=user).order_by("-created_at")[:50]:
        if token.revoked_at is not None:
            status: object = str(ended.get(token.ended_by, _("revoked")))
        elif token.expires_at <= now:
            status = _("expired")
        elif token.session_generation != user.session_generation:
            status = _("ended when you were signed out everywhere")
        else:
            status = IN_USE
        shown.append(_shown(token, status, scopes))
    return shown


def _shown(token: ApiToken, status: object, scopes: Mapping[str, object]) -> ShownToken:
    return ShownToken(
        id=token.id,
        prefix=token.prefix,
        scope_label=str(scopes.get(token.scope, token.scope)),
        created_at=token.created_at,
        expires_at=token.expires_at,
        status=str(status),
        in_use=status is IN_USE,
    )


def partner_tokens(*, user: Actor, partner_id: str) -> list[ShownToken]:
    """A partner's tokens, for the programme managers who issue them (prefixes and
    dates only: no token is ever shown again)."""
    if not user.is_active or not user.has_perm(MANAGE_PARTNERS):
        return []
    now = timezone.now()
    scopes = dict(Scope.choices)
    ended = dict(EndedBy.choices)
    shown = []
    for token in (
        ApiToken.objects.filter(partner_id=partner_id, scope=Scope.PARTNER)
        .select_related("partner")
        .order_by("-created_at")[:50]
    ):
        partner = token.partner
        if token.revoked_at is not None:
            status: object = str(ended.get(token.ended_by, _("revoked")))
        elif token.expires_at <= now:
            status = _("expired")
        elif partner is not None and (
            not partner.active
            or (partner.active_changed_at and token.created_at <= partner.active_changed_at)
        ):
            status = _("ended when the partner was deactivated")
        else:
            status = IN_USE
        shown.append(_shown(token, status, scopes))
    return shown
