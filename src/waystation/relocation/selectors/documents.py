"""Reading a case's travel documents: opened for the relocation page (whose one audit
entry covers them) and the match of a document number shared with another case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from waystation.accounts.models import Actor
from waystation.cases.models import Case
from waystation.cases.selectors import visibility as case_visibility
from waystation.cases.selectors.matches import MATCHES_SHOWN_MAX
from waystation.relocation.models import TravelDocument

SHOWN_MAX = MATCHES_SHOWN_MAX


@dataclass(frozen=True)
class ShownDocument:
    id: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    country: str
    visa_type: str
    leg_id: str
    leg_position: int | None
    applied_on: date | None
    issued_on: date | None
    expires_on: date | None
    number: str
    notes: str

    def __repr__(self) -> str:
        return f"<ShownDocument {self.id}>"


@dataclass(frozen=True)
class SharedNumber:
    """The same document number is on other cases: those the viewer may see, by id,
    and how many others."""

    document_id: str
    visible_ids: list[str]
    others: int


def case_documents(*, case: Case) -> list[ShownDocument]:
    """The case's documents, opened. Only for a caller that has recorded the opening."""
    rows = (
        TravelDocument.objects.filter(case=case)
        .select_related("leg")
        .order_by("kind", "created_at", "id")
    )
    return [
        ShownDocument(
            id=row.id,
            kind=row.kind,
            kind_label=row.get_kind_display(),
            status=row.status,
            status_label=row.get_status_display(),
            country=row.country,
            visa_type=row.visa_type,
            leg_id=row.leg_id or "",
            leg_position=row.leg.position if row.leg else None,
            applied_on=row.applied_on,
            issued_on=row.issued_on,
            expires_on=row.expires_on,
            number=row.number or "",
            notes=row.notes or "",
        )
        for row in rows
    ]


def shared_numbers(*, user: Actor, case: Case) -> list[SharedNumber]:
    """Documents of this case whose number is on another case too. Digests only: no
    number is opened to find them."""
    mine = dict(
        TravelDocument.objects.filter(case=case, number_index__isnull=False).values_list(
            "number_index", "id"
        )
    )
    if not mine:
        return []
    matches: dict[str, set[str]] = {}
    for digest, other_case in (
        TravelDocument.objects.filter(number_index__in=list(mine))
        .exclude(case=case)
        .values_list("number_index", "case_id")
    ):
        matches.setdefault(digest, set()).add(other_case)
    if not matches:
        return []
    every = {i for ids in matches.values() for i in ids}
    seen = set(
        case_visibility.visible_cases(user).filter(pk__in=every).values_list("pk", flat=True)
    )
    shared = []
    for digest, ids in sorted(matches.items(), key=lambda item: mine[item[0]]):
        shown = sorted(ids & seen)[:SHOWN_MAX]
        shared.append(
            SharedNumber(document_id=mine[digest], visible_ids=shown, others=len(ids) - len(shown))
        )
    return shared
