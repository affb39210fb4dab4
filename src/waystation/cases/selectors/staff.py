"""Teams and the staff who work cases: operational names only, for lists and choices."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q

from waystation.accounts.models import Actor, StaffUser
from waystation.cases.models import (
    Assignment,
    Case,
    Stage,
    Team,
)
from waystation.cases.selectors.visibility import case_viewers


def _usernames(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    return dict(StaffUser.objects.filter(pk__in=wanted).values_list("pk", "username"))


@dataclass(frozen=True)
class TeamLine:
    id: str
    name: str
    supervisor: str
    open_cases: int


def teams_overview(*, user: Actor) -> list[TeamLine]:
    """Every team with its supervisor and how many open cases it holds: operational
    figures only, for those who set teams up."""
    if not user.has_perm("cases.manage_teams"):
        return []
    open_cases = Count("cases", filter=~Q(cases__stage__in=[Stage.CLOSED, Stage.DECLINED]))
    rows = (
        Team.objects.annotate(open_cases=open_cases)
        .order_by("name")
        .values_list("id", "name", "supervisor__username", "open_cases")
    )
    return [TeamLine(*row) for row in rows]


def assignable_staff(*, user: Actor) -> list[tuple[int, str]]:
    """People a case may be assigned to: active staff who work cases."""
    perm = Q(
        groups__permissions__codename="work_case",
        groups__permissions__content_type__app_label="cases",
    )
    return list(
        StaffUser.objects.filter(perm, is_active=True)
        .distinct()
        .order_by("username")
        .values_list("pk", "username")
    )


def teams() -> list[tuple[str, str]]:
    """Team names are operational (no personal data); every member of staff may list them."""
    return list(Team.objects.order_by("name").values_list("id", "name"))


@dataclass(frozen=True)
class WhoSees:
    """Who may see a case, by name: what the person who just opened it is told, so that
    "handed over" says to whom. Operational names only."""

    team: str | None
    supervisor: str | None
    assignees: list[str]


def who_sees(case: Case) -> WhoSees:
    """For a case its caller holds already (the one a service just opened): its team, the
    team's supervisor and its assignees, as usernames."""
    viewers = case_viewers(case)
    names = _usernames([*viewers.assignees, viewers.supervisor_id])
    team = Team.objects.filter(pk=case.team_id).values_list("name", flat=True).first()
    assigned = Assignment.objects.filter(case=case).values_list("user_id", flat=True)
    return WhoSees(
        team=team,
        supervisor=names.get(viewers.supervisor_id) if viewers.supervisor_id else None,
        assignees=sorted(names[i] for i in assigned if i in names),
    )
