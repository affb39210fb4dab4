"""Making and ending API tokens.

A token is created by its owner for themselves, on a page that asks for the password and
a fresh two-factor code first (``views.tokens``), and shown once. It ends at its expiry,
when its owner revokes it, when its owner is signed out everywhere (their session
generation moves on, see ``selectors.tokens.usable_token``), when their account is
deactivated, and when the vault is sealed (``receivers``).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waystation.accounts.models import Actor, StaffUser
from waystation.api.models import ApiToken, EndedBy, Scope
from waystation.audit import services as audit
from waystation.partners.models import Partner
from waystation.partners.services.common import MANAGE_PARTNERS, PartnerError
from waystation.partners.services.partners import partner_for

TOKEN_PREFIX = "wst_"  # says what the string is, to its owner and to secret scanners
SECRET_BYTES = 32  # 256 bits: no hash rate makes guessing one worth trying
SHOWN_PREFIX_LENGTH = 8
DEFAULT_DAYS = 30
MAX_DAYS = 90
MAX_ACTIVE_PER_USER = 10
MAX_ACTIVE_PER_PARTNER = 5


class TokenError(Exception):
    """A token action was refused; the message is for the person who tried."""


@dataclass(frozen=True)
class IssuedToken:
    """A new token with its secret: shown once, never stored or logged."""

    token: ApiToken
    secret: str

    def __repr__(self) -> str:  # the secret must not reach a log or a traceback
        return f"<IssuedToken {self.token.prefix}>"


def token_digest(secret: str) -> str:
    """What the database keeps of a token. Plain SHA-256, not a slow or keyed hash: the
    token is 256 random bits, so no guess can be tested faster than it can be made, and
    checking it needs no key (a token is refused while sealed anyway)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_secret() -> tuple[str, str]:
    random_part = base64.urlsafe_b64encode(secrets.token_bytes(SECRET_BYTES)).decode()
    random_part = random_part.rstrip("=")
    return TOKEN_PREFIX + random_part, random_part[:SHOWN_PREFIX_LENGTH]


def _issue(*, user: Actor, scope: str, days: int, actor_id: int | None) -> IssuedToken:
    # The account as it is now, locked: a token must belong to the current session
    # generation (a copy of the user loaded before a "sign out everywhere" would make a
    # token that is ended at birth, or, worse, outlive one made after it).
    current = StaffUser.objects.select_for_update().filter(pk=user.pk).first()
    if current is None or not current.is_active:
        raise TokenError(_("This account is not active."))
    if scope not in (Scope.READ, Scope.WRITE):
        raise TokenError(_("Choose read only, or read and write."))
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise TokenError(_("A token lasts 1 to %(days)d days.") % {"days": MAX_DAYS})
    now = timezone.now()
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now)
    if active.count() >= MAX_ACTIVE_PER_USER:
        raise TokenError(
            _("You have %(count)d tokens in use already: revoke one you no longer need first.")
            % {"count": MAX_ACTIVE_PER_USER}
        )
    secret, prefix = _new_secret()
    token = ApiToken.objects.create(
        user=current,
        prefix=prefix,
        digest=token_digest(secret),
        scope=scope,
        session_generation=current.session_generation,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    audit.record(
        actor_id=actor_id, action="api.token_created", object_type="api_token", object_id=token.id
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def create_token(*, user: Actor, scope: str, days: int = DEFAULT_DAYS) -> IssuedToken:
    """A token for ``user``, made by ``user`` (the page has re-authenticated them)."""
    return _issue(user=user, scope=scope, days=days, actor_id=user.pk)


@transaction.atomic
def revoke_token(*, user: Actor, token_id: str) -> ApiToken:
    """Its owner ends one token. Another person's token is "no such token"."""
    token = (
        ApiToken.objects.select_for_update()
        .filter(pk=token_id, user=user, revoked_at__isnull=True)
        .first()
        if isinstance(token_id, str)
        else None
    )
    if token is None:
        raise TokenError(_("No such token in use."))
    token.revoked_at = timezone.now()
    token.ended_by = EndedBy.OWNER
    token.save(update_fields=["revoked_at", "ended_by"])
    audit.record(
        actor_id=user.pk, action="api.token_revoked", object_type="api_token", object_id=token.id
    )
    return token


def end_every_token_for_seal(*, actor_id: int | None) -> int:
    """Seal now ends every token (called inside the seal's audit transaction): whoever
    copied one off a seized laptop cannot use it once the trustees unseal."""
    ended = ApiToken.objects.filter(revoked_at__isnull=True).update(
        revoked_at=timezone.now(), ended_by=EndedBy.SEAL
    )
    audit.record(actor_id=actor_id, action="api.tokens_ended_by_seal")
    return ended


def _manager(user: Actor) -> None:
    if not user.is_active or not user.has_perm(MANAGE_PARTNERS):
        raise TokenError(_("Your role does not allow issuing or revoking a partner's API tokens."))


@transaction.atomic
def create_partner_token(*, user: Actor, partner_id: str, days: int = DEFAULT_DAYS) -> IssuedToken:
    """A token for the partner organisation ``partner_id``, issued by a programme manager
    (the page has re-authenticated them). It speaks for the partner, never for ``user``:
    it reaches the partner's referral routes only."""
    _manager(user)
    try:
        partner = partner_for(partner_id, lock=True)
    except PartnerError as exc:
        raise TokenError(str(exc)) from exc
    if not partner.active:
        raise TokenError(_("This partner is no longer active: it gets no token."))
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise TokenError(_("A token lasts 1 to %(days)d days.") % {"days": MAX_DAYS})
    now = timezone.now()
    active = ApiToken.objects.filter(partner=partner, revoked_at__isnull=True, expires_at__gt=now)
    if active.count() >= MAX_ACTIVE_PER_PARTNER:
        raise TokenError(
            _("%(name)s has %(count)d tokens in use already: revoke one it no longer needs first.")
            % {"name": partner.name, "count": MAX_ACTIVE_PER_PARTNER}
        )
    secret, prefix = _new_secret()
    token = ApiToken.objects.create(
        partner=partner,
        issued_by_id=user.pk,
        prefix=prefix,
        digest=token_digest(secret),
        scope=Scope.PARTNER,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    audit.record(
        actor_id=user.pk,
        action="api.partner_token_created",
        object_type="api_token",
        object_id=token.id,
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def revoke_partner_token(*, user: Actor, partner_id: str, token_id: str) -> ApiToken:
    """A programme manager ends one of a partner's tokens."""
    _manager(user)
    token = (
        ApiToken.objects.select_for_update()
        .filter(pk=token_id, partner_id=partner_id, scope=Scope.PARTNER, revoked_at__isnull=True)
        .first()
        if isinstance(token_id, str) and isinstance(partner_id, str)
        else None
    )
    if token is None:
        raise TokenError(_("No such token in use."))
    token.revoked_at = timezone.now()
    token.ended_by = EndedBy.MANAGER
    token.save(update_fields=["revoked_at", "ended_by"])
    audit.record(
        actor_id=user.pk,
        action="api.partner_token_revoked",
        object_type="api_token",
        object_id=token.id,
    )
    return token


def partner_of(token: ApiToken) -> Partner:
    """The partner a partner token speaks for (the authentication found it usable)."""
    assert token.scope == Scope.PARTNER and token.partner is not None
    return token.partner


@transaction.atomic
def issue_demo_token(*, user: Actor, scope: str = Scope.WRITE, days: int = 7) -> IssuedToken:
    """For ``waystation demo api-token``: a token for a demo account without the
    browser. Refused outside demo mode, where every token must be asked for by its
    owner after giving their password and a code again."""
    if not settings.DEMO_MODE:
        raise TokenError(_("Demo tokens are issued only in WAYSTATION_MODE=demo."))
    return _issue(user=user, scope=scope, days=days, actor_id=None)
