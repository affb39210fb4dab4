"""How relocation joins moments that cases own (see ``waystation.cases.signals``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext

from waystation.accounts.models import Actor
from waystation.cases.models import Case
from waystation.cases.selectors.alerts import WaitingDecision
from waystation.cases.signals import checking_overdue, collecting_approvals, erasing_case_indexes
from waystation.relocation.models import TravelDocument
from waystation.relocation.selectors import money as money_selectors
from waystation.relocation.services import documents, travel


@receiver(erasing_case_indexes, sender=Case, dispatch_uid="relocation.erase_indexes")
def erase_document_indexes(sender: Any, case: Case, **kwargs: Any) -> None:
    TravelDocument.objects.filter(case=case).update(number_index=None)


@receiver(checking_overdue, sender=Case, dispatch_uid="relocation.deadlines")
def raise_deadline_alerts(sender: Any, now: datetime, **kwargs: Any) -> int:
    return travel.raise_leg_alerts(now=now) + documents.raise_expiry_alerts(now=now)


@receiver(collecting_approvals, sender=Case, dispatch_uid="relocation.waiting_payments")
def waiting_payments(sender: Any, user: Actor, **kwargs: Any) -> list[WaitingDecision]:
    """Payments waiting for a second person, as the approvals list has them: only for
    those who may approve payments, on cases they may see."""
    return [
        WaitingDecision(
            case_id=row.case_id,
            what=gettext("Payment of %(amount)s %(currency)s")
            % {"amount": row.amount, "currency": row.currency},
            url=f"{reverse('relocation:money_approvals')}#waiting-{row.id}",
            asked_by=row.created_by,
            asked_at=row.created_at,
            mine=row.mine,
        )
        for row in money_selectors.awaiting_approval(user=user)
    ]
