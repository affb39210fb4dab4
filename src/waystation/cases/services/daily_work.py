"""Daily work on a case: notes, messages, replies to the web mailbox, tasks, risk."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from waystation.accounts.models import Actor
from waystation.cases.models import (
    Assignment,
    CaseMessage,
    Channel,
    MessageDirection,
    Note,
    NoteKind,
    RiskAssessment,
    Task,
    Urgency,
)
from waystation.cases.services.common import CaseError, _case_for, _record, _text
from waystation.intake import screening


@transaction.atomic
def add_note(*, user: Actor, case_id: str, text: str, kind: str = NoteKind.NOTE) -> Note:
    case = _case_for(user, case_id)
    if kind not in NoteKind.values:
        raise CaseError(gettext("Unknown kind of note."))
    note = Note(case=case, data_key_id=case.data_key_id, kind=kind, author_id=user.pk)
    note.text = _text(text, label=gettext("The note"))
    note.save(force_insert=True)
    _record(user, "case.note_added", case)
    return note


@transaction.atomic
def record_message(
    *,
    user: Actor,
    case_id: str,
    direction: str,
    channel: str,
    text: str,
    at: datetime | None = None,
) -> CaseMessage:
    """A message exchanged outside Waystation (a call, Signal, e-mail), written down."""
    case = _case_for(user, case_id)
    if direction not in MessageDirection.values or channel not in Channel.values:
        raise CaseError(gettext("Say who wrote and through which channel."))
    message = CaseMessage(
        case=case,
        data_key_id=case.data_key_id,
        direction=direction,
        channel=channel,
        at=at or timezone.now(),
        author_id=user.pk,
    )
    message.text = _text(text, label=gettext("The message"))
    message.save(force_insert=True)
    _record(user, "case.message_recorded", case)
    return message


@transaction.atomic
def reply_to_applicant(*, user: Actor, case_id: str, text: str) -> None:
    """Write to the applicant's web mailbox from the case: the intake's own answering
    service seals it to their codename (only they can read it) and keeps a staff copy
    under the case's key. Shows in the timeline from the mailbox, so it is not copied."""
    case = _case_for(user, case_id)
    if not case.source_request_id:
        raise CaseError(gettext("This case did not come through the web: it has no mailbox."))
    try:
        screening.answer_from_case(actor_id=user.pk, case_id=case.id, text=text)
    except screening.ScreeningError as exc:
        raise CaseError(str(exc)) from exc
    _record(user, "case.web_reply_sent", case)


@transaction.atomic
def add_task(
    *,
    user: Actor,
    case_id: str,
    title: str,
    due_at: datetime | None = None,
    assignee_id: int | None = None,
) -> Task:
    case = _case_for(user, case_id)
    if (
        assignee_id is not None
        and not Assignment.objects.filter(case=case, user_id=assignee_id).exists()
    ):
        raise CaseError(gettext("Tasks go to people assigned to the case."))
    task = Task(
        case=case,
        data_key_id=case.data_key_id,
        created_by_id=user.pk,
        due_at=due_at,
        assignee_id=assignee_id if assignee_id is not None else user.pk,
    )
    task.title = _text(title, label=gettext("The task"), limit=500)
    task.save(force_insert=True)
    _record(user, "case.task_added", case)
    return task


@transaction.atomic
def complete_task(*, user: Actor, case_id: str, task_id: str) -> None:
    case = _case_for(user, case_id)
    updated = Task.objects.filter(pk=task_id, case=case, done_at__isnull=True).update(
        done_at=timezone.now()
    )
    if not updated:
        raise CaseError(gettext("No such open task."))
    _record(user, "case.task_done", case)


@transaction.atomic
def assess_risk(*, user: Actor, case_id: str, urgency: int, reasons: str) -> RiskAssessment:
    """Urgency with the reasons for it; the case takes the new urgency."""
    case = _case_for(user, case_id)
    if urgency not in Urgency.values:
        raise CaseError(gettext("Choose an urgency."))
    assessment = RiskAssessment(
        case=case, data_key_id=case.data_key_id, urgency=urgency, assessed_by_id=user.pk
    )
    assessment.reasons = _text(reasons, label=gettext("The reasons"), limit=10_000)
    assessment.save(force_insert=True)
    case.urgency = urgency
    case.save(update_fields=["urgency"])
    _record(user, "case.risk_assessed", case)
    return assessment
