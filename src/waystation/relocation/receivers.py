"""How relocation joins moments that cases own (see ``waystation.cases.signals``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.dispatch import receiver

from waystation.cases.models import Case
from waystation.cases.signals import checking_overdue, erasing_case_indexes
from waystation.relocation.models import TravelDocument
from waystation.relocation.services import documents, travel


@receiver(erasing_case_indexes, sender=Case, dispatch_uid="relocation.erase_indexes")
def erase_document_indexes(sender: Any, case: Case, **kwargs: Any) -> None:
    TravelDocument.objects.filter(case=case).update(number_index=None)


@receiver(checking_overdue, sender=Case, dispatch_uid="relocation.deadlines")
def raise_deadline_alerts(sender: Any, now: datetime, **kwargs: Any) -> int:
    return travel.raise_leg_alerts(now=now) + documents.raise_expiry_alerts(now=now)
