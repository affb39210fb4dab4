"""What every partners action shares: permissions, the error people read, clean text,
the audit entry."""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _

from waystation.accounts.models import Actor
from waystation.accounts.templatetags.staff_format import local_number
from waystation.audit import services as audit
from waystation.cases.models import Case
from waystation.cases.selectors import visibility as case_visibility

MANAGE_PARTNERS = "partners.manage_partners"
MAKE_REFERRAL = "partners.make_referral"
APPROVE_REFERRAL = "partners.approve_referral"

MAX_TEXT = 5_000


class PartnerError(Exception):
    """A partners action was refused; the message is for the person who tried."""


def require(user: Actor, permission: str, message: str | None = None) -> None:
    if not user.is_active or not user.has_perm(permission):
        raise PartnerError(message or _("Your role does not allow this."))


def may_use_partners(user: Actor) -> bool:
    """Reading the partner list and contacts: whoever refers or manages partners."""
    return bool(user.is_active and (user.has_perm(MAKE_REFERRAL) or user.has_perm(MANAGE_PARTNERS)))


def case_for(user: Actor, case_id: str, *, lock: bool = True) -> Case:
    """The case if the user may see it (else the 404 of ``CaseNotFound``, before any
    question of role, so outsiders learn nothing)."""
    return case_visibility.visible_case(user=user, case_id=case_id, lock=lock)


def clean_text(
    value: str | None, *, label: str, required: bool = False, limit: int = MAX_TEXT
) -> str:
    value = (value or "").strip()
    if required and not value:
        raise PartnerError(_("%(label)s is required.") % {"label": label})
    if len(value) > limit:
        raise PartnerError(
            _("%(label)s is limited to %(limit)s characters.")
            % {"label": label, "limit": local_number(limit)}
        )
    return value


def clean_name(value: str | None, *, label: str, limit: int) -> str:
    """A name shown on pages and put in packages: one line, no control characters.
    Format characters stay: a Persian name needs its zero-width non-joiner, and pages
    show invisible characters as markers anyway (``web.invisible``)."""
    value = clean_text(value, label=label, required=True, limit=limit)
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise PartnerError(
            _("%(label)s is one line of text, without control characters.") % {"label": label}
        )
    return value


def record(
    actor: Actor | int | None,
    action: str,
    object_type: str,
    object_id: str,
    *,
    partner_id: str = "",
) -> None:
    """``partner_id``: the partner organisation acted (through its API token), for no
    member of staff; the entry names the partner by its id."""
    actor_id = actor if actor is None or isinstance(actor, int) else actor.pk
    audit.record(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor_partner_id=partner_id,
    )
