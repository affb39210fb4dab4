"""Reading cases. Every query takes the acting user and returns only what that user may
see; :func:`visible_cases` is the one place where that is decided (docs/design.md §2.5).

A case is visible to its assignees, to the supervisor of its team, and to people holding
an unexpired, unrevoked access grant. Nobody else, whatever their role: an administrator
or a programme manager sees a case only the same ways. A case the user may not see does
not exist for them (:class:`CaseNotFound`, a 404, the same answer as a wrong id).

The same rule turned around, *who may see this case*, is :func:`case_viewers`: every
question of who may approve something on a case or be alerted about it starts there, so
approvers and recipients cannot drift from the people who see the case.

Listing rows never decrypts. Opening a case's sealed data goes through
:func:`.case_file.open_case`, which writes a ``case.opened`` audit entry in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from waystation.accounts.models import Actor, StaffUser
from waystation.cases.models import (
    AccessGrant,
    Assignment,
    Case,
    Team,
)
from waystation.ids import RANDOM_ID_LENGTH


class CaseNotFound(Http404):
    """No such case, or not one this user may see: the two are deliberately the same."""


def visible_cases(user: Actor) -> QuerySet[Case]:
    """Every case this user may see, and no other. Used by every selector."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    now = timezone.now()
    # Uncorrelated IN-subqueries, not EXISTS: each is a small set computed once, and
    # both SQLite and PostgreSQL answer the OR from the primary key and team indexes
    # instead of probing every case row (the queue of 100k cases, see bench/cases.py).
    assigned = Assignment.objects.filter(user=user).values("case_id")
    granted = AccessGrant.objects.filter(user=user, until__gt=now, revoked_at__isnull=True).values(
        "case_id"
    )
    supervised = Team.objects.filter(supervisor=user).values("pk")
    return Case.objects.filter(Q(pk__in=assigned) | Q(team__in=supervised) | Q(pk__in=granted))


def visible_case(*, user: Actor, case_id: str, lock: bool = False, shredded: bool = False) -> Case:
    """One case's operational row (nothing decrypted), or :class:`CaseNotFound`.

    A shredded case is a tombstone whose key is gone: to every page, action and API
    endpoint that would open or change it, it does not exist. Only the pages that show
    the tombstone itself ask for it (``shredded=True``)."""
    if not isinstance(case_id, str) or len(case_id) > RANDOM_ID_LENGTH:
        raise CaseNotFound(gettext("No such case."))
    queryset = visible_cases(user)
    if lock:
        # select_for_update cannot lock the rows of an EXISTS; check, then lock the row.
        if not queryset.filter(pk=case_id).exists():
            raise CaseNotFound(gettext("No such case."))
        found = Case.objects.select_for_update().filter(pk=case_id).first()
    else:
        found = queryset.filter(pk=case_id).select_related("team").first()
    if found is None or (found.shredded_at is not None and not shredded):
        raise CaseNotFound(gettext("No such case."))
    return found


def may_see(user: Actor, case_id: str) -> bool:
    return visible_cases(user).filter(pk=case_id).exists()


def is_supervisor(user: Actor, case: Case) -> bool:
    return (
        case.team_id is not None and Team.objects.filter(pk=case.team_id, supervisor=user).exists()
    )


@dataclass(frozen=True)
class CaseViewers:
    """The people who may see one case, by the way they may: :func:`visible_cases`
    turned around. Ids only; :func:`visible_cases` also requires its user to be active,
    so whoever acts on these people checks that (:func:`approvers_of` does)."""

    assignees: frozenset[int]
    supervisor_id: int | None  # of the case's team
    grantees: frozenset[int]  # holders of an unexpired, unrevoked access grant

    @property
    def everyone(self) -> frozenset[int]:
        supervisor = {self.supervisor_id} if self.supervisor_id is not None else set()
        return self.assignees | self.grantees | supervisor


def viewers_of(case_ids: Collection[str]) -> dict[str, CaseViewers]:
    """:class:`CaseViewers` of many cases in three queries (alert runs go over many)."""
    ids = set(case_ids)
    now = timezone.now()
    assignees: dict[str, set[int]] = {}
    for case_id, user_id in Assignment.objects.filter(case_id__in=ids).values_list(
        "case_id", "user_id"
    ):
        assignees.setdefault(case_id, set()).add(user_id)
    grantees: dict[str, set[int]] = {}
    for case_id, user_id in AccessGrant.objects.filter(
        case_id__in=ids, until__gt=now, revoked_at__isnull=True
    ).values_list("case_id", "user_id"):
        grantees.setdefault(case_id, set()).add(user_id)
    supervisors = dict(
        Case.objects.filter(pk__in=ids, team__isnull=False).values_list("pk", "team__supervisor")
    )
    return {
        case_id: CaseViewers(
            assignees=frozenset(assignees.get(case_id, ())),
            supervisor_id=supervisors.get(case_id),
            grantees=frozenset(grantees.get(case_id, ())),
        )
        for case_id in ids
    }


def case_viewers(case: Case) -> CaseViewers:
    """Who may see this case: its assignees, its team's supervisor, its grantees."""
    return viewers_of([case.pk])[case.pk]


def approvers_of(case: Case, *, permission: str, exclude: int) -> list[int]:
    """The active people who may see the case and whose role holds ``permission``,
    except ``exclude`` (the person asking), in id order: who is asked to approve a move
    or a payment."""
    candidates = case_viewers(case).everyone - {exclude}
    return sorted(
        u.pk
        for u in StaffUser.objects.filter(pk__in=candidates, is_active=True)
        if u.has_perm(permission)
    )
