"""What waits for one member of staff: alerts, approvals waiting for a second person,
overdue check-ins, open tasks (the alerts page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from waystation.accounts.models import Actor
from waystation.cases import signals
from waystation.cases.models import (
    Alert,
    AlertKind,
    Case,
    CheckInSchedule,
    Stage,
    StageApproval,
    Task,
)
from waystation.cases.selectors.staff import _usernames
from waystation.cases.selectors.visibility import visible_cases


@dataclass(frozen=True)
class ShownAlert:
    id: str
    kind: str
    kind_label: str
    case_id: str
    case_visible: bool
    created_at: datetime


# The questions the alerts page lists and the home page counts, asked of a set of cases
# (the caller's visible ones): one rule each, so a list and its count cannot drift.


def pending_moves(cases: QuerySet[Any]) -> QuerySet[StageApproval]:
    """Moves on these cases waiting for a second person."""
    return StageApproval.objects.filter(status=StageApproval.Status.PENDING, case__in=cases)


def overdue_schedules(cases: QuerySet[Any], *, now: datetime) -> QuerySet[CheckInSchedule]:
    """Active check-in schedules on these cases whose check-in is overdue at ``now``."""
    return CheckInSchedule.objects.filter(active=True, next_due_at__lt=now, case__in=cases)


def open_tasks_of(user: Actor, cases: QuerySet[Any]) -> QuerySet[Task]:
    """This user's tasks on these cases not yet done."""
    return Task.objects.filter(assignee=user, done_at__isnull=True, case__in=cases)


def my_alerts(*, user: Actor) -> list[ShownAlert]:
    labels = dict(AlertKind.choices)
    rows = list(
        Alert.objects.filter(recipient=user, resolved_at__isnull=True)
        .order_by("-created_at")
        .values_list("id", "kind", "case_id", "created_at")[:200]
    )
    seen = set(visible_cases(user).filter(pk__in={r[2] for r in rows}).values_list("pk", flat=True))
    return [
        ShownAlert(
            id=alert_id,
            kind=kind,
            kind_label=str(labels.get(kind, kind)),
            case_id=case_id,
            case_visible=case_id in seen,
            created_at=created_at,
        )
        for alert_id, kind, case_id, created_at in rows
    ]


@dataclass(frozen=True)
class PendingRow:
    id: str
    case_id: str
    to_label: str
    requested_by: str
    requested_at: datetime
    mine: bool


def pending_approvals(*, user: Actor) -> list[PendingRow]:
    """Moves waiting for a second person, on cases this user may see."""
    stages = dict(Stage.choices)
    rows = list(
        pending_moves(visible_cases(user).values("pk"))
        .order_by("requested_at")
        .values_list("id", "case_id", "to_stage", "requested_by_id", "requested_at")[:200]
    )
    names = _usernames(r[3] for r in rows)
    return [
        PendingRow(
            id=approval_id,
            case_id=case_id,
            to_label=str(stages.get(to_stage, to_stage)),
            requested_by=names.get(requested_by, ""),
            requested_at=requested_at,
            mine=requested_by == user.pk,
        )
        for approval_id, case_id, to_stage, requested_by, requested_at in rows
    ]


@dataclass(frozen=True)
class WaitingDecision:
    """Something of an app built on cases waiting for a second person (a payment), for
    the alerts page: what it is in words for the page (operational values only, never a
    payee), where it is decided, who asked and when."""

    case_id: str
    what: str
    url: str
    asked_by: str
    asked_at: datetime
    mine: bool


def waiting_decisions(*, user: Actor) -> list[WaitingDecision]:
    """What the apps built on cases hold waiting for a decision this user may take, on
    cases they may see (each receiver of ``signals.collecting_approvals`` scopes its
    own), oldest first."""
    found: list[WaitingDecision] = []
    for _receiver, rows in signals.collecting_approvals.send(sender=Case, user=user):
        found.extend(row for row in rows or [] if isinstance(row, WaitingDecision))
    return sorted(found, key=lambda row: row.asked_at)


def overdue_check_ins(*, user: Actor) -> list[tuple[str, datetime]]:
    """Cases this user may see whose check-in is overdue now (for the dashboard)."""
    now = timezone.now()
    return list(
        overdue_schedules(visible_cases(user).values("pk"), now=now)
        .order_by("next_due_at")
        .values_list("case_id", "next_due_at")[:200]
    )


def my_open_tasks(*, user: Actor) -> list[tuple[str, str, datetime | None]]:
    """(task id, case id, due) of this user's open tasks on cases they may still see.
    Titles are sealed and are read on the case page, not in lists."""
    return list(
        open_tasks_of(user, visible_cases(user).values("pk"))
        .order_by("due_at", "created_at")
        .values_list("id", "case_id", "due_at")[:200]
    )
