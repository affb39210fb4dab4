"""The journey of a case: allowed moves, what each needs, and the second person."""

from __future__ import annotations

import pytest

from tests.cases.conftest import new_case
from waystation.audit.models import AuditEntry
from waystation.cases import workflow
from waystation.cases.models import (
    Alert,
    AlertKind,
    Outcome,
    Stage,
    StageApproval,
    StageChange,
    Urgency,
)
from waystation.cases.selectors.visibility import CaseNotFound
from waystation.cases.services import access, check_ins, stages, verification
from waystation.cases.services.common import CaseError


def to_verification(case, user) -> None:
    stages.change_stage(user=user, case_id=case.id, to_stage=Stage.VERIFICATION)


def verify(case, user) -> None:
    verification.record_reference(
        user=user, case_id=case.id, organisation="Partner", text="We know him since 2019."
    )
    verification.update_checklist(
        user=user,
        case_id=case.id,
        identity_seen=True,
        interview_held=True,
        partner_reference=True,
        narrative_consistent=True,
    )


def stage_of(case) -> str:
    case.refresh_from_db(fields=["stage"])
    return case.stage


def test_every_stage_has_a_row_in_the_transition_table():
    assert set(workflow.TRANSITIONS) == set(Stage)
    for targets in workflow.TRANSITIONS.values():
        assert targets <= set(Stage)
    for terminal in workflow.TERMINAL:
        assert workflow.TRANSITIONS[terminal] == frozenset()


def test_lost_contact_is_reached_from_transit_and_leads_back_or_to_closure():
    assert Stage.LOST_CONTACT in workflow.TRANSITIONS[Stage.IN_TRANSIT]
    assert workflow.TRANSITIONS[Stage.LOST_CONTACT] == {Stage.IN_TRANSIT, Stage.CLOSED}


def test_a_new_case_starts_at_screening_with_its_first_stage_change(case):
    assert case.stage == Stage.SCREENING
    assert list(StageChange.objects.filter(case=case).values_list("from_stage", "to_stage")) == [
        ("", Stage.SCREENING)
    ]


def test_a_move_the_machine_forbids_is_refused(case, staff):
    with pytest.raises(CaseError, match="cannot move there"):
        stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.PLANNING)
    with pytest.raises(CaseError, match="cannot move there"):
        stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage="nowhere")
    assert stage_of(case) == Stage.SCREENING


def test_declining_needs_a_reason(case, staff):
    with pytest.raises(CaseError, match="needs a reason"):
        stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.DECLINED)
    result = stages.change_stage(
        user=staff.caseworker, case_id=case.id, to_stage=Stage.DECLINED, reason="Out of scope"
    )
    assert result.moved
    case.refresh_from_db()
    assert case.stage == Stage.DECLINED
    assert case.outcome == Outcome.DECLINED
    assert case.closed_at is not None


def test_declining_an_urgent_case_needs_a_second_person(staff, team):
    urgent = new_case(team, [staff.caseworker], urgency=Urgency.NOW)
    result = stages.change_stage(
        user=staff.caseworker, case_id=urgent.id, to_stage=Stage.DECLINED, reason="Not us"
    )
    assert not result.moved
    assert stage_of(urgent) == Stage.SCREENING
    stages.decide_approval(
        user=staff.manager, case_id=urgent.id, approval_id=result.approval.id, approve=True
    )
    assert stage_of(urgent) == Stage.DECLINED


def test_verification_complete_needs_the_checklist_and_a_reference(case, staff):
    to_verification(case, staff.caseworker)
    with pytest.raises(CaseError, match="checklist"):
        stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.PLANNING)
    with pytest.raises(CaseError, match="reference"):
        verification.update_checklist(
            user=staff.caseworker,
            case_id=case.id,
            identity_seen=True,
            interview_held=True,
            partner_reference=True,
            narrative_consistent=True,
        )
    verify(case, staff.caseworker)
    result = stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.PLANNING)
    assert not result.moved
    assert stage_of(case) == Stage.VERIFICATION


def test_a_caseworker_cannot_approve_their_own_verification(case, staff):
    to_verification(case, staff.caseworker)
    verify(case, staff.caseworker)
    asked = stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.PLANNING)
    with pytest.raises(CaseError, match="Someone else"):
        stages.decide_approval(
            user=staff.caseworker, case_id=case.id, approval_id=asked.approval.id, approve=True
        )
    assert stage_of(case) == Stage.VERIFICATION


def test_a_programme_manager_cannot_approve_their_own_request(case, staff):
    access.assign(user=staff.manager, case_id=case.id, assignee_id=staff.manager.pk)
    to_verification(case, staff.manager)
    verify(case, staff.manager)
    asked = stages.change_stage(user=staff.manager, case_id=case.id, to_stage=Stage.PLANNING)
    with pytest.raises(CaseError, match="Someone else"):
        stages.decide_approval(
            user=staff.manager, case_id=case.id, approval_id=asked.approval.id, approve=True
        )


def test_a_second_caseworker_cannot_approve_either(case, staff):
    access.assign(user=staff.manager, case_id=case.id, assignee_id=staff.other_caseworker.pk)
    to_verification(case, staff.caseworker)
    verify(case, staff.caseworker)
    asked = stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.PLANNING)
    with pytest.raises(CaseError, match="role"):
        stages.decide_approval(
            user=staff.other_caseworker,
            case_id=case.id,
            approval_id=asked.approval.id,
            approve=True,
        )
    assert stage_of(case) == Stage.VERIFICATION


def test_a_manager_who_cannot_see_the_case_cannot_approve(case, staff):
    to_verification(case, staff.caseworker)
    verify(case, staff.caseworker)
    asked = stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.PLANNING)
    with pytest.raises(CaseNotFound):
        stages.decide_approval(
            user=staff.other_manager, case_id=case.id, approval_id=asked.approval.id, approve=True
        )


def test_approval_moves_the_case_and_records_both_people(case, staff):
    to_verification(case, staff.caseworker)
    verify(case, staff.caseworker)
    asked = stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.PLANNING)
    assert Alert.objects.filter(
        recipient=staff.manager, kind=AlertKind.APPROVAL_REQUESTED, resolved_at__isnull=True
    ).exists()
    stages.decide_approval(
        user=staff.manager, case_id=case.id, approval_id=asked.approval.id, approve=True
    )
    assert stage_of(case) == Stage.PLANNING
    change = StageChange.objects.get(case=case, to_stage=Stage.PLANNING)
    assert change.approval.requested_by_id == staff.caseworker.pk
    assert change.approval.decided_by_id == staff.manager.pk
    assert not Alert.objects.filter(kind=AlertKind.APPROVAL_REQUESTED, resolved_at__isnull=True)
    actions = list(AuditEntry.objects.filter(object_id=case.id).values_list("action", flat=True))
    assert "case.approval_requested" in actions
    assert "case.approval_granted" in actions


def test_a_refused_approval_leaves_the_case_where_it_was(case, staff):
    to_verification(case, staff.caseworker)
    verify(case, staff.caseworker)
    asked = stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.PLANNING)
    stages.decide_approval(
        user=staff.manager, case_id=case.id, approval_id=asked.approval.id, approve=False
    )
    assert stage_of(case) == Stage.VERIFICATION
    with pytest.raises(CaseError, match="no longer open"):
        stages.decide_approval(
            user=staff.manager, case_id=case.id, approval_id=asked.approval.id, approve=True
        )


def test_only_one_move_waits_for_approval_at_a_time(case, staff):
    to_verification(case, staff.caseworker)
    verify(case, staff.caseworker)
    stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.PLANNING)
    with pytest.raises(CaseError, match="waiting for approval"):
        stages.change_stage(
            user=staff.caseworker, case_id=case.id, to_stage=Stage.REFERRED, reason="Elsewhere"
        )


def _to_planning(case, staff) -> None:
    to_verification(case, staff.caseworker)
    verify(case, staff.caseworker)
    asked = stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.PLANNING)
    stages.decide_approval(
        user=staff.manager, case_id=case.id, approval_id=asked.approval.id, approve=True
    )


def test_travel_needs_a_check_in_schedule(case, staff):
    _to_planning(case, staff)
    with pytest.raises(CaseError, match="check-in schedule"):
        stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.IN_TRANSIT)
    check_ins.set_check_in_schedule(user=staff.caseworker, case_id=case.id, every_hours=12)
    assert stages.change_stage(
        user=staff.caseworker, case_id=case.id, to_stage=Stage.IN_TRANSIT
    ).moved


def test_lost_contact_and_back_and_closure_with_an_outcome(case, staff):
    _to_planning(case, staff)
    check_ins.set_check_in_schedule(user=staff.caseworker, case_id=case.id, every_hours=12)
    stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.IN_TRANSIT)
    stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.LOST_CONTACT)
    stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.IN_TRANSIT)
    stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.LOST_CONTACT)
    with pytest.raises(CaseError, match="outcome"):
        stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.CLOSED)
    asked = stages.change_stage(
        user=staff.caseworker, case_id=case.id, to_stage=Stage.CLOSED, outcome=Outcome.NO_CONTACT
    )
    assert not asked.moved
    stages.decide_approval(
        user=staff.manager, case_id=case.id, approval_id=asked.approval.id, approve=True
    )
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED
    assert case.outcome == Outcome.NO_CONTACT
    assert case.closed_at is not None


def test_an_approval_for_a_case_that_moved_since_does_not_apply(case, staff):
    to_verification(case, staff.caseworker)
    verify(case, staff.caseworker)
    asked = stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.PLANNING)
    # Forge the stale state a race would leave: the case moved on by other means.
    StageApproval.objects.filter(pk=asked.approval.pk).update(from_stage=Stage.SCREENING)
    with pytest.raises(CaseError, match="moved since"):
        stages.decide_approval(
            user=staff.manager, case_id=case.id, approval_id=asked.approval.id, approve=True
        )
    assert stage_of(case) == Stage.VERIFICATION


def test_a_role_without_casework_cannot_move_a_case_it_was_granted(case, staff):
    access.assign(user=staff.manager, case_id=case.id, assignee_id=staff.logistics.pk)
    from waystation.cases.models import Assignment

    Assignment.objects.create(case=case, user=staff.screener)
    with pytest.raises(CaseError, match="role"):
        stages.change_stage(user=staff.screener, case_id=case.id, to_stage=Stage.VERIFICATION)
