"""What every action on a case shares: the permissions, who may act on which case,
clean text, the audit entry. The underscored helpers are for this package's modules only."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext

from waystation.accounts.models import Actor
from waystation.accounts.templatetags.staff_format import local_number
from waystation.audit import services as audit
from waystation.cases.models import (
    Case,
)
from waystation.cases.selectors import visibility

OPEN_CASE = "cases.open_case"
WORK_CASE = "cases.work_case"
APPROVE = "cases.approve_stage"
GRANT_ACCESS = "cases.grant_access"
BREAK_GLASS = "cases.break_glass"


MAX_TEXT = 20_000


class CaseError(Exception):
    """An action on a case was refused; the message is for the person who tried."""


class CaseNotPermitted(CaseError):
    """Refused because of who is asking (their role, or an inactive account), not because
    of what they asked: the API answers it with a 403 where other refusals are a 400.
    Pages treat it as any :class:`CaseError`."""


def _require(user: Actor, permission: str, message: str) -> None:
    if not user.is_active or not user.has_perm(permission):
        raise CaseNotPermitted(message)


def _case_for(user: Actor, case_id: str, permission: str = WORK_CASE) -> Case:
    """The case, locked for this transaction, if the user may see it and act on it."""
    case = visibility.visible_case(user=user, case_id=case_id, lock=True)
    _require(user, permission, gettext("Your role does not allow this on a case."))
    return case


def _text(value: str, *, label: str | Promise, required: bool = True, limit: int = MAX_TEXT) -> str:
    """``value`` stripped, or a :class:`CaseError` naming the field (``label``, marked
    with ``gettext_lazy`` by the caller: "The reason")."""
    value = (value or "").strip()
    if required and not value:
        raise CaseError(gettext("%(field)s is required.") % {"field": label})
    if len(value) > limit:
        raise CaseError(
            ngettext(
                "%(field)s is limited to %(limit)s character.",
                "%(field)s is limited to %(limit)s characters.",
                limit,
            )
            % {"field": label, "limit": local_number(limit)}
        )
    return value


def _record(user_or_id: Actor | int | None, action: str, case: Case) -> None:
    actor_id = user_or_id if user_or_id is None or isinstance(user_or_id, int) else user_or_id.pk
    audit.record(actor_id=actor_id, action=action, object_type="case", object_id=case.id)
