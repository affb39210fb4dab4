"""Check-ins: the schedule a case is on, and staff recording that they heard from the
person."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from waystation.accounts.models import Actor
from waystation.cases.models import (
    Alert,
    AlertKind,
    CaseCheckIn,
    CheckInSchedule,
)
from waystation.cases.services.common import CaseError, _case_for, _record


@transaction.atomic
def set_check_in_schedule(
    *,
    user: Actor,
    case_id: str,
    every_hours: int,
    grace_hours: int = 6,
    now: datetime | None = None,
) -> CheckInSchedule:
    case = _case_for(user, case_id)
    if not 1 <= every_hours <= 24 * 14:
        raise CaseError(gettext("Check-ins are due every 1 to 336 hours."))
    if not 0 <= grace_hours <= 72:
        raise CaseError(gettext("The grace period is 0 to 72 hours."))
    now = now or timezone.now()
    schedule, _ = CheckInSchedule.objects.update_or_create(
        case=case,
        defaults={
            "every_hours": every_hours,
            "grace_hours": grace_hours,
            "next_due_at": now + timedelta(hours=every_hours),
            "active": True,
        },
    )
    _record(user, "case.check_in_schedule_set", case)
    return schedule


def _satisfy(schedule: CheckInSchedule, at: datetime) -> None:
    schedule.last_check_in_at = at
    schedule.next_due_at = at + timedelta(hours=schedule.every_hours)
    schedule.save(update_fields=["last_check_in_at", "next_due_at"])
    Alert.objects.filter(
        case_id=schedule.case_id,
        kind__in=[AlertKind.CHECK_IN_MISSED, AlertKind.CHECK_IN_ESCALATED],
        resolved_at__isnull=True,
    ).update(resolved_at=at)


@transaction.atomic
def record_check_in(*, user: Actor, case_id: str, at: datetime | None = None) -> None:
    """Staff heard from the person (a call, a message): the schedule starts again."""
    case = _case_for(user, case_id)
    at = at or timezone.now()
    CaseCheckIn.objects.create(case=case, at=at, recorded_by_id=user.pk)
    schedule = CheckInSchedule.objects.select_for_update().filter(case=case, active=True).first()
    if schedule is not None:
        _satisfy(schedule, at)
    _record(user, "case.check_in_recorded", case)
