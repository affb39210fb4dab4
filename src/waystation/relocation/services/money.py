"""Money: programmes and their budgets, exchange rates, and payments with a second
person's approval above a programme's threshold.

Amounts are integers in a currency's minor units (``currencies``); a payment keeps the
rate it was recorded with, so correcting a day's rate later never rewrites the past.
A payment worth more than its programme's threshold waits for a programme manager who
may see the case and is not its creator; the database refuses the creator as decider
too (``payment_decided_by_another``). Audit entries hold ids and action names only.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from waystation.accounts.models import Actor
from waystation.cases.models import AlertKind, Case
from waystation.cases.selectors import visibility as case_visibility
from waystation.cases.services import alerts as case_alerts
from waystation.cases.services import daily_work as case_daily_work
from waystation.relocation import currencies
from waystation.relocation.currencies import AmountError
from waystation.relocation.models import (
    Budget,
    BudgetCategory,
    ExchangeRate,
    Payment,
    PaymentStatus,
    Programme,
)
from waystation.relocation.services.common import (
    APPROVE_PAYMENT,
    MANAGE_BUDGETS,
    RECORD_PAYMENT,
    RelocationError,
    case_for,
    clean_text,
    record,
    require,
)

EARLIEST_DAY = date(2000, 1, 1)
MAX_PROGRAMME_NAME = 100
MAX_PAYEE = 300
MAX_PURPOSE = 2_000
MAX_REASON = 2_000
MAX_BUDGET_DAYS = 366 * 5


def _amount(call: Any, *args: Any) -> Any:
    """Run a ``currencies`` check, turning its refusal into this area's error."""
    try:
        return call(*args)
    except AmountError as exc:
        raise RelocationError(str(exc)) from exc


def _day(value: Any, *, label: str, today: date | None = None) -> date:
    if not isinstance(value, date):
        raise RelocationError(gettext("%(label)s is a date, like 2024-05-31.") % {"label": label})
    today = today or timezone.localdate()
    if value < EARLIEST_DAY or value > today:
        raise RelocationError(
            gettext("%(label)s must be between %(earliest)s and today.")
            % {"label": label, "earliest": EARLIEST_DAY}
        )
    return value


# --- exchange rates ------------------------------------------------------------------------------


def rate_on(currency: str, day: date) -> Decimal | None:
    """The recorded rate of ``currency`` on ``day``; the reporting currency is 1."""
    if currency == currencies.reporting_currency():
        return Decimal(1)
    return (
        ExchangeRate.objects.filter(currency=currency, day=day)
        .values_list("rate", flat=True)
        .first()
    )


def _checked_rate_input(currency: str, day: date, rate: Decimal) -> tuple[str, date, Decimal]:
    currency = _amount(currencies.clean_currency, currency)
    if currency == currencies.reporting_currency():
        raise RelocationError(
            gettext("%(currency)s is the reporting currency: its rate is always 1.")
            % {"currency": currency}
        )
    day = _day(day, label=gettext("The day of a rate"))
    if not isinstance(rate, Decimal):
        raise RelocationError(gettext("A rate must be a number."))
    return currency, day, _amount(currencies.check_rate, rate)


def _save_rate(
    *, user: Actor, currency: str, day: date, rate: Decimal, replace: bool
) -> ExchangeRate:
    existing = ExchangeRate.objects.select_for_update().filter(currency=currency, day=day).first()
    if existing is not None and not replace:
        raise RelocationError(
            gettext(
                "A rate for %(currency)s on %(day)s is already recorded (%(rate)s). To correct "
                "it, replace it explicitly; payments already recorded keep their rate."
            )
            % {"currency": currency, "day": day, "rate": f"{existing.rate.normalize():f}"}
        )
    if existing is None:
        # Nothing to lock yet: two people recording the same day's first rate at once
        # both get here, and the unique constraint decides. The second is told, not a 500.
        try:
            with transaction.atomic():
                saved = ExchangeRate.objects.create(
                    currency=currency, day=day, rate=rate, recorded_by_id=user.pk
                )
        except IntegrityError as exc:
            raise RelocationError(
                gettext(
                    "A rate for %(currency)s on %(day)s was recorded a moment ago by someone "
                    "else; check it on the rates page."
                )
                % {"currency": currency, "day": day}
            ) from exc
        record(user, "money.rate_recorded", "exchange_rate", str(saved.pk))
        return saved
    existing.rate = rate
    existing.recorded_by_id = user.pk
    existing.recorded_at = timezone.now()
    existing.save(update_fields=["rate", "recorded_by_id", "recorded_at"])
    record(user, "money.rate_replaced", "exchange_rate", str(existing.pk))
    return existing


@transaction.atomic
def record_rate(
    *, user: Actor, currency: str, day: date, rate: Decimal, replace: bool = False
) -> ExchangeRate:
    """Units of the reporting currency for one unit of ``currency`` on ``day``. One per
    currency and day: a second one is refused unless ``replace`` says to correct it."""
    require(user, RECORD_PAYMENT, gettext("Your role does not allow recording exchange rates."))
    currency, day, rate = _checked_rate_input(currency, day, rate)
    return _save_rate(user=user, currency=currency, day=day, rate=rate, replace=replace)


# --- payments ------------------------------------------------------------------------------------


def _raise_approval_alerts(case: Case, payment: Payment, actor_id: int) -> None:
    case_alerts.alert_each(
        case_visibility.approvers_of(case, permission=APPROVE_PAYMENT, exclude=actor_id),
        kind=AlertKind.PAYMENT_APPROVAL,
        case=case,
        subject=payment.id,
        now=timezone.now(),
        actor_id=actor_id,
    )


def _resolve_approval_alerts(payment: Payment) -> None:
    case_alerts.resolve_alerts(
        kinds=[AlertKind.PAYMENT_APPROVAL],
        case_id=payment.case_id,
        subjects=[payment.id],
        at=timezone.now(),
    )


def _programme(programme_id: str, *, active_only: bool = True) -> Programme:
    found = (
        Programme.objects.filter(pk=str(programme_id)[:32]).first()
        if isinstance(programme_id, str)
        else None
    )
    if found is None or (active_only and not found.active):
        raise RelocationError(gettext("Choose an active programme."))
    return found


@transaction.atomic
def record_payment(
    *,
    user: Actor,
    case_id: str,
    programme_id: str,
    category: str,
    currency: str,
    amount_minor: int,
    paid_on: date,
    payee: str,
    purpose: str,
    rate: Decimal | None = None,
) -> Payment:
    """Money paid out for a case. The rate is that day's recorded one, or ``rate`` (then
    recorded as that day's rate). Worth more than the programme's threshold in the
    reporting currency, it waits for a second person; otherwise it is approved at once."""
    case = case_for(user, case_id, RECORD_PAYMENT)
    programme = _programme(programme_id)
    if category not in BudgetCategory.values:
        raise RelocationError(gettext("Choose a budget category."))
    currency = _amount(currencies.clean_currency, currency)
    _amount(currencies.check_minor, amount_minor, currency)
    paid_on = _day(paid_on, label=gettext("The day it was paid"))
    payee = clean_text(payee, label=gettext("The payee"), required=True, limit=MAX_PAYEE)
    purpose = clean_text(purpose, label=gettext("The purpose"), limit=MAX_PURPOSE)
    if rate is not None:
        # Typing today's rate with the payment is recording it, with the same rules.
        checked = _checked_rate_input(currency, paid_on, rate)[2]
        known = rate_on(currency, paid_on)
        if known is None:
            _save_rate(user=user, currency=currency, day=paid_on, rate=checked, replace=False)
        elif known != checked:
            raise RelocationError(
                gettext(
                    "A different rate for %(currency)s on %(day)s is already recorded "
                    "(%(rate)s). Leave the rate empty to use it, or correct it on the rates "
                    "page first."
                )
                % {"currency": currency, "day": paid_on, "rate": f"{known.normalize():f}"}
            )
    used = rate_on(currency, paid_on)
    if used is None:
        raise RelocationError(
            gettext(
                "No exchange rate for %(currency)s on %(day)s is recorded. Type that day's rate "
                "to %(reporting)s with the payment, or record it first."
            )
            % {
                "currency": currency,
                "day": paid_on,
                "reporting": currencies.reporting_currency(),
            }
        )
    reporting_minor = currencies.to_reporting_minor(amount_minor, currency, used)
    if reporting_minor > currencies.MAX_REPORTING_MINOR:
        raise RelocationError(gettext("The amount is too large at that rate."))
    awaiting = reporting_minor > programme.approval_threshold_minor
    payment = Payment(
        case=case,
        data_key_id=case.data_key_id,
        programme=programme,
        category=category,
        currency=currency,
        amount_minor=amount_minor,
        rate=used,
        reporting_minor=reporting_minor,
        paid_on=paid_on,
        status=PaymentStatus.AWAITING_APPROVAL if awaiting else PaymentStatus.APPROVED,
        created_by_id=user.pk,
    )
    payment.payee = payee
    payment.purpose = purpose
    payment.save(force_insert=True)
    record(user, "payment.recorded", "payment", payment.id)
    if awaiting:
        _raise_approval_alerts(case, payment, user.pk)
        record(user, "payment.approval_requested", "payment", payment.id)
    return payment


def _awaiting_payment(case: Case, payment_id: str) -> Payment:
    payment = (
        Payment.objects.select_for_update().filter(pk=str(payment_id)[:32], case=case).first()
        if isinstance(payment_id, str)
        else None
    )
    if payment is None:
        raise RelocationError(gettext("No such payment on this case."))
    if payment.status != PaymentStatus.AWAITING_APPROVAL:
        raise RelocationError(gettext("This payment is no longer waiting for approval."))
    return payment


@transaction.atomic
def decide_payment(
    *, user: Actor, case_id: str, payment_id: str, approve: bool, reason: str = ""
) -> Payment:
    """A second person approves or refuses a payment waiting for approval. Never its
    creator. A refusal's reason goes into the case's notes, sealed with the case's key,
    where the creator reads it."""
    case = case_for(user, case_id, APPROVE_PAYMENT)
    payment = _awaiting_payment(case, payment_id)
    if payment.created_by_id == user.pk:
        raise RelocationError(gettext("You recorded this payment: someone else must decide on it."))
    if not approve:
        reason = clean_text(
            reason, label=gettext("A reason for refusing"), required=True, limit=MAX_REASON
        )
    payment.status = PaymentStatus.APPROVED if approve else PaymentStatus.REFUSED
    payment.decided_by_id = user.pk
    payment.decided_at = timezone.now()
    payment.save(update_fields=["status", "decided_by_id", "decided_at"])
    _resolve_approval_alerts(payment)
    if not approve:
        case_daily_work.add_note(
            user=user,
            case_id=case.id,
            text=gettext("Payment %(payment)s refused: %(reason)s")
            % {"payment": payment.id, "reason": reason},
        )
    record(user, "payment.approved" if approve else "payment.refused", "payment", payment.id)
    return payment


@transaction.atomic
def cancel_payment(*, user: Actor, case_id: str, payment_id: str) -> Payment:
    """Withdraw a payment still waiting for approval: its creator, or an approver."""
    case = case_for(user, case_id, RECORD_PAYMENT)
    payment = _awaiting_payment(case, payment_id)
    mine = payment.created_by_id == user.pk
    if not mine and not user.has_perm(APPROVE_PAYMENT):
        raise RelocationError(gettext("Only whoever recorded it or an approver may cancel it."))
    payment.status = PaymentStatus.CANCELLED
    # The creator withdrawing is not a decision by another: leave decided_by empty.
    payment.decided_by_id = None if mine else user.pk
    payment.decided_at = timezone.now()
    payment.save(update_fields=["status", "decided_by_id", "decided_at"])
    _resolve_approval_alerts(payment)
    record(user, "payment.cancelled", "payment", payment.id)
    return payment


# --- programmes and budgets ----------------------------------------------------------------------


def _threshold(minor: Any) -> int:
    if not isinstance(minor, int) or isinstance(minor, bool) or minor < 0:
        raise RelocationError(gettext("A threshold is an amount of zero or more."))
    reporting = currencies.reporting_currency()
    if minor > currencies.MAX_UNITS * 10 ** currencies.decimals(reporting):
        raise RelocationError(gettext("The threshold is too large."))
    return minor


def default_threshold_minor() -> int:
    reporting = currencies.reporting_currency()
    return int(
        _amount(
            currencies.units_to_minor, settings.WAYSTATION_DEFAULT_APPROVAL_THRESHOLD, reporting
        )
    )


@transaction.atomic
def create_programme(*, user: Actor, name: str, threshold_minor: int | None = None) -> Programme:
    require(user, MANAGE_BUDGETS, gettext("Your role does not allow setting up programmes."))
    name = clean_text(
        name, label=gettext("The programme's name"), required=True, limit=MAX_PROGRAMME_NAME
    )
    if Programme.objects.filter(name__iexact=name).exists():
        raise RelocationError(gettext("A programme with this name exists already."))
    threshold = default_threshold_minor() if threshold_minor is None else threshold_minor
    programme = Programme.objects.create(name=name, approval_threshold_minor=_threshold(threshold))
    record(user, "programme.created", "programme", programme.id)
    return programme


@transaction.atomic
def set_threshold(*, user: Actor, programme_id: str, threshold_minor: int) -> Programme:
    """Change the amount above which a programme's payments wait for a second person.
    Payments already recorded keep the status they were given."""
    require(user, MANAGE_BUDGETS, gettext("Your role does not allow changing thresholds."))
    programme = _programme(programme_id, active_only=False)
    programme.approval_threshold_minor = _threshold(threshold_minor)
    programme.save(update_fields=["approval_threshold_minor"])
    record(user, "programme.threshold_changed", "programme", programme.id)
    return programme


@transaction.atomic
def set_budget(
    *,
    user: Actor,
    programme_id: str,
    category: str,
    period_start: date,
    period_end: date,
    amount_minor: int,
) -> Budget:
    """What a programme may spend on a category in a period (reporting currency). Setting
    it again for the same start replaces the amount; periods may not overlap."""
    require(user, MANAGE_BUDGETS, gettext("Your role does not allow setting budgets."))
    programme = _programme(programme_id, active_only=False)
    if category not in BudgetCategory.values:
        raise RelocationError(gettext("Choose a budget category."))
    if not isinstance(period_start, date) or not isinstance(period_end, date):
        raise RelocationError(gettext("A period has a first and a last day, like 2024-01-01."))
    if period_end < period_start:
        raise RelocationError(gettext("A period ends on or after the day it starts."))
    if period_start < EARLIEST_DAY or period_end - period_start > timedelta(days=MAX_BUDGET_DAYS):
        raise RelocationError(
            gettext("A budget period starts after 2000 and lasts five years at most.")
        )
    reporting = currencies.reporting_currency()
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor < 0:
        raise RelocationError(gettext("A budget is an amount of zero or more."))
    if amount_minor > currencies.MAX_UNITS * 10 ** currencies.decimals(reporting):
        raise RelocationError(gettext("The budget is too large."))
    overlapping = (
        Budget.objects.select_for_update()
        .filter(
            programme=programme,
            category=category,
            period_start__lte=period_end,
            period_end__gte=period_start,
        )
        .exclude(period_start=period_start)
    )
    if overlapping.exists():
        raise RelocationError(gettext("This period overlaps another budget of the same category."))
    budget, created = Budget.objects.update_or_create(
        programme=programme,
        category=category,
        period_start=period_start,
        defaults={"period_end": period_end, "amount_minor": amount_minor},
    )
    record(user, "budget.set" if created else "budget.changed", "budget", str(budget.pk))
    return budget
