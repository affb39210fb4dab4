"""What waits for one programme manager's second signature in partners' work, as counts
for the home page: referrals to approve (on cases they may see) and partners' keys to
approve. Each a ``COUNT``, and where to start: the oldest one's case or partner, since
no page lists them across cases or partners."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from waystation.accounts.models import Actor
from waystation.cases.selectors.visibility import visible_cases
from waystation.partners.models import KeyChange, KeyChangeStatus, Referral, ReferralState
from waystation.partners.services.common import APPROVE_REFERRAL, MANAGE_PARTNERS


@dataclass(frozen=True)
class Waiting:
    count: int
    oldest: str | None  # the case id (referrals) or partner id (keys) of the oldest


_NONE = Waiting(count=0, oldest=None)


def referrals_waiting_for(*, user: Actor) -> Waiting:
    """Drafts, and approved referrals flagged after a key change (approved again the same
    way), on cases ``user`` may see, made by someone else (``approve_referral`` refuses
    the maker)."""
    if not user.is_active or not user.has_perm(APPROVE_REFERRAL):
        return _NONE
    waiting = (
        Referral.objects.filter(
            Q(state=ReferralState.DRAFT)
            | Q(state=ReferralState.APPROVED, key_changed_at__isnull=False),
            case__in=visible_cases(user).filter(shredded_at__isnull=True).values("pk"),
        )
        .exclude(created_by_id=user.pk)
        .order_by("created_at", "id")
    )
    count = waiting.count()
    return Waiting(
        count=count, oldest=waiting.values_list("case_id", flat=True).first() if count else None
    )


def key_changes_waiting_for(*, user: Actor) -> Waiting:
    """Partners' proposed keys that ``user`` may approve: every one still pending that
    another programme manager proposed."""
    if not user.is_active or not user.has_perm(MANAGE_PARTNERS):
        return _NONE
    waiting = (
        KeyChange.objects.filter(status=KeyChangeStatus.PENDING)
        .exclude(proposed_by_id=user.pk)
        .order_by("proposed_at", "id")
    )
    count = waiting.count()
    return Waiting(
        count=count,
        oldest=waiting.values_list("partner_id", flat=True).first() if count else None,
    )
