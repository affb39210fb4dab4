"""docs/design.md §2.1 for money: who was paid and what for never reach the disk in clear."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from tests.relocation.conftest import Staff, new_case
from tests.vault.plaintext import database_bytes, find_forms
from waystation.relocation.models import Payment
from waystation.relocation.services import money

ENGINES = [
    pytest.param(
        name,
        marks=pytest.mark.skipif(connection.vendor != name, reason=f"this check is for {name}"),
    )
    for name in ("sqlite", "postgresql")
]


@pytest.mark.parametrize("engine", ENGINES)
def test_database_dump_contains_no_payee_marker(engine, transactional_db, staff: Staff, team):
    token = secrets.token_hex(5)
    payee = f"Payeeson{token} Хостел{token}"
    purpose = f"Bribe-free ticket {token} for Argun{token}"
    reason = f"Refused{token} quote"
    case = new_case(team, [staff.logistics], full_name="Fictional Person")
    programme = money.create_programme(user=staff.manager, name="Dump check")
    recorded = money.record_payment(
        user=staff.logistics,
        case_id=case.id,
        programme_id=programme.id,
        category="housing",
        currency="RUB",
        amount_minor=9_000_000,
        paid_on=date(2024, 5, 6),
        payee=payee,
        purpose=purpose,
        rate=Decimal("0.0105"),
    )
    money.decide_payment(
        user=staff.manager, case_id=case.id, payment_id=recorded.id, approve=False, reason=reason
    )
    assert Payment.objects.get().payee == payee  # stored, and readable with the key

    haystack = database_bytes()

    assert find_forms(haystack, [recorded.id]), "the payment id (operational) must be in it"
    leaks = find_forms(haystack, [payee, f"Payeeson{token}", f"Хостел{token}", purpose, reason])
    assert leaks == [], f"payment details readable in the stored bytes: {leaks[:10]}"
