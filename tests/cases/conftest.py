"""Fixtures for casework: one member of staff per role, a team supervised by the
programme manager, and a case in that team assigned to the caseworker."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import make_staff
from waystation.accounts.models import StaffUser
from waystation.accounts.roles import Role
from waystation.cases.models import Case, Channel, Team, Urgency
from waystation.cases.services import access, opening


@dataclass
class Staff:
    screener: StaffUser
    caseworker: StaffUser
    other_caseworker: StaffUser  # works cases, but not this one
    logistics: StaffUser
    manager: StaffUser
    other_manager: StaffUser  # approves, but supervises another team
    documentation: StaffUser
    admin: StaffUser

    def everyone(self) -> dict[str, StaffUser]:
        return dict(vars(self))


@pytest.fixture
def staff(db) -> Staff:
    return Staff(
        screener=make_staff(Role.SCREENER, "screener"),
        caseworker=make_staff(Role.CASEWORKER, "caseworker"),
        other_caseworker=make_staff(Role.CASEWORKER, "othercaseworker"),
        logistics=make_staff(Role.LOGISTICS, "logistics"),
        manager=make_staff(Role.PROGRAMME_MANAGER, "manager"),
        other_manager=make_staff(Role.PROGRAMME_MANAGER, "othermanager"),
        documentation=make_staff(Role.DOCUMENTATION, "documentation"),
        admin=make_staff(Role.ADMINISTRATOR, "admin"),
    )


@pytest.fixture
def team(staff: Staff) -> Team:
    return access.create_team(actor_id=None, name="North", supervisor_id=staff.manager.pk)


@pytest.fixture
def other_team(staff: Staff) -> Team:
    return access.create_team(actor_id=None, name="South", supervisor_id=staff.other_manager.pk)


def new_case(
    team: Team | None,
    assignees: list[StaffUser] = (),  # type: ignore[assignment]
    *,
    full_name: str = "Test Person",
    phone: str = "+7 999 000 00 01",
    narrative: str = "A story told on the phone.",
    urgency: Urgency = Urgency.DAYS,
    **more: object,
) -> Case:
    return opening.open_case_manually(
        actor_id=None,
        intake=opening.ManualIntake(
            full_name=full_name,
            phone=phone,
            narrative=narrative,
            urgency=urgency,
            channel=Channel.PHONE,
            **more,  # type: ignore[arg-type]
        ),
        team_id=team.pk if team else None,
        assignee_ids=[u.pk for u in assignees],
    )


@pytest.fixture
def case(staff: Staff, team: Team) -> Case:
    return new_case(team, [staff.caseworker])
