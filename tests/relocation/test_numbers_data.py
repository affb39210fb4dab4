"""Hand-built rows for the numbers tests (helpers, no tests): fictional cases, stays and
payments with chosen dates, written with the ORM (the figures read only operational columns)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from tests.cases.conftest import new_case
from waystation.cases.models import Case, Channel, Outcome, Stage, StageChange, Team
from waystation.relocation.models import (
    Payment,
    PaymentStatus,
    Placement,
    PlacementStatus,
    Programme,
    SafeHouse,
)
from waystation.vault import datakeys

_phones = iter(range(10_000, 99_999))


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def make_case(
    team: Team | None,
    *,
    opened: dt.date,
    channel: str = Channel.PHONE,
    stage: str = Stage.SCREENING,
    closed: dt.date | None = None,
    outcome: str = "",
) -> Case:
    case = new_case(team, full_name="Fictional Person", phone=f"+7 900 000 {next(_phones)}")
    StageChange.objects.filter(case=case).delete()
    Case.objects.filter(pk=case.pk).update(
        opened_at=at(opened),
        channel=channel,
        stage=stage,
        closed_at=at(closed) if closed else None,
        outcome=outcome,
    )
    case.refresh_from_db()
    return case


def close(case: Case, day: dt.date, outcome: str = Outcome.RELOCATED) -> None:
    Case.objects.filter(pk=case.pk).update(stage=Stage.CLOSED, closed_at=at(day), outcome=outcome)


def move(case: Case, to_stage: str, when: dt.datetime) -> None:
    StageChange.objects.create(
        case=case, data_key_id=case.data_key_id, to_stage=to_stage, at=when, reason=""
    )


def programme(name: str = "Emergency", threshold: int = 50_000) -> Programme:
    return Programme.objects.create(name=name, approval_threshold_minor=threshold)


def pay(
    case: Case,
    prog: Programme,
    *,
    minor: int,
    on: dt.date,
    category: str = "housing",
    status: str = PaymentStatus.APPROVED,
    created_by_id: int = 1,
) -> Payment:
    return Payment.objects.create(
        case=case,
        data_key_id=case.data_key_id,
        programme=prog,
        category=category,
        currency="EUR",
        amount_minor=minor,
        rate=Decimal(1),
        reporting_minor=minor,
        paid_on=on,
        status=status,
        created_by_id=created_by_id,
        payee="Fictional Landlord",
        purpose="",
    )


def house(label: str, beds: int, *, active: bool = True) -> SafeHouse:
    return SafeHouse.objects.create(
        data_key=datakeys.create_data_key(), label=label, beds=beds, active=active, address=""
    )


def stay(
    case: Case,
    where: SafeHouse,
    arrives: dt.date,
    leaves: dt.date,
    *,
    beds: int = 1,
    status: str = PlacementStatus.STAYING,
) -> Placement:
    return Placement.objects.create(
        case=case,
        data_key_id=case.data_key_id,
        house=where,
        arrives_on=arrives,
        leaves_on=leaves,
        beds=beds,
        status=status,
        notes="",
    )
