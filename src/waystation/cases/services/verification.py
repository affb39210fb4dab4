"""Verification: the checklist and partners' references."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from waystation.accounts.models import Actor
from waystation.cases.models import (
    Case,
    PartnerReference,
    Stage,
)
from waystation.cases.services.common import CaseError, _case_for, _record, _text


@transaction.atomic
def update_checklist(
    *,
    user: Actor,
    case_id: str,
    identity_seen: bool,
    interview_held: bool,
    partner_reference: bool,
    narrative_consistent: bool,
) -> Case:
    case = _case_for(user, case_id)
    if case.stage not in (Stage.SCREENING, Stage.VERIFICATION):
        raise CaseError(gettext("The checklist is closed once verification is over."))
    if partner_reference and not PartnerReference.objects.filter(case=case, supports=True).exists():
        raise CaseError(gettext("Record the partner's reference before ticking it."))
    case.identity_seen = identity_seen
    case.interview_held = interview_held
    case.partner_reference = partner_reference
    case.narrative_consistent = narrative_consistent
    case.save(
        update_fields=[
            "identity_seen",
            "interview_held",
            "partner_reference",
            "narrative_consistent",
        ]
    )
    _record(user, "case.checklist_updated", case)
    return case


@transaction.atomic
def record_reference(
    *, user: Actor, case_id: str, organisation: str, text: str, supports: bool = True
) -> PartnerReference:
    case = _case_for(user, case_id)
    reference = PartnerReference(
        case=case, data_key_id=case.data_key_id, recorded_by_id=user.pk, supports=supports
    )
    reference.organisation = _text(organisation, label=gettext("The organisation"), limit=200)
    reference.text = _text(text, label=gettext("What the partner said"), limit=10_000)
    reference.save(force_insert=True)
    _record(user, "case.reference_recorded", case)
    return reference
