"""How much casework waits for one member of staff, as counts: the home page's figures.

The same questions as the alerts page (:mod:`.alerts`), each answered with one
``COUNT`` over cases the user may see (:func:`visible_cases`), never by loading rows.
What waits *for them* leaves out what only someone else may do: a move they asked for
themselves is another person's to approve, and a shred they asked for another's to
confirm (the services refuse both).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from waystation.accounts.models import Actor
from waystation.cases.models import Alert, ShredRequest
from waystation.cases.selectors.alerts import open_tasks_of, overdue_schedules, pending_moves
from waystation.cases.selectors.visibility import visible_cases
from waystation.cases.services.common import APPROVE
from waystation.cases.services.retention import SHRED_CASE


@dataclass(frozen=True)
class CasesWaiting:
    alerts: int  # my open alerts, on cases I may see
    overdue_check_ins: int
    # None when the role has no say: moves waiting for a second person that I may
    # approve, and "shred now" requests I may confirm
    approvals: int | None
    shred_confirmations: int | None
    open_tasks: int  # assigned to me, not done
    tasks_due: int  # of those, due by ``due_by`` (or overdue)


def cases_waiting(*, user: Actor, due_by: datetime, now: datetime | None = None) -> CasesWaiting:
    """Counts for ``user``: six small queries, each scoped by :func:`visible_cases`."""
    now = now or timezone.now()
    visible = visible_cases(user).filter(shredded_at__isnull=True).values("pk")
    tasks = open_tasks_of(user, visible)
    approvals: int | None = None
    shreds: int | None = None
    if user.has_perm(APPROVE):
        approvals = pending_moves(visible).exclude(requested_by_id=user.pk).count()
    if user.has_perm(SHRED_CASE):
        shreds = (
            ShredRequest.objects.filter(
                status=ShredRequest.Status.PENDING, expires_at__gt=now, case__in=visible
            )
            .exclude(requested_by_id=user.pk)
            .count()
        )
    return CasesWaiting(
        alerts=Alert.objects.filter(
            recipient=user, resolved_at__isnull=True, case__in=visible
        ).count(),
        overdue_check_ins=overdue_schedules(visible, now=now).count(),
        approvals=approvals,
        shred_confirmations=shreds,
        open_tasks=tasks.count(),
        tasks_due=tasks.filter(Q(due_at__isnull=False) & Q(due_at__lte=due_by)).count(),
    )
