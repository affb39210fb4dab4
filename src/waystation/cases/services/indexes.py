"""The keyed digests behind search and similarity matches: rewritten from the plaintext
whenever a case's details change, recomputed for every case when the way digests are
made changes."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from django.db import transaction

from waystation.cases.models import (
    Case,
    CaseIdentifier,
    CaseNameToken,
    IdentifierKind,
    StoryBand,
)
from waystation.cases.services.common import _record
from waystation.vault import blind, normalisers


def _name_year_digests(full_name: str, birth_year: str) -> set[str]:
    year = normalisers.birth_year(birth_year or "")
    if not year:
        return set()
    tokens = normalisers.name_tokens(full_name or "")
    return {
        blind.blind_digest("name_year", f"{a} {b}|{year}")
        for a, b in itertools.combinations(tokens, 2)
    }


def _index_story(case: Case) -> None:
    signature = blind.keyed_minhash(case.narrative or "")
    case.story_signature = blind.signature_bytes(signature) if signature else None


def _index_identifiers(case: Case) -> None:
    """Rewrite the case's keyed digests from the plaintext it holds now."""
    CaseIdentifier.objects.filter(case=case).delete()
    CaseNameToken.objects.filter(case=case).delete()
    StoryBand.objects.filter(case=case).delete()
    rows: set[tuple[str, str]] = set()
    # Contacts' numbers are read in the case's country too: people name their own.
    region = blind.phone_region(case.country)
    for kind, value in (("phone", case.phone), ("email", case.email), ("handle", case.handle)):
        digest = blind.blind_index(kind, value or "", region=region)
        if digest:
            rows.add((kind, digest))
    rows |= {
        (IdentifierKind.NAME_YEAR, d)
        for d in _name_year_digests(case.full_name or "", case.birth_year or "")
    }
    for contact in case.contacts or []:
        if not isinstance(contact, dict):
            continue
        for kind in ("phone", "email", "handle"):
            digest = blind.blind_index(kind, str(contact.get(kind, "")), region=region)
            if digest:
                rows.add((IdentifierKind.CONTACT, digest))
    CaseIdentifier.objects.bulk_create(
        CaseIdentifier(case=case, kind=kind, digest=digest) for kind, digest in sorted(rows)
    )
    CaseNameToken.objects.bulk_create(
        CaseNameToken(case=case, digest=d)
        for d in sorted(set(blind.blind_name_tokens(case.full_name or "")))
    )
    if case.story_signature:
        signature = blind.signature_from_bytes(bytes(case.story_signature))
        StoryBand.objects.bulk_create(
            StoryBand(case=case, band=n, digest=d)
            for n, d in enumerate(blind.minhash_bands(signature))
        )


@dataclass
class ReindexReport:
    cases: int = 0
    changed: int = 0  # cases whose digests came out different


_INDEX_FIELDS = ("phone_index", "email_index", "handle_index", "birth_year_index")


def reindex_cases(*, actor_id: int | None = None) -> ReindexReport:
    """Recompute every blind index of every case that can still be opened (shredded
    cases have none left), from the sealed values: needed when the way digests are made
    changes (phone numbers read in the case's country, a new default phone region). One
    transaction and one ``case.reindexed`` audit entry per case, since each is decrypted."""
    report = ReindexReport()
    ids = list(
        Case.objects.filter(data_key__wrapped__isnull=False)
        .order_by("opened_at", "id")
        .values_list("id", flat=True)
    )
    for case_id in ids:
        with transaction.atomic():
            case = Case.objects.select_for_update().filter(pk=case_id).first()
            if case is None:  # shredded or gone since the list was read
                continue
            before = _digests_of(case)
            for name in ("phone", "email", "handle", "birth_year"):
                getattr(case, name)  # opened, so that saving recomputes its index
            case.save(update_fields=list(_INDEX_FIELDS))
            _index_identifiers(case)
            report.cases += 1
            report.changed += int(_digests_of(case) != before)
            _record(actor_id, "case.reindexed", case)
    return report


def _digests_of(case: Case) -> tuple[tuple[str | None, ...], set[tuple[str, str]]]:
    own = tuple(Case.objects.filter(pk=case.pk).values_list(*_INDEX_FIELDS).get())
    return own, set(CaseIdentifier.objects.filter(case=case).values_list("kind", "digest"))
