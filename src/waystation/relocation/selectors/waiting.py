"""How many payments wait for one member of staff's approval: a count for the home
page, over the same payments as the approvals list (:func:`.money.payments_awaiting`),
less the ones they recorded (someone else must decide those)."""

from __future__ import annotations

from waystation.accounts.models import Actor
from waystation.relocation.selectors.money import payments_awaiting


def payments_waiting_for(*, user: Actor) -> int:
    """Payments waiting for approval on cases ``user`` may see, which ``user`` may decide:
    one ``COUNT``. Zero for anyone whose role does not approve payments."""
    return payments_awaiting(user=user).exclude(created_by_id=user.pk).count()
