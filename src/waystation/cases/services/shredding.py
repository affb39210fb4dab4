"""Shredding a case: its data key destroyed, its indexes and its web request erased."""

from __future__ import annotations

from django.db import transaction

from waystation.cases import signals
from waystation.cases.models import (
    Case,
    CaseDocument,
    CaseIdentifier,
    CaseNameToken,
    StoryBand,
)
from waystation.intake import screening
from waystation.vault import ledger
from waystation.vault import services as vault_services
from waystation.vault.fields import StoredFile, delete_sealed_file


def shred_case(*, actor_id: int | None, case: Case) -> None:
    """Destroy the case's data key: every sealed value and file of it becomes noise.

    Blind indexes go too: they are keyed digests, but anyone who can unseal could still
    test a known phone number or name against them, so a shredded person would stay
    findable. Only operational fields (stage, dates, coarse country) remain.

    The web request the case was opened from goes with it, in the same transaction: its
    payload, messages and files are sealed to the intake key, which every other request
    still needs, so its rows are deleted (``screening.erase_request``) and its files
    removed once that commits. Its own data key is the case's (adopted on opening); a
    case opened before keys were adopted has the request's key shredded alongside."""
    stored = CaseDocument.objects.filter(case=case).values_list("file", flat=True)
    storage_names = [f.storage_name for f in stored if isinstance(f, StoredFile)]
    request_files: list[str] = []
    also_shred: list[str] = []

    def erase_indexes() -> None:
        if case.source_request_id:
            erased = screening.erase_request(request_id=case.source_request_id)
            request_files.extend(erased.storage_names)
            if erased.data_key_id and erased.data_key_id != case.data_key_id:
                also_shred.append(erased.data_key_id)
        signals.erasing_case_indexes.send(sender=Case, case=case)
        CaseNameToken.objects.filter(case=case).delete()
        CaseIdentifier.objects.filter(case=case).delete()
        StoryBand.objects.filter(case=case).delete()
        Case.objects.filter(pk=case.pk).update(
            phone_index=None,
            email_index=None,
            handle_index=None,
            birth_year_index=None,
            story_signature=None,
        )

    vault_services.shred_data_key(
        actor_id=actor_id,
        data_key_id=case.data_key_id,
        erase_indexes=erase_indexes,
        also_shred=also_shred,
    )
    ledger.record_shred("case", case.pk)  # after commit: a restore re-applies it
    # The request's files are sealed to the intake key, which lives on: they must go from
    # the disk, but only once the rows naming them are gone for good (a rollback would
    # otherwise leave rows naming missing files). At once when no transaction is open.
    transaction.on_commit(lambda: screening.remove_files(request_files))
    # The case's files are noise without the key already; removing them frees the space.
    for name in storage_names:
        delete_sealed_file(name)
