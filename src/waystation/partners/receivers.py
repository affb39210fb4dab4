"""How partners joins moments that cases own (see ``waystation.cases.signals``): each
state change of a referral is on the case's timeline."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from waystation.accounts.models import Actor
from waystation.cases.models import Case
from waystation.cases.selectors.timeline import TimelineEntry
from waystation.cases.signals import collecting_timeline
from waystation.partners.models import ReferralEvent, ReferralState

TIMELINE_LIMIT = 200


@receiver(collecting_timeline, sender=Case, dispatch_uid="partners.referral_timeline")
def referral_timeline(sender: Any, case: Case, user: Actor, **kwargs: Any) -> list[TimelineEntry]:
    """Read under the case page's own ``case.opened`` audit entry."""
    states = dict(ReferralState.choices)
    entries = []
    events = (
        ReferralEvent.objects.filter(case=case)
        .select_related("referral__partner")
        .order_by("-at")[:TIMELINE_LIMIT]
    )
    for event in events:
        partner = event.referral.partner.name
        if event.from_state:
            move = f"{states.get(event.from_state)} → {states.get(event.to_state)}"
            text = f"Referral to {partner}: {move}"
        else:
            text = f"Referral to {partner} drafted"
        note = event.note or ""
        text = f"{text}: {note}" if note else text
        if event.by_partner:
            # No member of staff made this move: say who did, as the audit entry does.
            text = f"{text} (by {partner}, over the API)"
        entries.append(
            TimelineEntry(
                at=event.at,
                kind="referral",
                text=text,
                actor_id=event.actor_id,
            )
        )
    return entries
