"""Who may see a case, asked the other way round: ``case_viewers`` is ``visible_cases``
turned around, and every approver and alert recipient comes from it. If either rule
changed alone, the walk below would find the person the two disagree about."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.cases.conftest import new_case
from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.cases.models import AccessGrant, Alert, AlertKind, Stage, Urgency
from waystation.cases.selectors import visibility
from waystation.cases.services import access, stages
from waystation.cases.services.common import APPROVE


def _world(staff, team, other_team):
    """Cases reached each way a case can be reached, and the ways it cannot."""
    in_team = new_case(team, [staff.caseworker])
    no_team = new_case(None, [staff.other_caseworker])
    elsewhere = new_case(other_team, [])
    granted = new_case(other_team, [staff.logistics])
    grant = access.grant_access(
        user=staff.other_manager,
        case_id=granted.id,
        grantee_id=staff.documentation.pk,
        reason="Corroborating an incident",
        until=timezone.now() + timedelta(days=2),
    )
    expired = access.grant_access(
        user=staff.other_manager,
        case_id=granted.id,
        grantee_id=staff.manager.pk,
        reason="Was needed last week",
        until=timezone.now() + timedelta(days=2),
    )
    AccessGrant.objects.filter(pk=expired.pk).update(until=timezone.now() - timedelta(seconds=1))
    revoked = access.grant_access(
        user=staff.manager,
        case_id=in_team.id,
        grantee_id=staff.screener.pk,
        reason="Asked, then not needed",
        until=timezone.now() + timedelta(days=2),
    )
    access.revoke_access(user=staff.manager, case_id=in_team.id, grant_id=revoked.pk)
    assert grant.user_id == staff.documentation.pk
    return [in_team, no_team, elsewhere, granted]


def test_the_viewers_of_a_case_are_exactly_those_it_is_visible_to(staff, team, other_team):
    cases = _world(staff, team, other_team)
    viewers = visibility.viewers_of([c.id for c in cases])
    for case in cases:
        assert viewers[case.id] == visibility.case_viewers(case)
        for name, user in staff.everyone().items():
            sees = visibility.visible_cases(user).filter(pk=case.pk).exists()
            assert (user.pk in viewers[case.id].everyone) == sees, (name, case.id)


def test_viewers_say_why_they_see_a_case(staff, team, other_team):
    in_team, no_team, _elsewhere, granted = _world(staff, team, other_team)
    assert visibility.case_viewers(in_team) == visibility.CaseViewers(
        assignees=frozenset({staff.caseworker.pk}),
        supervisor_id=staff.manager.pk,
        grantees=frozenset(),
    )
    assert visibility.case_viewers(no_team).supervisor_id is None
    assert visibility.case_viewers(granted).grantees == {staff.documentation.pk}


def test_approvers_are_the_active_viewers_holding_the_permission_but_the_asker(
    staff, team, other_team
):
    case = new_case(team, [staff.caseworker, staff.logistics])
    second_manager = make_staff(Role.PROGRAMME_MANAGER, "secondmanager")
    access.grant_access(
        user=staff.manager,
        case_id=case.id,
        grantee_id=second_manager.pk,
        reason="Covering a holiday",
        until=timezone.now() + timedelta(days=2),
    )
    for permission in (APPROVE, "relocation.approve_payment"):
        assert visibility.approvers_of(
            case, permission=permission, exclude=staff.caseworker.pk
        ) == (sorted([staff.manager.pk, second_manager.pk]))
        assert visibility.approvers_of(case, permission=permission, exclude=staff.manager.pk) == [
            second_manager.pk
        ]
    second_manager.is_active = False
    second_manager.save()
    assert visibility.approvers_of(case, permission=APPROVE, exclude=staff.caseworker.pk) == [
        staff.manager.pk
    ]
    # A programme manager of another team sees nothing here, so approves nothing here.
    assert staff.other_manager.pk not in visibility.approvers_of(
        case, permission=APPROVE, exclude=staff.caseworker.pk
    )


def test_a_move_waiting_for_approval_alerts_exactly_the_approvers(staff, team):
    urgent = new_case(team, [staff.caseworker], urgency=Urgency.NOW)
    result = stages.change_stage(
        user=staff.caseworker, case_id=urgent.id, to_stage=Stage.DECLINED, reason="Not us"
    )
    alerted = set(
        Alert.objects.filter(
            kind=AlertKind.APPROVAL_REQUESTED, subject=result.approval.id
        ).values_list("recipient_id", flat=True)
    )
    assert alerted == set(
        visibility.approvers_of(urgent, permission=APPROVE, exclude=staff.caseworker.pk)
    )
    assert alerted == {staff.manager.pk}
