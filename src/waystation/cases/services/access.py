"""Who works on a case and who may see it: assignment, teams, access grants and
emergency access (break glass)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from waystation.accounts.models import Actor, StaffUser
from waystation.accounts.roles import Role
from waystation.audit import services as audit
from waystation.cases.models import (
    AccessGrant,
    AlertKind,
    Assignment,
    Case,
    Team,
)
from waystation.cases.selectors import visibility
from waystation.cases.selectors.visibility import CaseNotFound
from waystation.cases.services.alerts import alert_each
from waystation.cases.services.common import (
    APPROVE,
    BREAK_GLASS,
    GRANT_ACCESS,
    WORK_CASE,
    CaseError,
    _case_for,
    _record,
    _require,
    _text,
)

BREAK_GLASS_HOURS = 24
MAX_GRANT_DAYS = 90


def _assign_all(case: Case, user_ids: Iterable[int], actor_id: int | None) -> None:
    ids = sorted(set(user_ids))
    if not ids:
        return
    found = set(StaffUser.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    if found != set(ids):
        raise CaseError(gettext("No such member of staff."))
    for user_id in ids:
        Assignment.objects.get_or_create(
            case=case, user_id=user_id, defaults={"assigned_by_id": actor_id}
        )
        audit.record(
            actor_id=actor_id, action="case.assigned", object_type="case", object_id=case.id
        )


def may_manage(user: Actor, case: Case) -> bool:
    return visibility.is_supervisor(user, case) or bool(user.has_perm(APPROVE))


def may_grant(user: Actor, case: Case) -> bool:
    """Grants and revocations: the team's supervisor, whatever their role, or a holder of
    ``cases.grant_access`` (programme managers); either must see the case already."""
    return bool(user.is_active) and (
        visibility.is_supervisor(user, case) or bool(user.has_perm(GRANT_ACCESS))
    )


@transaction.atomic
def assign(*, user: Actor, case_id: str, assignee_id: int) -> None:
    """Assign someone to a case: its team's supervisor or a programme manager who sees it."""
    case = _case_for(user, case_id)
    if not may_manage(user, case):
        raise CaseError(gettext("Only the team's supervisor or a programme manager assigns cases."))
    assignee = StaffUser.objects.filter(pk=assignee_id, is_active=True).first()
    if assignee is None or not assignee.has_perm(WORK_CASE):
        raise CaseError(gettext("That person does not work on cases."))
    _assign_all(case, [assignee_id], user.pk)


@transaction.atomic
def unassign(*, user: Actor, case_id: str, assignee_id: int) -> None:
    case = _case_for(user, case_id)
    if not may_manage(user, case):
        raise CaseError(gettext("Only the team's supervisor or a programme manager assigns cases."))
    deleted, _ = Assignment.objects.filter(case=case, user_id=assignee_id).delete()
    if not deleted:
        raise CaseError(gettext("That person is not assigned to this case."))
    _record(user, "case.unassigned", case)


@transaction.atomic
def set_team(*, user: Actor, case_id: str, team_id: str) -> None:
    case = _case_for(user, case_id)
    if not may_manage(user, case):
        raise CaseError(gettext("Only the team's supervisor or a programme manager moves cases."))
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise CaseError(gettext("No such team."))
    case.team = team
    case.save(update_fields=["team"])
    _record(user, "case.team_changed", case)


@transaction.atomic
def create_team(*, actor_id: int | None, name: str, supervisor_id: int) -> Team:
    name = _text(name, label=gettext("The team's name"), limit=100)
    supervisor = StaffUser.objects.filter(pk=supervisor_id, is_active=True).first()
    if supervisor is None:
        raise CaseError(gettext("No such member of staff."))
    if Team.objects.filter(name=name).exists():
        raise CaseError(gettext("A team with that name exists."))
    team = Team.objects.create(name=name, supervisor=supervisor)
    audit.record(
        actor_id=actor_id, action="case.team_created", object_type="team", object_id=team.id
    )
    return team


@transaction.atomic
def add_team(*, user: Actor, name: str, supervisor_id: int) -> Team:
    """A programme manager sets up a team. Its supervisor sees every case of the team, so
    it must be someone who works on cases (never an administrator by role alone)."""
    if not user.has_perm("cases.manage_teams"):
        raise CaseError(gettext("Only a programme manager sets up teams."))
    supervisor = StaffUser.objects.filter(pk=supervisor_id, is_active=True).first()
    if supervisor is None or not supervisor.has_perm(WORK_CASE):
        raise CaseError(gettext("A team's supervisor must be someone who works on cases."))
    return create_team(actor_id=user.pk, name=name, supervisor_id=supervisor_id)


@transaction.atomic
def grant_access(
    *, user: Actor, case_id: str, grantee_id: int, reason: str, until: datetime
) -> AccessGrant:
    """Access for a stated reason until a date, given by the team's supervisor or a
    programme manager (``cases.grant_access``) who sees the case."""
    case = visibility.visible_case(user=user, case_id=case_id, lock=True)
    if not may_grant(user, case):
        raise CaseError(gettext("Only the team's supervisor or a programme manager grants access."))
    reason = _text(reason, label=gettext("A reason"), limit=2_000)
    now = timezone.now()
    if until <= now:
        raise CaseError(gettext("Access must end in the future."))
    if until > now + timedelta(days=MAX_GRANT_DAYS):
        raise CaseError(
            ngettext(
                "Access is granted for at most %(days)s day at a time.",
                "Access is granted for at most %(days)s days at a time.",
                MAX_GRANT_DAYS,
            )
            % {"days": MAX_GRANT_DAYS}
        )
    grantee = StaffUser.objects.filter(pk=grantee_id, is_active=True).first()
    if grantee is None:
        raise CaseError(gettext("No such member of staff."))
    grant = AccessGrant(
        case=case, data_key_id=case.data_key_id, user=grantee, granted_by_id=user.pk, until=until
    )
    grant.reason = reason
    grant.save(force_insert=True)
    _record(user, "case.access_granted", case)
    return grant


@transaction.atomic
def revoke_access(*, user: Actor, case_id: str, grant_id: str) -> None:
    case = visibility.visible_case(user=user, case_id=case_id, lock=True)
    if not may_grant(user, case):
        raise CaseError(
            gettext("Only the team's supervisor or a programme manager revokes access.")
        )
    updated = AccessGrant.objects.filter(pk=grant_id, case=case, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise CaseError(gettext("No such grant."))
    _record(user, "case.access_revoked", case)


def _programme_managers() -> list[int]:
    return list(
        StaffUser.objects.filter(groups__name=Role.PROGRAMME_MANAGER.value, is_active=True)
        .values_list("pk", flat=True)
        .distinct()
    )


def break_glass(
    *, user: Actor, case_id: str, reason: str, now: datetime | None = None
) -> AccessGrant:
    """Emergency access to a case one may not see: granted at once, for a short time,
    with a reason, and every programme manager is told. An unknown id is refused the
    same way as any missing case, and still audited, so probing for ids leaves a trace."""
    _require(user, BREAK_GLASS, gettext("Your role does not allow emergency access."))
    reason = _text(reason, label=gettext("A reason"), limit=2_000)
    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=str(case_id)[:16].lower()).first()
        if case is None:
            audit.record(actor_id=user.pk, action="case.break_glass_refused")
        else:
            grant = _take_emergency_access(user, case, reason, now)
    if case is None:
        raise CaseNotFound(gettext("No such case."))
    return grant


def _take_emergency_access(user: Actor, case: Case, reason: str, now: datetime) -> AccessGrant:
    grant = AccessGrant(
        case=case,
        data_key_id=case.data_key_id,
        user=user,
        granted_by_id=user.pk,
        until=now + timedelta(hours=BREAK_GLASS_HOURS),
        break_glass=True,
    )
    grant.reason = reason
    grant.save(force_insert=True)
    alert_each(
        _programme_managers(),
        kind=AlertKind.BREAK_GLASS,
        case=case,
        subject=grant.id,
        now=now,
        actor_id=user.pk,
    )
    _record(user, "case.break_glass", case)
    return grant
