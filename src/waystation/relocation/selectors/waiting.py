"""How many payments wait for one member of staff's approval: a count for the home
page, over the same payments as the approvals list (:func:`.money.awaiting_approval`),
less the ones they recorded (someone else must decide those)."""

from __future__ import annotations

from waystation.accounts.models import Actor
from waystation.cases.selectors.visibility import visible_cases
from waystation.relocation.models import Payment, PaymentStatus
from waystation.relocation.services.common import APPROVE_PAYMENT


def payments_waiting_for(*, user: Actor) -> int:
    """Payments waiting for approval on cases ``user`` may see, which ``user`` may decide:
    one ``COUNT``. Zero for anyone whose role does not approve payments."""
    if not user.is_active or not user.has_perm(APPROVE_PAYMENT):
        return 0
    return (
        Payment.objects.filter(
            status=PaymentStatus.AWAITING_APPROVAL, case__in=visible_cases(user).values("pk")
        )
        .exclude(created_by_id=user.pk)
        .count()
    )
