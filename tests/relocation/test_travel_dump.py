"""docs/design.md §2.1 for relocation: a leg's origin and escort and a passport number, stored
through the services, never appear in the database's bytes in any form."""

from __future__ import annotations

import secrets
import string
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import make_staff
from tests.vault.plaintext import database_bytes, find_forms
from waystation.accounts.roles import Role
from waystation.cases.models import Channel, Urgency
from waystation.cases.services import opening as case_opening
from waystation.relocation.models import DocumentKind, DocumentStatus
from waystation.relocation.services import documents, travel


def _token(n: int = 8) -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(n))


def _engine(name: str) -> object:
    return pytest.param(
        name,
        marks=pytest.mark.skipif(
            connection.vendor != name,
            reason=f"this check is for {name}; the suite runs on {connection.vendor}",
        ),
    )


def _seed() -> tuple[str, list[str]]:
    token = _token()
    digits = "".join(secrets.choice("0123456789") for _ in range(7))
    origin = f"Courtyard of Kadyrov{token} street 7"
    escort = f"Escort Ruslan{token} +79120{digits}"
    number = f"QZ {digits}{token[:2].upper()}"
    worker = make_staff(Role.LOGISTICS, f"logistics{token}")
    case = case_opening.open_case_manually(
        actor_id=None,
        intake=case_opening.ManualIntake(
            full_name="Fictional Person",
            phone="",
            narrative="",
            urgency=Urgency.DAYS,
            channel=Channel.PHONE,
        ),
        assignee_ids=[worker.pk],
    )
    travel.add_leg(
        user=worker,
        case_id=case.id,
        leg=travel.LegInput(
            mode="car",
            planned_departure=timezone.now() + timedelta(days=1),
            planned_arrival=timezone.now() + timedelta(days=1, hours=5),
            origin=origin,
            escort=escort,
        ),
    )
    documents.add_document(
        user=worker,
        case_id=case.id,
        document=documents.DocumentInput(
            kind=DocumentKind.PASSPORT,
            status=DocumentStatus.ISSUED,
            issued_on=date(2022, 1, 1),
            expires_on=date(2032, 1, 1),
            number=number,
        ),
    )
    normalised = number.replace(" ", "")
    return case.id, [origin, escort, number, normalised, f"Kadyrov{token}", f"Ruslan{token}"]


@pytest.mark.parametrize("engine", [_engine("sqlite"), _engine("postgresql")])
def test_database_dump_contains_no_leg_or_passport_marker(engine, transactional_db):
    case_id, markers = _seed()
    haystack = database_bytes()
    assert find_forms(haystack, [case_id]), "not vacuous: the case id is stored in clear"
    assert find_forms(haystack, ["relocation.leg_added"]), "and so is the audit action"
    leaks = find_forms(haystack, markers)
    assert leaks == [], f"personal data readable in the stored bytes: {leaks[:10]}"
