"""What every relocation action shares: who may act on which case, clean text, the
audit entry. Each action module (houses, travel, documents, money) builds on these."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext

from waystation.accounts.models import Actor
from waystation.accounts.templatetags.staff_format import local_number
from waystation.audit import services as audit
from waystation.cases.models import Case
from waystation.cases.selectors import visibility as case_visibility

PLAN = "cases.work_case"  # plans, legs, stays and documents are part of working a case
MANAGE_HOUSES = "relocation.manage_safe_houses"
RECORD_PAYMENT = "relocation.record_payment"
APPROVE_PAYMENT = "relocation.approve_payment"
MANAGE_BUDGETS = "relocation.manage_budgets"
VIEW_NUMBERS = "relocation.view_numbers"

MAX_TEXT = 5_000


class RelocationError(Exception):
    """A relocation action was refused; the message is for the person who tried."""


def require(user: Actor, permission: str, message: str | None = None) -> None:
    if not user.is_active or not user.has_perm(permission):
        raise RelocationError(message or gettext("Your role does not allow this."))


def case_for(user: Actor, case_id: str, permission: str = PLAN) -> Case:
    """The case, locked for this transaction, if the user may see it (else the 404 of
    ``CaseNotFound``) and their role allows ``permission`` (else a RelocationError)."""
    case = case_visibility.visible_case(user=user, case_id=case_id, lock=True)
    require(user, permission, gettext("Your role does not allow this on a case."))
    return case


def clean_text(
    value: str | None, *, label: str | Promise, required: bool = False, limit: int = MAX_TEXT
) -> str:
    value = (value or "").strip()
    if required and not value:
        raise RelocationError(gettext("%(label)s is required.") % {"label": label})
    if len(value) > limit:
        raise RelocationError(
            gettext("%(label)s is limited to %(limit)s characters.")
            % {"label": label, "limit": local_number(limit)}
        )
    return value


def record(actor: Actor | int | None, action: str, object_type: str, object_id: str) -> None:
    actor_id = actor if actor is None or isinstance(actor, int) else actor.pk
    audit.record(actor_id=actor_id, action=action, object_type=object_type, object_id=object_id)
