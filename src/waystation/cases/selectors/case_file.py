"""One case, opened: its sealed data decrypted for one reader, under one audit entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from waystation.accounts.models import Actor
from waystation.audit import services as audit
from waystation.cases import workflow
from waystation.cases.models import (
    AccessGrant,
    Assignment,
    Case,
    CaseCheckIn,
    CaseMessage,
    Channel,
    CheckInSchedule,
    Note,
    PartnerReference,
    RiskAssessment,
    Stage,
    StageApproval,
    StageChange,
    Task,
)
from waystation.cases.selectors.matches import CaseMatch, case_matches
from waystation.cases.selectors.staff import _usernames
from waystation.cases.selectors.timeline import TimelineEntry, _web_mailbox
from waystation.cases.selectors.visibility import visible_case
from waystation.cases.signals import collecting_timeline

TIMELINE_LIMIT = 200


@dataclass(frozen=True)
class ShownGrant:
    id: str
    user_id: int
    username: str
    until: datetime
    break_glass: bool
    reason: str


@dataclass(frozen=True)
class ShownTask:
    id: str
    title: str
    due_at: datetime | None
    done_at: datetime | None
    assignee: str


@dataclass(frozen=True)
class ShownApproval:
    id: str
    from_stage: str
    to_stage: str
    to_label: str
    requested_by_id: int
    requested_by: str
    requested_at: datetime
    reason: str
    outcome: str


@dataclass(frozen=True)
class ShownReference:
    organisation: str
    text: str
    supports: bool
    recorded_at: datetime


@dataclass
class CaseFile:
    """A case with its sealed data opened, for one reader. Never cached or logged."""

    case: Case
    full_name: str
    phone: str
    email: str
    handle: str
    birth_year: str
    city: str
    narrative: str
    contacts: list[dict[str, str]]
    assignees: list[tuple[int, str]]
    supervisor_id: int | None
    timeline: list[TimelineEntry]
    tasks: list[ShownTask]
    references: list[ShownReference]
    credibility: list[TimelineEntry]
    risk: list[TimelineEntry]
    grants: list[ShownGrant]
    pending: ShownApproval | None
    schedule: CheckInSchedule | None
    matches: list[CaseMatch] = field(default_factory=list)
    moves: list[workflow.Offered] = field(default_factory=list)
    supervisor: str = ""  # the username of the team's supervisor

    def __repr__(self) -> str:
        return f"<CaseFile {self.case.id}>"

    @property
    def next_deadline(self) -> Deadline | None:
        """The soonest of the next check-in due and the open tasks' due dates: the
        summary's "what is due next" (a retention end is shown on its own)."""
        due = [Deadline(t.due_at, t.title) for t in self.tasks if t.due_at and not t.done_at]
        if self.schedule is not None and self.schedule.active and self.schedule.next_due_at:
            due.append(Deadline(self.schedule.next_due_at, gettext("Check-in due")))
        return min(due, key=lambda d: d.at) if due else None


@dataclass(frozen=True)
class Deadline:
    at: datetime
    what: str  # a task's title (sealed text, opened) or "Check-in due"


def _contacts(value: Any) -> list[dict[str, str]]:
    if isinstance(value, list):
        return [
            {str(k): str(v) for k, v in item.items()} for item in value if isinstance(item, dict)
        ]
    if isinstance(value, dict) and value:  # older cases kept a flat mapping
        return [{str(k): str(v) for k, v in value.items()}]
    return []


@transaction.atomic
def open_case(*, user: Actor, case_id: str) -> CaseFile:
    """Decrypt one case for a reader who may see it; the reading is on the audit record."""
    case = visible_case(user=user, case_id=case_id)
    audit.record(actor_id=user.pk, action="case.opened", object_type="case", object_id=case.id)
    timeline: list[TimelineEntry] = []
    for message in CaseMessage.objects.filter(case=case).order_by("-at")[:TIMELINE_LIMIT]:
        timeline.append(
            TimelineEntry(
                at=message.at,
                kind=f"message_{message.direction}",
                text=message.text or "",
                actor_id=message.author_id,
                via_web=message.channel == Channel.WEB,
            )
        )
    if case.source_request_id:
        timeline.extend(_web_mailbox(user, case))
    credibility: list[TimelineEntry] = []
    for note in Note.objects.filter(case=case).order_by("-at")[:TIMELINE_LIMIT]:
        entry = TimelineEntry(
            at=note.at, kind=note.kind, text=note.text or "", actor_id=note.author_id
        )
        timeline.append(entry)
        if note.kind == "credibility":
            credibility.append(entry)
    stages = dict(Stage.choices)
    for change in StageChange.objects.filter(case=case).order_by("-at")[:TIMELINE_LIMIT]:
        label = f"{stages.get(change.from_stage, '—')} → {stages.get(change.to_stage)}"
        reason = change.reason or ""
        timeline.append(
            TimelineEntry(
                at=change.at,
                kind="stage",
                text=f"{label}: {reason}" if reason else label,
                actor_id=change.actor_id,
            )
        )
    names = _usernames(
        list(Assignment.objects.filter(case=case).values_list("user_id", flat=True))
        + list(Task.objects.filter(case=case).values_list("assignee_id", flat=True))
    )
    tasks = []
    for task in Task.objects.filter(case=case).order_by("done_at", "due_at", "created_at"):
        title = task.title or ""
        tasks.append(
            ShownTask(
                id=task.id,
                title=title,
                due_at=task.due_at,
                done_at=task.done_at,
                assignee=names.get(task.assignee_id or 0, ""),
            )
        )
        timeline.append(TimelineEntry(at=task.created_at, kind="task", text=title))
        if task.done_at:
            timeline.append(TimelineEntry(at=task.done_at, kind="task_done", text=title))
    references = [
        ShownReference(
            organisation=ref.organisation or "",
            text=ref.text or "",
            supports=ref.supports,
            recorded_at=ref.recorded_at,
        )
        for ref in PartnerReference.objects.filter(case=case).order_by("-recorded_at")
    ]
    urgencies = dict(RiskAssessment._meta.get_field("urgency").choices or [])
    risk = [
        TimelineEntry(
            at=r.at,
            kind=str(urgencies.get(r.urgency, r.urgency)),
            text=r.reasons or "",
            actor_id=r.assessed_by_id,
        )
        for r in RiskAssessment.objects.filter(case=case).order_by("-at")[:20]
    ]
    for entry in risk:
        timeline.append(TimelineEntry(at=entry.at, kind="risk", text=f"{entry.kind}: {entry.text}"))
    for at in (
        CaseCheckIn.objects.filter(case=case).order_by("-at").values_list("at", flat=True)[:50]
    ):
        timeline.append(TimelineEntry(at=at, kind="check_in", text=gettext("Checked in")))
    for _receiver, entries in collecting_timeline.send(sender=Case, case=case, user=user):
        timeline.extend(e for e in entries or () if isinstance(e, TimelineEntry))
    timeline.sort(key=lambda e: e.at, reverse=True)
    now = timezone.now()
    grants_qs = AccessGrant.objects.filter(case=case, until__gt=now, revoked_at__isnull=True)
    grant_names = _usernames(grants_qs.values_list("user_id", flat=True))
    grants = [
        ShownGrant(
            id=g.id,
            user_id=g.user_id,
            username=grant_names.get(g.user_id, ""),
            until=g.until,
            break_glass=g.break_glass,
            reason=g.reason or "",
        )
        for g in grants_qs.order_by("until")
    ]
    pending_row = StageApproval.objects.filter(
        case=case, status=StageApproval.Status.PENDING
    ).first()
    pending = None
    if pending_row is not None:
        requester = _usernames([pending_row.requested_by_id])
        pending = ShownApproval(
            id=pending_row.id,
            from_stage=pending_row.from_stage,
            to_stage=pending_row.to_stage,
            to_label=str(stages.get(pending_row.to_stage, pending_row.to_stage)),
            requested_by_id=pending_row.requested_by_id,
            requested_by=requester.get(pending_row.requested_by_id, ""),
            requested_at=pending_row.requested_at,
            reason=pending_row.reason or "",
            outcome=pending_row.outcome,
        )
    assignee_ids = list(
        Assignment.objects.filter(case=case)
        .order_by("assigned_at")
        .values_list("user_id", flat=True)
    )
    return CaseFile(
        case=case,
        full_name=case.full_name or "",
        phone=case.phone or "",
        email=case.email or "",
        handle=case.handle or "",
        birth_year=case.birth_year or "",
        city=case.city or "",
        narrative=case.narrative or "",
        contacts=_contacts(case.contacts),
        assignees=[(i, names.get(i, "")) for i in assignee_ids],
        supervisor_id=case.team.supervisor_id if case.team else None,
        supervisor=_usernames([case.team.supervisor_id]).get(case.team.supervisor_id, "")
        if case.team
        else "",
        timeline=timeline[:TIMELINE_LIMIT],
        tasks=tasks,
        references=references,
        credibility=credibility,
        risk=risk,
        grants=grants,
        pending=pending,
        schedule=CheckInSchedule.objects.filter(case=case).first(),
        matches=case_matches(user=user, case=case),
        moves=workflow.moves_from(case),
    )
