"""Payments through the services: the threshold, the second person, rates, audit."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.relocation.conftest import Staff
from tests.relocation.test_money_fixtures import DAY, grant, pay, programme
from waystation.audit.models import AuditEntry
from waystation.cases.models import Alert, AlertKind, Case, Note
from waystation.cases.selectors.visibility import CaseNotFound
from waystation.relocation.models import ExchangeRate, Payment, PaymentStatus, Programme
from waystation.relocation.services import money
from waystation.relocation.services.common import RelocationError

__all__ = ["programme"]

pytestmark = pytest.mark.django_db


def _actions(object_id: str) -> list[str]:
    return list(
        AuditEntry.objects.filter(
            object_id=object_id, action__regex=r"^(money|payment|programme|budget)\."
        )
        .order_by("seq")
        .values_list("action", flat=True)
    )


# --- the threshold -----------------------------------------------------------------------------


def test_payment_at_the_threshold_is_approved_at_once(
    staff: Staff, case: Case, programme: Programme
):
    payment = pay(staff.logistics, case, programme, 50_000)

    assert payment.status == PaymentStatus.APPROVED
    assert payment.reporting_minor == programme.approval_threshold_minor == 50_000
    assert not Alert.objects.filter(kind=AlertKind.PAYMENT_APPROVAL).exists()


def test_payment_above_the_threshold_waits_and_alerts_approvers_who_see_the_case(
    staff: Staff, case: Case, programme: Programme
):
    payment = pay(staff.logistics, case, programme, 50_001)

    assert payment.status == PaymentStatus.AWAITING_APPROVAL
    recipients = set(
        Alert.objects.filter(kind=AlertKind.PAYMENT_APPROVAL, subject=payment.id).values_list(
            "recipient_id", flat=True
        )
    )
    # The team's supervisor; not the other team's manager, not the logistics coordinator.
    assert recipients == {staff.manager.pk}
    assert _actions(payment.id) == ["payment.recorded", "payment.approval_requested"]


def test_threshold_is_compared_in_the_reporting_currency(
    staff: Staff, case: Case, programme: Programme
):
    money.record_rate(user=staff.logistics, currency="RUB", day=DAY, rate=Decimal("0.01"))

    at = pay(staff.logistics, case, programme, 5_000_000, currency="RUB")  # 50 000 RUB = 500 EUR
    above = pay(staff.logistics, case, programme, 5_000_001, currency="RUB")

    assert (at.reporting_minor, at.status) == (50_000, PaymentStatus.APPROVED)
    # 50 000.01 RUB is 500.0001 EUR: rounds to 50 000 cents, so not above the threshold.
    assert (above.reporting_minor, above.status) == (50_000, PaymentStatus.APPROVED)
    # 50 000.50 RUB is 50 000.5 cents: half to even keeps it at the threshold.
    half = pay(staff.logistics, case, programme, 5_000_050, currency="RUB")
    assert (half.reporting_minor, half.status) == (50_000, PaymentStatus.APPROVED)
    over = pay(staff.logistics, case, programme, 5_000_100, currency="RUB")
    assert (over.reporting_minor, over.status) == (50_001, PaymentStatus.AWAITING_APPROVAL)


def test_a_changed_threshold_applies_to_new_payments_and_is_audited(
    staff: Staff, case: Case, programme: Programme
):
    money.set_threshold(user=staff.manager, programme_id=programme.id, threshold_minor=0)

    assert pay(staff.logistics, case, programme, 1).status == PaymentStatus.AWAITING_APPROVAL
    assert "programme.threshold_changed" in _actions(programme.id)


def test_only_budget_managers_set_programmes_and_thresholds(staff: Staff, programme: Programme):
    with pytest.raises(RelocationError):
        money.create_programme(user=staff.logistics, name="Mine")
    with pytest.raises(RelocationError):
        money.set_threshold(user=staff.logistics, programme_id=programme.id, threshold_minor=1)
    with pytest.raises(RelocationError):
        money.set_threshold(user=staff.manager, programme_id=programme.id, threshold_minor=-1)
    with pytest.raises(RelocationError, match="exists already"):
        money.create_programme(user=staff.manager, name="north corridor")


# --- the second person -------------------------------------------------------------------------


def test_the_creator_cannot_approve_their_own_payment(
    staff: Staff, case: Case, programme: Programme
):
    payment = pay(staff.manager, case, programme, 90_000)

    with pytest.raises(RelocationError, match="someone else must decide"):
        money.decide_payment(
            user=staff.manager, case_id=case.id, payment_id=payment.id, approve=True
        )

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.AWAITING_APPROVAL
    assert payment.decided_by_id is None


def test_another_manager_who_may_see_the_case_approves(
    staff: Staff, case: Case, programme: Programme
):
    payment = pay(staff.manager, case, programme, 90_000)
    assert not Alert.objects.filter(subject=payment.id).exists()  # nobody else could see it
    grant(staff, case, staff.other_manager)

    decided = money.decide_payment(
        user=staff.other_manager, case_id=case.id, payment_id=payment.id, approve=True
    )

    assert decided.status == PaymentStatus.APPROVED
    assert decided.decided_by_id == staff.other_manager.pk
    assert _actions(payment.id)[-1] == "payment.approved"


def test_a_manager_who_may_not_see_the_case_gets_not_found(
    staff: Staff, case: Case, programme: Programme
):
    payment = pay(staff.logistics, case, programme, 90_000)

    with pytest.raises(CaseNotFound):
        money.decide_payment(
            user=staff.other_manager, case_id=case.id, payment_id=payment.id, approve=True
        )
    with pytest.raises(CaseNotFound):
        money.cancel_payment(user=staff.other_manager, case_id=case.id, payment_id=payment.id)
    with pytest.raises(CaseNotFound):
        pay(staff.other_manager, case, programme, 100)
    assert Payment.objects.get(pk=payment.id).status == PaymentStatus.AWAITING_APPROVAL


def test_approval_resolves_the_alerts(staff: Staff, case: Case, programme: Programme):
    payment = pay(staff.logistics, case, programme, 90_000)

    money.decide_payment(user=staff.manager, case_id=case.id, payment_id=payment.id, approve=True)

    alert = Alert.objects.get(subject=payment.id)
    assert alert.resolved_at is not None


def test_a_caseworker_cannot_approve_or_record(staff: Staff, case: Case, programme: Programme):
    payment = pay(staff.logistics, case, programme, 90_000)

    with pytest.raises(RelocationError):
        money.decide_payment(
            user=staff.caseworker, case_id=case.id, payment_id=payment.id, approve=True
        )
    with pytest.raises(RelocationError):
        pay(staff.caseworker, case, programme, 100)


def test_refusing_needs_a_reason_which_goes_sealed_into_the_case_notes(
    staff: Staff, case: Case, programme: Programme
):
    payment = pay(staff.logistics, case, programme, 90_000)

    with pytest.raises(RelocationError, match="reason"):
        money.decide_payment(
            user=staff.manager, case_id=case.id, payment_id=payment.id, approve=False, reason="  "
        )
    money.decide_payment(
        user=staff.manager,
        case_id=case.id,
        payment_id=payment.id,
        approve=False,
        reason="Quote too high",
    )

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUSED
    note = Note.objects.get(case=case)
    assert note.text == f"Payment {payment.id} refused: Quote too high"
    assert _actions(payment.id)[-1] == "payment.refused"


def test_a_decided_payment_cannot_be_decided_again(staff: Staff, case: Case, programme: Programme):
    payment = pay(staff.logistics, case, programme, 90_000)
    money.decide_payment(user=staff.manager, case_id=case.id, payment_id=payment.id, approve=True)

    with pytest.raises(RelocationError, match="no longer waiting"):
        money.decide_payment(
            user=staff.manager, case_id=case.id, payment_id=payment.id, approve=False, reason="x"
        )
    with pytest.raises(RelocationError, match="no longer waiting"):
        money.cancel_payment(user=staff.logistics, case_id=case.id, payment_id=payment.id)


def test_the_creator_or_an_approver_cancels_a_waiting_payment(
    staff: Staff, case: Case, programme: Programme
):
    mine = pay(staff.logistics, case, programme, 90_000)
    theirs = pay(staff.logistics, case, programme, 80_000)

    money.cancel_payment(user=staff.logistics, case_id=case.id, payment_id=mine.id)
    money.cancel_payment(user=staff.manager, case_id=case.id, payment_id=theirs.id)

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, mine.decided_by_id) == (PaymentStatus.CANCELLED, None)
    assert (theirs.status, theirs.decided_by_id) == (PaymentStatus.CANCELLED, staff.manager.pk)
    assert _actions(mine.id)[-1] == "payment.cancelled"


def test_someone_else_without_approval_rights_cannot_cancel(
    staff: Staff, case: Case, programme: Programme
):
    payment = pay(staff.manager, case, programme, 90_000)

    with pytest.raises(RelocationError, match="Only whoever recorded it"):
        money.cancel_payment(user=staff.logistics, case_id=case.id, payment_id=payment.id)


def test_a_payment_of_another_case_is_refused_by_id(
    staff: Staff, case: Case, programme: Programme, team
):
    from tests.relocation.conftest import new_case

    other = new_case(team, [staff.logistics], full_name="Other Person")
    payment = pay(staff.logistics, other, programme, 90_000)

    with pytest.raises(RelocationError, match="No such payment"):
        money.decide_payment(
            user=staff.manager, case_id=case.id, payment_id=payment.id, approve=True
        )
    assert Payment.objects.get(pk=payment.id).status == PaymentStatus.AWAITING_APPROVAL


def test_database_refuses_the_creator_as_decider(staff: Staff, case: Case, programme: Programme):
    """The last line: whatever code path writes it, decided_by is never created_by."""
    payment = pay(staff.logistics, case, programme, 90_000)

    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.id).update(
            decided_by_id=payment.created_by_id,
            decided_at=timezone.now(),
            status=PaymentStatus.APPROVED,
        )


# --- rates -------------------------------------------------------------------------------------


def test_no_rate_is_a_clear_message_naming_currency_and_day(
    staff: Staff, case: Case, programme: Programme
):
    with pytest.raises(RelocationError, match="No exchange rate for USD on 2024-05-06"):
        pay(staff.logistics, case, programme, 100, currency="USD")
    assert not Payment.objects.exists()


def test_a_rate_typed_with_the_payment_is_recorded_for_that_day(
    staff: Staff, case: Case, programme: Programme
):
    payment = pay(staff.logistics, case, programme, 10_000, currency="USD", rate=Decimal("0.92"))

    assert payment.reporting_minor == 9_200
    assert ExchangeRate.objects.get(currency="USD", day=DAY).rate == Decimal("0.92")
    second = pay(staff.logistics, case, programme, 100, currency="USD")
    assert second.rate == Decimal("0.92")
    with pytest.raises(RelocationError, match="different rate"):
        pay(staff.logistics, case, programme, 100, currency="USD", rate=Decimal("0.93"))


def test_one_rate_per_currency_and_day_and_a_replacement_keeps_old_payments(
    staff: Staff, case: Case, programme: Programme
):
    first = money.record_rate(user=staff.logistics, currency="USD", day=DAY, rate=Decimal("0.9"))
    before = pay(staff.logistics, case, programme, 10_000, currency="USD")

    with pytest.raises(RelocationError, match="already recorded"):
        money.record_rate(user=staff.logistics, currency="USD", day=DAY, rate=Decimal("0.8"))
    money.record_rate(
        user=staff.logistics, currency="USD", day=DAY, rate=Decimal("0.8"), replace=True
    )
    after = pay(staff.logistics, case, programme, 10_000, currency="USD")

    before.refresh_from_db()
    assert (before.rate, before.reporting_minor) == (Decimal("0.9"), 9_000)
    assert (after.rate, after.reporting_minor) == (Decimal("0.8"), 8_000)
    assert ExchangeRate.objects.count() == 1
    assert _actions(str(first.pk)) == ["money.rate_recorded", "money.rate_replaced"]


def test_the_reporting_currency_has_rate_one_and_cannot_be_given_another(
    staff: Staff, case: Case, programme: Programme
):
    with pytest.raises(RelocationError, match="always 1"):
        money.record_rate(user=staff.logistics, currency="EUR", day=DAY, rate=Decimal("2"))
    assert pay(staff.logistics, case, programme, 1234).reporting_minor == 1234


@pytest.mark.parametrize(
    ("currency", "day_offset", "rate", "message"),
    [
        ("XAU", 0, Decimal("1"), "currency in use"),  # gold: not a currency one pays in
        ("SUR", 0, Decimal("1"), "currency in use"),  # the Soviet rouble: withdrawn
        ("<b>", 0, Decimal("1"), "currency in use"),
        ("USD", 1, Decimal("1"), "between"),  # tomorrow
        ("USD", -365 * 40, Decimal("1"), "between"),
        ("USD", 0, Decimal("0"), "more than zero"),
        ("USD", 0, Decimal("-1"), "more than zero"),
        ("USD", 0, Decimal("1e9"), "at most"),
        ("USD", 0, Decimal("0.00000000001"), "decimals"),
        ("USD", 0, Decimal("NaN"), "number"),
    ],
)
def test_bad_rates_are_refused_and_change_nothing(
    staff: Staff, currency, day_offset, rate, message
):
    day = timezone.localdate() + timedelta(days=day_offset)
    with pytest.raises(RelocationError, match=message):
        money.record_rate(user=staff.logistics, currency=currency, day=day, rate=rate)
    assert not ExchangeRate.objects.exists()


def test_only_money_roles_record_rates(staff: Staff):
    with pytest.raises(RelocationError):
        money.record_rate(user=staff.caseworker, currency="USD", day=DAY, rate=Decimal("1"))


# --- bad payments ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount_minor": 0}, "more than zero"),
        ({"amount_minor": -5}, "more than zero"),
        ({"amount_minor": 10**20}, "too large"),
        ({"amount_minor": True}, "whole number"),
        ({"currency": "ZZZ"}, "currency in use"),
        ({"category": "<script>"}, "category"),
        ({"programme_id": "nope"}, "programme"),
        ({"payee": ""}, "payee is required"),
        ({"payee": "x" * 301}, "limited"),
        ({"purpose": "x" * 2001}, "limited"),
        ({"paid_on": "2024-05-06"}, "a date"),
        ({"paid_on": DAY + timedelta(days=10_000)}, "between"),
    ],
)
def test_bad_payments_are_refused_and_change_nothing(
    staff: Staff, case: Case, programme: Programme, changes, message
):
    arguments = {
        "user": staff.logistics,
        "case_id": case.id,
        "programme_id": programme.id,
        "category": "housing",
        "currency": "EUR",
        "amount_minor": 100,
        "paid_on": DAY,
        "payee": "Hostel Fictional",
        "purpose": "",
        **changes,
    }
    before = AuditEntry.objects.count()
    with pytest.raises(RelocationError, match=message):
        money.record_payment(**arguments)
    assert not Payment.objects.exists()
    assert AuditEntry.objects.count() == before


def test_a_closed_programme_takes_no_payment(staff: Staff, case: Case, programme: Programme):
    Programme.objects.filter(pk=programme.pk).update(active=False)
    with pytest.raises(RelocationError, match="active programme"):
        pay(staff.logistics, case, programme, 100)


def test_audit_entries_hold_ids_only(staff: Staff, case: Case, programme: Programme):
    payment = pay(staff.logistics, case, programme, 90_000, payee="Marker Payeeson")
    money.decide_payment(
        user=staff.manager, case_id=case.id, payment_id=payment.id, approve=False, reason="Too dear"
    )

    for action, object_type, object_id in AuditEntry.objects.values_list(
        "action", "object_type", "object_id"
    ):
        assert "Marker" not in f"{action}{object_type}{object_id}"
        assert "dear" not in f"{action}{object_type}{object_id}"


def test_two_first_rates_of_one_day_at_once_leave_the_second_a_message(staff: Staff, monkeypatch):
    # The race as the second transaction sees it: its lookup found no row to lock, and
    # the other one's row is committed by the time it inserts.
    money.record_rate(user=staff.logistics, currency="USD", day=DAY, rate=Decimal("0.9"))
    monkeypatch.setattr(ExchangeRate.objects, "select_for_update", ExchangeRate.objects.none)
    with pytest.raises(RelocationError, match="a moment ago"):
        money.record_rate(user=staff.logistics, currency="USD", day=DAY, rate=Decimal("0.8"))
    assert list(ExchangeRate.objects.values_list("rate", flat=True)) == [Decimal("0.9")]
