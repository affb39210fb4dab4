"""Property: whatever sequence of service calls anyone makes, a case never reaches a
state the machine forbids and never skips a second person's approval."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.cases.conftest import new_case
from waystation.cases import workflow
from waystation.cases.models import (
    Case,
    Outcome,
    Stage,
    StageApproval,
    StageChange,
    Urgency,
)
from waystation.cases.selectors.visibility import CaseNotFound, may_see
from waystation.cases.services import check_ins, daily_work, stages, verification
from waystation.cases.services.common import APPROVE, CaseError

ACTORS = ["caseworker", "logistics", "manager", "other_manager", "other_caseworker", "screener"]

step = st.one_of(
    st.tuples(
        st.just("move"),
        st.sampled_from(ACTORS),
        st.sampled_from([*Stage.values, "bogus"]),
        st.booleans(),  # give a reason
        st.sampled_from(["", *Outcome.values, "bogus"]),
    ),
    st.tuples(st.just("decide"), st.sampled_from(ACTORS), st.booleans()),
    st.tuples(st.just("withdraw"), st.sampled_from(ACTORS)),
    st.tuples(
        st.just("checklist"),
        st.sampled_from(ACTORS),
        st.booleans(),
        st.booleans(),
        st.booleans(),
        st.booleans(),
    ),
    st.tuples(st.just("reference"), st.sampled_from(ACTORS), st.booleans()),
    st.tuples(st.just("risk"), st.sampled_from(ACTORS), st.sampled_from(Urgency.values)),
    st.tuples(st.just("schedule"), st.sampled_from(ACTORS)),
)


def run(call, case: Case, actor, *rest):
    kind = call
    if kind == "move":
        to_stage, give_reason, outcome = rest
        return stages.change_stage(
            user=actor,
            case_id=case.id,
            to_stage=to_stage,
            reason="because" if give_reason else "",
            outcome=outcome,
        )
    if kind in ("decide", "withdraw"):
        pending = StageApproval.objects.filter(case=case, status="pending").first()
        approval_id = pending.id if pending else "nonexistent00000"
        if kind == "withdraw":
            return stages.withdraw_approval(user=actor, case_id=case.id, approval_id=approval_id)
        return stages.decide_approval(
            user=actor, case_id=case.id, approval_id=approval_id, approve=rest[0]
        )
    if kind == "checklist":
        a, b, c, d = rest
        return verification.update_checklist(
            user=actor,
            case_id=case.id,
            identity_seen=a,
            interview_held=b,
            partner_reference=c,
            narrative_consistent=d,
        )
    if kind == "reference":
        return verification.record_reference(
            user=actor, case_id=case.id, organisation="P", text="t", supports=rest[0]
        )
    if kind == "risk":
        return daily_work.assess_risk(user=actor, case_id=case.id, urgency=rest[0], reasons="r")
    if kind == "schedule":
        return check_ins.set_check_in_schedule(user=actor, case_id=case.id, every_hours=12)
    raise AssertionError(kind)


# The whole journey, so that every example run walks at least one path to the end and
# through every approval (random sequences reach the later stages less often).
HAPPY_PATH = [
    ("move", "caseworker", Stage.VERIFICATION, False, ""),
    ("reference", "caseworker", True),
    ("checklist", "caseworker", True, True, True, True),
    ("move", "caseworker", Stage.PLANNING, False, ""),
    ("decide", "caseworker", True),  # refused: one's own request
    ("decide", "logistics", True),  # refused: not a role that approves
    ("decide", "other_manager", True),  # refused: cannot see the case
    ("decide", "manager", True),
    ("schedule", "logistics"),
    ("move", "logistics", Stage.IN_TRANSIT, False, ""),
    ("move", "caseworker", Stage.LOST_CONTACT, False, ""),
    ("move", "caseworker", Stage.IN_TRANSIT, False, ""),
    ("move", "caseworker", Stage.ARRIVED, False, ""),
    ("move", "caseworker", Stage.CLOSED, False, Outcome.RELOCATED),
    ("decide", "manager", True),
]
URGENT_DECLINE = [
    ("move", "caseworker", Stage.DECLINED, True, ""),
    ("decide", "caseworker", True),
    ("decide", "manager", False),
    ("move", "caseworker", Stage.DECLINED, True, ""),
    ("withdraw", "manager"),
    ("decide", "manager", True),
]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(steps=HAPPY_PATH, urgent=False)
@example(steps=URGENT_DECLINE, urgent=True)
@given(steps=st.lists(step, max_size=30), urgent=st.booleans())
def _any_sequence_of_calls(staff, team, steps, urgent):
    case = new_case(
        team,
        [staff.caseworker, staff.logistics],
        urgency=Urgency.NOW if urgent else Urgency.DAYS,
    )
    people = staff.everyone()
    seen_changes = set(StageChange.objects.filter(case=case).values_list("pk", flat=True))
    stage = Stage.SCREENING
    urgency = case.urgency
    for call, actor_name, *rest in steps:
        before_checklist = Case.objects.get(pk=case.pk).checklist_complete
        with contextlib.suppress(CaseError, CaseNotFound):
            run(call, case, people[actor_name], *rest)
        now_case = Case.objects.get(pk=case.pk)
        new = list(StageChange.objects.filter(case=case).exclude(pk__in=seen_changes))
        assert len(new) <= 1, "one call moved a case more than once"
        if not new:
            assert now_case.stage == stage, "the stage changed without a recorded move"
        else:
            change = new[0]
            seen_changes.add(change.pk)
            assert change.from_stage == stage
            assert workflow.allowed(change.from_stage, change.to_stage), (
                f"forbidden move {change.from_stage} -> {change.to_stage}"
            )
            assert now_case.stage == change.to_stage
            must_approve = (
                (change.from_stage, change.to_stage) == (Stage.VERIFICATION, Stage.PLANNING)
                or change.to_stage == Stage.CLOSED
                or (change.to_stage == Stage.DECLINED and urgency == Urgency.NOW)
            )
            if must_approve:
                approval = change.approval
                assert approval is not None, f"{change.to_stage} without approval"
                assert approval.status == StageApproval.Status.APPROVED
                assert approval.decided_by_id != approval.requested_by_id
                decider = type(staff.manager).objects.get(pk=approval.decided_by_id)
                assert decider.has_perm(APPROVE)
                assert may_see(decider, case.id)
                assert change.actor_id == approval.decided_by_id
            if change.to_stage == Stage.PLANNING:
                assert before_checklist
            if change.to_stage == Stage.CLOSED:
                assert now_case.outcome in Outcome.values
                assert now_case.closed_at is not None
            stage = Stage(change.to_stage)
        urgency = now_case.urgency
        assert (
            StageApproval.objects.filter(case=case, status=StageApproval.Status.PENDING).count()
            <= 1
        )
        if stage in workflow.TERMINAL:
            assert now_case.closed_at is not None
    assert now_case_or(case).stage == stage

    reached.add(stage)


def now_case_or(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


reached: set[str] = set()


def test_no_sequence_of_calls_breaks_the_machine(staff, team):
    reached.clear()
    _any_sequence_of_calls(staff, team)
    # The explicit examples must have reached closure and an urgent decline, or the
    # property tested too little. Checked in the same test, so it holds however the
    # suite is split between workers.
    assert {Stage.CLOSED, Stage.DECLINED} <= reached
