"""Totals and budgets: aggregated in SQL, exact, and reconciling in every direction."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.relocation.conftest import Staff, new_case
from tests.relocation.test_money_fixtures import pay, programme
from waystation.cases.models import Case, Team
from waystation.relocation import currencies
from waystation.relocation.models import Payment, PaymentStatus, Programme
from waystation.relocation.selectors import money as selectors
from waystation.relocation.services import money

__all__ = ["programme"]

pytestmark = pytest.mark.django_db

DAYS = [date(2024, 1, 31), date(2024, 2, 1), date(2024, 2, 29), date(2024, 3, 15)]
RATES = {"JPY": Decimal("0.0061"), "KWD": Decimal("2.9512345678"), "RUB": Decimal("0.0105")}
CATEGORIES = ["housing", "food", "medical", "domestic_travel"]


def _expected_reporting(minor: int, currency: str) -> int:
    rate = Fraction(RATES.get(currency, Decimal(1)))
    exact = Fraction(minor) * rate * Fraction(10) ** (2 - currencies.decimals(currency))
    floor = exact.numerator // exact.denominator
    rest = exact - floor
    return floor + (1 if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2) else 0)


_payment = st.tuples(
    st.integers(min_value=0, max_value=2),  # case
    st.sampled_from(CATEGORIES),
    st.sampled_from(DAYS),
    st.sampled_from(["EUR", "JPY", "KWD", "RUB"]),
    st.integers(min_value=1, max_value=10**9),
    st.integers(min_value=0, max_value=1),  # programme
)


@pytest.fixture
def world(staff: Staff, team: Team) -> tuple[list[Case], list[Programme]]:
    cases = [new_case(team, [staff.logistics], full_name=f"Fictional {i}") for i in range(3)]
    programmes = [
        money.create_programme(user=staff.manager, name="Generous", threshold_minor=10**12),
        money.create_programme(user=staff.manager, name="Careful", threshold_minor=100_000),
    ]
    for currency, rate in RATES.items():
        for day in DAYS:
            money.record_rate(user=staff.logistics, currency=currency, day=day, rate=rate)
    return cases, programmes


def _key_of(dimension: str, case_id: str, category: str, day: date, programme_id: str) -> str:
    return {
        "case": case_id,
        "category": category,
        "month": f"{day:%Y-%m}",
        "programme": programme_id,
    }[dimension]


@settings(
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payments=st.lists(_payment, max_size=12))
def test_totals_reconcile_over_cases_categories_months_and_programmes(staff, world, payments):
    cases, programmes = world
    Payment.objects.all().delete()
    expected: dict[str, dict[str, tuple[dict[str, int], int]]] = {}
    grand_currency: dict[str, int] = defaultdict(int)
    grand_reporting = 0
    for case_index, category, day, currency, amount, programme_index in payments:
        case, chosen = cases[case_index], programmes[programme_index]
        recorded = pay(
            staff.logistics, case, chosen, amount, currency=currency, day=day, category=category
        )
        reporting = _expected_reporting(amount, currency)
        assert recorded.reporting_minor == reporting
        if reporting > chosen.approval_threshold_minor:
            assert recorded.status == PaymentStatus.AWAITING_APPROVAL
            continue  # only approved payments count
        grand_currency[currency] += amount
        grand_reporting += reporting
        for dimension in ("case", "category", "month", "programme"):
            key = _key_of(dimension, case.id, category, day, chosen.id)
            by_currency, rep = expected.setdefault(dimension, {}).get(key, ({}, 0))
            by_currency = {**by_currency, currency: by_currency.get(currency, 0) + amount}
            expected[dimension][key] = (by_currency, rep + reporting)

    for scope in (
        selectors.visible_payments(user=staff.logistics),
        selectors.all_payments(user=staff.manager),
    ):
        grand = selectors.grand_total(scope)
        assert grand.by_currency == dict(grand_currency)
        assert grand.reporting_minor == grand_reporting
        for dimension in ("case", "category", "month", "programme"):
            totals = selectors.totals_by(scope, dimension)  # type: ignore[arg-type]
            summed: dict[str, int] = defaultdict(int)
            for total in totals:
                for currency, amount in total.by_currency.items():
                    summed[currency] += amount
            assert dict(summed) == grand.by_currency, dimension
            assert sum(t.reporting_minor for t in totals) == grand.reporting_minor, dimension
            assert sum(t.payments for t in totals) == grand.payments
            assert {t.key: (t.by_currency, t.reporting_minor) for t in totals} == expected.get(
                dimension, {}
            )


def test_only_approved_payments_count(staff: Staff, case: Case, programme: Programme):
    pay(staff.logistics, case, programme, 10_000)
    waiting = pay(staff.logistics, case, programme, 90_000)
    refused = pay(staff.logistics, case, programme, 80_000)
    money.decide_payment(
        user=staff.manager, case_id=case.id, payment_id=refused.id, approve=False, reason="no"
    )
    cancelled = pay(staff.logistics, case, programme, 70_000)
    money.cancel_payment(user=staff.logistics, case_id=case.id, payment_id=cancelled.id)

    assert selectors.grand_total(Payment.objects.all()).reporting_minor == 10_000
    money.decide_payment(user=staff.manager, case_id=case.id, payment_id=waiting.id, approve=True)
    assert selectors.grand_total(Payment.objects.all()).reporting_minor == 100_000


def test_figures_are_for_those_allowed_and_visible_cases_only(
    staff: Staff, case: Case, programme: Programme, other_team: Team
):
    hidden = new_case(other_team, [staff.other_caseworker], full_name="Hidden Fictional")
    pay(staff.other_manager, hidden, programme, 3_000)
    pay(staff.logistics, case, programme, 1_000)

    assert selectors.grand_total(selectors.all_payments(user=staff.logistics)).payments == 0
    assert (
        selectors.grand_total(selectors.all_payments(user=staff.manager)).reporting_minor == 4_000
    )
    mine = selectors.visible_payments(user=staff.logistics)
    assert selectors.grand_total(mine).reporting_minor == 1_000
    narrowed = selectors.in_period(
        selectors.all_payments(user=staff.manager),
        start=date(2024, 5, 1),
        end=date(2024, 5, 31),
        programme_id=programme.id,
    )
    assert selectors.grand_total(narrowed).reporting_minor == 4_000


# --- budgets ---------------------------------------------------------------------------------


def test_budget_against_spent_remaining_and_over_budget(
    staff: Staff, case: Case, programme: Programme
):
    money.set_budget(
        user=staff.manager,
        programme_id=programme.id,
        category="housing",
        period_start=date(2024, 5, 1),
        period_end=date(2024, 5, 31),
        amount_minor=60_000,
    )
    money.set_budget(
        user=staff.manager,
        programme_id=programme.id,
        category="food",
        period_start=date(2024, 5, 1),
        period_end=date(2024, 5, 31),
        amount_minor=10_000,
    )
    pay(staff.logistics, case, programme, 40_000, day=date(2024, 5, 1))
    pay(staff.logistics, case, programme, 30_000, day=date(2024, 5, 31))
    pay(staff.logistics, case, programme, 20_000, day=date(2024, 6, 1))  # another period
    pay(staff.logistics, case, programme, 90_000, day=date(2024, 5, 2))  # awaiting: not spent
    pay(staff.logistics, case, programme, 5_000, day=date(2024, 5, 2), category="food")

    lines = {line.category: line for line in selectors.budget_lines(user=staff.manager)}

    assert (lines["housing"].spent_minor, lines["housing"].remaining_minor) == (70_000, -10_000)
    assert lines["housing"].over and lines["housing"].remaining == "-100.00"
    assert (lines["food"].spent_minor, lines["food"].over) == (5_000, False)
    assert selectors.budget_lines(user=staff.logistics) == []


def test_setting_a_budget_again_replaces_it_and_overlaps_are_refused(
    staff: Staff, programme: Programme
):
    def budget(start: date, end: date, amount: int = 100) -> None:
        money.set_budget(
            user=staff.manager,
            programme_id=programme.id,
            category="housing",
            period_start=start,
            period_end=end,
            amount_minor=amount,
        )

    budget(date(2024, 1, 1), date(2024, 3, 31))
    budget(date(2024, 1, 1), date(2024, 3, 31), 500)
    from waystation.relocation.models import Budget

    assert list(Budget.objects.values_list("amount_minor", flat=True)) == [500]
    with pytest.raises(money.RelocationError, match="overlaps"):
        budget(date(2024, 3, 1), date(2024, 4, 30))
    with pytest.raises(money.RelocationError, match="ends on or after"):
        budget(date(2024, 6, 1), date(2024, 5, 1))
    with pytest.raises(money.RelocationError, match="zero or more"):
        budget(date(2024, 6, 1), date(2024, 6, 30), -1)
    with pytest.raises(money.RelocationError, match="five years"):
        budget(date(2024, 6, 1), date(2034, 6, 30))
    with pytest.raises(money.RelocationError, match="role"):
        money.set_budget(
            user=staff.logistics,
            programme_id=programme.id,
            category="housing",
            period_start=date(2025, 1, 1),
            period_end=date(2025, 1, 2),
            amount_minor=1,
        )


# --- query plans -----------------------------------------------------------------------------


def _plan(queryset) -> str:
    """The plan, with the planner told to avoid full scans where it can: an empty test
    table makes any plan cheap, so what is checked is that an index *can* answer."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
        return str(queryset.explain())


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(
            lambda p, c: (
                Payment.objects.filter(case_id=c).values("currency").annotate(s=Sum("amount_minor"))
            ),
            id="per-case",
        ),
        pytest.param(
            lambda p, c: selectors.in_period(
                Payment.objects.filter(status=PaymentStatus.APPROVED),
                start=date(2024, 1, 1),
                end=date(2024, 3, 31),
            ).values("category", "currency"),
            id="per-period",
        ),
        pytest.param(
            lambda p, c: Payment.objects.filter(
                programme_id=p,
                status=PaymentStatus.APPROVED,
                paid_on__gte=date(2024, 1, 1),
                paid_on__lte=date(2024, 3, 31),
            ).values("reporting_minor"),
            id="budget-spent",
        ),
    ],
)
def test_totals_queries_use_the_payment_indexes(build, case: Case, programme: Programme):
    plan = _plan(build(programme.id, case.id))
    # Which of the indexes on Payment an empty table gets is the planner's coin toss
    # (PostgreSQL may take the foreign key's own); that one answers is what matters.
    if connection.vendor == "sqlite":
        assert "SEARCH relocation_payment USING" in plan, plan
    else:
        assert "Index" in plan and "Seq Scan" not in plan, plan
