"""Actions on cases. Each runs in one transaction with its audit entry inside."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from waystation.audit import services as audit
from waystation.cases.models import Case, CaseDocument, CaseNameToken, Channel, Urgency
from waystation.vault import blind, datakeys
from waystation.vault import services as vault_services
from waystation.vault.fields import SealedFileContent, StoredFile, delete_sealed_file


class CaseError(Exception):
    """An action on a case was refused; the message is for the person who tried."""


@dataclass(frozen=True)
class ManualIntake:
    full_name: str
    phone: str
    narrative: str
    urgency: Urgency
    channel: Channel
    country: str = ""


@transaction.atomic
def open_case_manually(*, actor_id: int | None, intake: ManualIntake) -> Case:
    """Staff type in a request that came by phone, Signal or e-mail."""
    if intake.channel == Channel.WEB:
        raise CaseError("web requests arrive through the request page, not by hand")
    case = Case(
        data_key=datakeys.create_data_key(),
        urgency=intake.urgency,
        channel=intake.channel,
        country=intake.country.upper()[:2],
    )
    case.full_name = intake.full_name
    case.phone = intake.phone
    case.narrative = intake.narrative
    case.contacts = {}
    case.save(force_insert=True)
    CaseNameToken.objects.bulk_create(
        CaseNameToken(case=case, digest=d) for d in blind.blind_name_tokens(intake.full_name)
    )
    audit.record(actor_id=actor_id, action="case.opened", object_type="case", object_id=case.id)
    return case


@transaction.atomic
def attach_document(
    *, actor_id: int | None, case: Case, name: str, content_type: str, data: bytes
) -> CaseDocument:
    document = CaseDocument(case=case, data_key_id=case.data_key_id)
    document.file = SealedFileContent(name=name, content_type=content_type, data=data)
    document.save(force_insert=True)
    audit.record(
        actor_id=actor_id, action="case.document_added", object_type="case", object_id=case.id
    )
    return document


def shred_case(*, actor_id: int | None, case: Case) -> None:
    """Destroy the case's data key: every sealed value and file of it becomes noise.

    Blind indexes go too: they are keyed digests, but anyone who can unseal could still
    test a known phone number or name against them, so a shredded person would stay
    findable. Only operational fields (stage, dates, coarse country) remain."""
    stored = CaseDocument.objects.filter(case=case).values_list("file", flat=True)
    storage_names = [f.storage_name for f in stored if isinstance(f, StoredFile)]

    def erase_indexes() -> None:
        CaseNameToken.objects.filter(case=case).delete()
        Case.objects.filter(pk=case.pk).update(phone_index=None)

    vault_services.shred_data_key(
        actor_id=actor_id, data_key_id=case.data_key_id, erase_indexes=erase_indexes
    )
    # The files are noise without the key already; removing them frees the space.
    for name in storage_names:
        delete_sealed_file(name)
