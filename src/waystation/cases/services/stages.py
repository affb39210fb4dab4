"""Moving a case along its journey (``cases.workflow``), with a second person's
approval where the move needs one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from waystation.accounts.models import Actor
from waystation.cases import workflow
from waystation.cases.models import (
    Alert,
    AlertKind,
    Case,
    CheckInSchedule,
    Outcome,
    PartnerReference,
    Stage,
    StageApproval,
    StageChange,
)
from waystation.cases.selectors import visibility
from waystation.cases.services import retention
from waystation.cases.services.alerts import alert_each
from waystation.cases.services.common import APPROVE, CaseError, _case_for, _record, _require, _text
from waystation.cases.workflow import Needs


def _check_requirements(case: Case, to_stage: Stage, reason: str, outcome: str) -> None:
    for need in sorted(workflow.requirements(case.stage, to_stage)):
        if need == Needs.REASON and not reason:
            raise CaseError(
                gettext("Moving to %(stage)s needs a reason.") % {"stage": to_stage.label}
            )
        if need == Needs.OUTCOME and outcome not in Outcome.values:
            raise CaseError(gettext("Closing a case needs an outcome."))
        if need == Needs.CHECKLIST and not case.checklist_complete:
            raise CaseError(gettext("Verification needs every item of the checklist ticked first."))
        if (
            need == Needs.REFERENCE
            and not PartnerReference.objects.filter(case=case, supports=True).exists()
        ):
            raise CaseError(gettext("Verification needs a supporting reference from a partner."))
        if (
            need == Needs.CHECK_IN_SCHEDULE
            and not CheckInSchedule.objects.filter(case=case, active=True).exists()
        ):
            raise CaseError(gettext("Set a check-in schedule before the journey starts."))


def _move(
    case: Case,
    to_stage: Stage,
    *,
    actor_id: int | None,
    reason: str,
    outcome: str,
    approval: StageApproval | None,
    now: datetime,
) -> StageChange:
    change = StageChange(
        case=case,
        data_key_id=case.data_key_id,
        from_stage=case.stage,
        to_stage=to_stage,
        at=now,
        actor_id=actor_id,
        approval=approval,
    )
    change.reason = reason
    change.save(force_insert=True)
    case.stage = to_stage
    case.stage_changed_at = now
    fields = ["stage", "stage_changed_at"]
    if to_stage in workflow.TERMINAL:
        case.closed_at = now
        case.outcome = outcome or workflow.IMPLIED_OUTCOME.get(to_stage, Outcome.OTHER)
        retention.start_clock(case)
        fields += ["closed_at", "outcome", "retain_until"]
    if to_stage in workflow.TERMINAL or to_stage == Stage.ARRIVED:
        CheckInSchedule.objects.filter(case=case).update(active=False)
    case.save(update_fields=fields)
    return change


@dataclass(frozen=True)
class MoveResult:
    moved: bool  # False: waiting for a second person's approval
    change: StageChange | None = None
    approval: StageApproval | None = None


@transaction.atomic
def change_stage(
    *,
    user: Actor,
    case_id: str,
    to_stage: str,
    reason: str = "",
    outcome: str = "",
    now: datetime | None = None,
) -> MoveResult:
    """Move a case along its journey, or, where the move needs a second person, ask for
    it: the move then happens when someone else approves (:func:`decide_approval`)."""
    case = _case_for(user, case_id)
    now = now or timezone.now()
    if to_stage not in Stage.values or not workflow.allowed(case.stage, to_stage):
        raise CaseError(gettext("A case cannot move there from its current stage."))
    target = Stage(to_stage)
    reason = _text(reason, label=gettext("The reason"), required=False, limit=5_000)
    outcome = outcome if target == Stage.CLOSED else ""
    _check_requirements(case, target, reason, outcome)
    if StageApproval.objects.filter(case=case, status=StageApproval.Status.PENDING).exists():
        raise CaseError(gettext("A move of this case is waiting for approval; decide that first."))
    if not workflow.needs_approval(case, target):
        change = _move(
            case, target, actor_id=user.pk, reason=reason, outcome=outcome, approval=None, now=now
        )
        _record(user, "case.stage_changed", case)
        return MoveResult(moved=True, change=change)
    approval = StageApproval(
        case=case,
        data_key_id=case.data_key_id,
        from_stage=case.stage,
        to_stage=target,
        outcome=outcome,
        requested_by_id=user.pk,
    )
    approval.reason = reason
    approval.save(force_insert=True)
    alert_each(
        visibility.approvers_of(case, permission=APPROVE, exclude=user.pk),
        kind=AlertKind.APPROVAL_REQUESTED,
        case=case,
        subject=approval.id,
        now=now,
        actor_id=user.pk,
    )
    _record(user, "case.approval_requested", case)
    return MoveResult(moved=False, approval=approval)


@transaction.atomic
def decide_approval(
    *, user: Actor, case_id: str, approval_id: str, approve: bool, now: datetime | None = None
) -> MoveResult:
    """A second person approves (and the move happens) or refuses. Never the person who
    asked, and only a role that approves."""
    case = _case_for(user, case_id)
    approval = StageApproval.objects.select_for_update().filter(pk=approval_id, case=case).first()
    if approval is None or approval.status != StageApproval.Status.PENDING:
        raise CaseError(gettext("This request for approval is no longer open."))
    if approval.requested_by_id == user.pk:
        raise CaseError(gettext("Someone else must approve what you asked for."))
    _require(user, APPROVE, gettext("Your role does not allow approving moves."))
    now = now or timezone.now()
    approval.decided_by_id = user.pk
    approval.decided_at = now
    Alert.objects.filter(
        case=case, kind=AlertKind.APPROVAL_REQUESTED, subject=approval.id, resolved_at__isnull=True
    ).update(resolved_at=now)
    if not approve:
        approval.status = StageApproval.Status.REFUSED
        approval.save(update_fields=["status", "decided_by_id", "decided_at"])
        _record(user, "case.approval_refused", case)
        return MoveResult(moved=False, approval=approval)
    if case.stage != approval.from_stage or not workflow.allowed(case.stage, approval.to_stage):
        raise CaseError(gettext("The case has moved since; this approval no longer applies."))
    target = Stage(approval.to_stage)
    reason = approval.reason or ""
    _check_requirements(case, target, reason, approval.outcome)
    approval.status = StageApproval.Status.APPROVED
    approval.save(update_fields=["status", "decided_by_id", "decided_at"])
    change = _move(
        case,
        target,
        actor_id=user.pk,
        reason=reason,
        outcome=approval.outcome,
        approval=approval,
        now=now,
    )
    _record(user, "case.approval_granted", case)
    _record(user, "case.stage_changed", case)
    return MoveResult(moved=True, change=change, approval=approval)


@transaction.atomic
def withdraw_approval(*, user: Actor, case_id: str, approval_id: str) -> None:
    case = _case_for(user, case_id)
    updated = StageApproval.objects.filter(
        pk=approval_id, case=case, status=StageApproval.Status.PENDING, requested_by_id=user.pk
    ).update(status=StageApproval.Status.WITHDRAWN, decided_at=timezone.now())
    if not updated:
        raise CaseError(gettext("Only the person who asked can withdraw an open request."))
    Alert.objects.filter(case=case, kind=AlertKind.APPROVAL_REQUESTED, subject=approval_id).update(
        resolved_at=timezone.now()
    )
    _record(user, "case.approval_withdrawn", case)
