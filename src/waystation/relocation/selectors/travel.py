"""The case's relocation page: the plan, the legs, the documents and the other areas'
sections, opened for one reader with one ``case.opened`` audit entry (the casework
convention, ``cases.selectors.case_file.open_case``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from waystation.accounts.models import Actor
from waystation.audit import services as audit
from waystation.cases.models import Case
from waystation.cases.selectors import visibility as case_visibility
from waystation.relocation.models import Leg, LegStatus, RelocationPlan
from waystation.relocation.selectors import documents, houses, money
from waystation.relocation.selectors.documents import SharedNumber, ShownDocument


@dataclass(frozen=True)
class ShownPlan:
    pathway: str
    pathway_label: str
    destination_country: str
    destination: str
    notes: str
    updated_at: datetime

    def __repr__(self) -> str:
        return f"<ShownPlan {self.pathway}>"


@dataclass(frozen=True)
class ShownLeg:
    id: str
    position: int
    mode: str
    mode_label: str
    from_country: str
    to_country: str
    planned_departure: datetime
    planned_arrival: datetime
    actual_departure: datetime | None
    actual_arrival: datetime | None
    status: str
    status_label: str
    grace_hours: int
    origin: str
    destination: str
    escort: str
    notes: str

    @property
    def is_open(self) -> bool:
        return self.status in (LegStatus.PLANNED, LegStatus.UNDER_WAY)

    def __repr__(self) -> str:
        return f"<ShownLeg {self.id}>"


@dataclass
class RelocationFile:
    """A case's relocation, opened for one reader. Never cached or logged."""

    case: Case
    plan: ShownPlan | None
    legs: list[ShownLeg]
    documents: list[ShownDocument]
    shared_numbers: list[SharedNumber]
    houses: dict[str, Any] = field(default_factory=dict)
    money: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<RelocationFile {self.case.id}>"


def _plan(case: Case) -> ShownPlan | None:
    row = RelocationPlan.objects.filter(case=case).first()
    if row is None:
        return None
    return ShownPlan(
        pathway=row.pathway,
        pathway_label=row.get_pathway_display(),
        destination_country=row.destination_country,
        destination=row.destination or "",
        notes=row.notes or "",
        updated_at=row.updated_at,
    )


def _legs(case: Case) -> list[ShownLeg]:
    return [
        ShownLeg(
            id=row.id,
            position=row.position,
            mode=row.mode,
            mode_label=row.get_mode_display(),
            from_country=row.from_country,
            to_country=row.to_country,
            planned_departure=row.planned_departure,
            planned_arrival=row.planned_arrival,
            actual_departure=row.actual_departure,
            actual_arrival=row.actual_arrival,
            status=row.status,
            status_label=row.get_status_display(),
            grace_hours=row.grace_hours,
            origin=row.origin or "",
            destination=row.destination or "",
            escort=row.escort or "",
            notes=row.notes or "",
        )
        for row in Leg.objects.filter(case=case).order_by("position")
    ]


@transaction.atomic
def open_relocation(*, user: Actor, case_id: str) -> RelocationFile:
    """Decrypt a case's relocation for a reader who may see the case (else
    ``CaseNotFound``); the reading is on the audit record, once per call."""
    case = case_visibility.visible_case(user=user, case_id=case_id)
    audit.record(actor_id=user.pk, action="case.opened", object_type="case", object_id=case.id)
    return RelocationFile(
        case=case,
        plan=_plan(case),
        legs=_legs(case),
        documents=documents.case_documents(case=case),
        shared_numbers=documents.shared_numbers(user=user, case=case),
        houses=houses.case_section(user=user, case=case),
        money=money.case_section(user=user, case=case),
    )
