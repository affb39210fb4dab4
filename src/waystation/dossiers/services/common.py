"""What every dossier action shares: permissions, the error people read, clean text,
the audit entry."""

from __future__ import annotations

import unicodedata

from django.http import Http404
from django.utils.translation import gettext as _

from waystation.accounts.models import Actor
from waystation.accounts.templatetags.staff_format import local_number
from waystation.audit import services as audit
from waystation.cases.models import Case
from waystation.cases.selectors import visibility as case_visibility

BUILD_DOSSIER = "dossiers.build_dossier"
APPROVE_DOSSIER = "dossiers.approve_dossier"


class DossierError(Exception):
    """A dossier action was refused; the message is for the person who tried."""


class DossierNotFound(Http404):
    """No such dossier (or exhibit) on this case: the answer for a case one may not see."""


def require(user: Actor, permission: str, message: str | None = None) -> None:
    if not user.is_active or not user.has_perm(permission):
        raise DossierError(message or _("Your role does not allow this."))


def case_for(user: Actor, case_id: str, *, lock: bool = True) -> Case:
    """The case if the user may see it (else the 404 of ``CaseNotFound``, before any
    question of role, so outsiders learn nothing)."""
    return case_visibility.visible_case(user=user, case_id=case_id, lock=lock)


def clean_text(value: str | None, *, label: str, required: bool = False, limit: int = 5_000) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise DossierError(_("%(label)s is required.") % {"label": label})
    if len(value) > limit:
        raise DossierError(
            _("%(label)s is limited to %(limit)s characters.")
            % {"label": label, "limit": local_number(limit)}
        )
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in value):
        raise DossierError(
            _("%(label)s holds control characters; please type it again.") % {"label": label}
        )
    return value


def record(actor: Actor | int | None, action: str, object_type: str, object_id: str) -> None:
    actor_id = actor if actor is None or isinstance(actor, int) else actor.pk
    audit.record(actor_id=actor_id, action=action, object_type=object_type, object_id=object_id)
