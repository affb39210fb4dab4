"""Fixtures and helpers shared by the money tests (imported by each test_money_* module):
a programme with the default threshold and a way to pay quickly through the service."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tests.relocation.conftest import Staff
from waystation.cases.models import Case
from waystation.cases.services import access as case_access
from waystation.relocation.models import Payment, Programme
from waystation.relocation.services import money

DAY = date(2024, 5, 6)


@pytest.fixture
def programme(staff: Staff) -> Programme:
    """Threshold: the default, 500 EUR (50 000 cents)."""
    return money.create_programme(user=staff.manager, name="North Corridor")


def pay(
    user: Any,
    case: Case,
    programme: Programme,
    amount_minor: int,
    *,
    currency: str = "EUR",
    day: date = DAY,
    category: str = "housing",
    payee: str = "Hostel Fictional",
    purpose: str = "Two nights",
    rate: Decimal | None = None,
) -> Payment:
    return money.record_payment(
        user=user,
        case_id=case.id,
        programme_id=programme.id,
        category=category,
        currency=currency,
        amount_minor=amount_minor,
        paid_on=day,
        payee=payee,
        purpose=purpose,
        rate=rate,
    )


def grant(staff: Staff, case: Case, grantee: Any) -> None:
    """Let ``grantee`` see the case for a stated reason (given by its supervisor)."""
    case_access.grant_access(
        user=staff.manager,
        case_id=case.id,
        grantee_id=grantee.pk,
        reason="second approver",
        until=timezone.now() + timedelta(days=2),
    )
