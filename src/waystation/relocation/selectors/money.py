"""Reading money: a case's payments, the approvals queue, budgets against spending, and
totals that the numbers pages reuse.

Totals are aggregated in SQL (``values().annotate(Sum)``) over integer minor units, so
they are exact and reconcile: the sum over cases, over categories, over months and over
programmes is the same grand total, per original currency and in the reporting currency.
Only approved payments count. The aggregate functions take a queryset the caller has
already scoped (:func:`visible_payments` for one user's cases, :func:`all_payments` for
holders of ``view_numbers``) and return plain dataclasses of ints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import TruncMonth

from waystation.accounts.models import Actor, StaffUser
from waystation.cases.models import Case
from waystation.cases.selectors.visibility import visible_cases
from waystation.relocation import currencies
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
    VIEW_NUMBERS,
)

Dimension = Literal["case", "category", "month", "programme"]
_KEYS: dict[str, Any] = {
    "case": F("case_id"),
    "category": F("category"),
    "month": TruncMonth("paid_on"),
    "programme": F("programme_id"),
}
QUEUE_LIMIT = 200
CASE_PAYMENTS_LIMIT = 500
RATES_SHOWN = 100


# --- totals --------------------------------------------------------------------------------------


@dataclass
class Total:
    """Approved payments under one key: per original currency (minor units of that
    currency) and in the reporting currency (its minor units)."""

    key: str
    by_currency: dict[str, int] = field(default_factory=dict)
    reporting_minor: int = 0
    payments: int = 0

    def shown(self) -> list[tuple[str, str]]:
        """(currency, amount as typed) for a page, currencies in order."""
        return [(c, currencies.format_minor(m, c)) for c, m in sorted(self.by_currency.items())]

    @property
    def reporting_shown(self) -> str:
        return currencies.format_minor(self.reporting_minor, currencies.reporting_currency())


def all_payments(*, user: Actor) -> QuerySet[Payment]:
    """Approved payments on every case, for those who see aggregate figures."""
    if not user.is_active or not (user.has_perm(VIEW_NUMBERS) or user.has_perm(MANAGE_BUDGETS)):
        return Payment.objects.none()
    return Payment.objects.filter(status=PaymentStatus.APPROVED)


def visible_payments(*, user: Actor) -> QuerySet[Payment]:
    """Approved payments on the cases this user may see."""
    return Payment.objects.filter(
        status=PaymentStatus.APPROVED, case__in=visible_cases(user).values("pk")
    )


def in_period(
    payments: QuerySet[Payment],
    *,
    start: date | None = None,
    end: date | None = None,
    programme_id: str | None = None,
) -> QuerySet[Payment]:
    """Narrow to paid_on in [start, end] (inclusive) and one programme."""
    if start is not None:
        payments = payments.filter(paid_on__gte=start)
    if end is not None:
        payments = payments.filter(paid_on__lte=end)
    if programme_id:
        payments = payments.filter(programme_id=programme_id)
    return payments


def _key(dimension: Dimension, value: Any) -> str:
    if dimension == "month":
        return f"{value:%Y-%m}" if value is not None else ""
    return str(value)


def totals_by(payments: QuerySet[Payment], by: Dimension) -> list[Total]:
    """One :class:`Total` per case, category, month ("2024-05") or programme, by key.
    Only approved payments count, whatever the queryset holds."""
    rows = (
        payments.filter(status=PaymentStatus.APPROVED)
        .annotate(group=_KEYS[by])
        .values("group", "currency")
        .annotate(amount=Sum("amount_minor"), reporting=Sum("reporting_minor"), n=Count("id"))
        .order_by()
    )
    found: dict[str, Total] = {}
    for row in rows:
        key = _key(by, row["group"])
        total = found.setdefault(key, Total(key=key))
        total.by_currency[row["currency"]] = int(row["amount"])
        total.reporting_minor += int(row["reporting"])
        total.payments += int(row["n"])
    return [found[k] for k in sorted(found)]


def grand_total(payments: QuerySet[Payment]) -> Total:
    """Every approved payment in the queryset, per currency and in the reporting one."""
    rows = (
        payments.filter(status=PaymentStatus.APPROVED)
        .values("currency")
        .annotate(amount=Sum("amount_minor"), reporting=Sum("reporting_minor"), n=Count("id"))
        .order_by()
    )
    total = Total(key="")
    for row in rows:
        total.by_currency[row["currency"]] = int(row["amount"])
        total.reporting_minor += int(row["reporting"])
        total.payments += int(row["n"])
    return total


# --- one case ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownPayment:
    """A payment with its payee and purpose opened, for one reader. Never logged."""

    id: str
    programme: str
    category: str
    currency: str
    amount: str
    reporting: str
    rate: str
    paid_on: date
    status: str
    status_label: str
    payee: str
    purpose: str
    created_by: str
    decided_by: str
    may_decide: bool
    may_cancel: bool
    mine: bool

    def __repr__(self) -> str:
        return f"<ShownPayment {self.id}>"


def _usernames(ids: set[int]) -> dict[int, str]:
    return dict(StaffUser.objects.filter(pk__in=ids).values_list("pk", "username"))


def case_section(*, user: Actor, case: Case) -> dict[str, Any]:
    """What the case's relocation page shows of this area (sealed values already opened:
    the page's one audit entry covers them). The view adds the payment form when
    ``can_record``."""
    can_record = user.is_active and user.has_perm(RECORD_PAYMENT)
    can_approve = user.is_active and user.has_perm(APPROVE_PAYMENT)
    payments = list(
        Payment.objects.filter(case=case)
        .select_related("programme")
        .order_by("-paid_on", "-created_at")[:CASE_PAYMENTS_LIMIT]
    )
    names = _usernames(
        {p.created_by_id for p in payments} | {p.decided_by_id for p in payments if p.decided_by_id}
    )
    categories = dict(BudgetCategory.choices)
    statuses = dict(PaymentStatus.choices)
    reporting = currencies.reporting_currency()
    shown = []
    for p in payments:
        awaiting = p.status == PaymentStatus.AWAITING_APPROVAL
        mine = p.created_by_id == user.pk
        shown.append(
            ShownPayment(
                id=p.id,
                programme=p.programme.name,
                category=str(categories.get(p.category, p.category)),
                currency=p.currency,
                amount=currencies.format_minor(p.amount_minor, p.currency),
                reporting=currencies.format_minor(p.reporting_minor, reporting),
                rate=currencies.format_rate(p.rate),
                paid_on=p.paid_on,
                status=p.status,
                status_label=str(statuses.get(p.status, p.status)),
                payee=p.payee or "",
                purpose=p.purpose or "",
                created_by=names.get(p.created_by_id, ""),
                decided_by=names.get(p.decided_by_id or 0, ""),
                may_decide=awaiting and can_approve and not mine,
                may_cancel=awaiting and ((mine and can_record) or can_approve),
                mine=mine,
            )
        )
    return {
        "case_id": case.id,
        "payments": shown,
        "total": grand_total(Payment.objects.filter(case=case)),
        "reporting_currency": reporting,
        "can_record": can_record,
        "can_approve": can_approve,
    }


# --- the approvals queue -------------------------------------------------------------------------


@dataclass(frozen=True)
class AwaitingRow:
    id: str
    case_id: str
    programme: str
    category: str
    currency: str
    amount: str
    reporting: str
    paid_on: date
    created_at: datetime
    created_by: str
    mine: bool

    @property
    def may_decide(self) -> bool:
        """Whoever recorded a payment never decides on it (the service refuses too)."""
        return not self.mine


def payments_awaiting(*, user: Actor) -> QuerySet[Payment]:
    """The payments waiting for a second person that ``user`` may decide on: on cases they
    may see, and none for a role that does not approve payments. The approvals list, the
    alerts page and the home page's count all start here."""
    if not user.is_active or not user.has_perm(APPROVE_PAYMENT):
        return Payment.objects.none()
    return Payment.objects.filter(
        status=PaymentStatus.AWAITING_APPROVAL, case__in=visible_cases(user).values("pk")
    )


def awaiting_approval(*, user: Actor) -> list[AwaitingRow]:
    """Payments waiting for a second person on cases this user may see, oldest first.
    Operational fields only: the payee is read on the case page, under its audit entry.
    Only for those who may decide on payments: the same list feeds the approvals page and
    the alerts page's "Waiting for approval"."""
    categories = dict(BudgetCategory.choices)
    reporting = currencies.reporting_currency()
    rows = list(
        payments_awaiting(user=user)
        .order_by("created_at", "id")
        .values_list(
            "id",
            "case_id",
            "programme__name",
            "category",
            "currency",
            "amount_minor",
            "reporting_minor",
            "paid_on",
            "created_at",
            "created_by_id",
        )[:QUEUE_LIMIT]
    )
    names = _usernames({row[-1] for row in rows})
    return [
        AwaitingRow(
            id=pid,
            case_id=case_id,
            programme=programme,
            category=str(categories.get(category, category)),
            currency=currency,
            amount=currencies.format_minor(amount, currency),
            reporting=currencies.format_minor(reporting_minor, reporting),
            paid_on=paid_on,
            created_at=created_at,
            created_by=names.get(created_by, ""),
            mine=created_by == user.pk,
        )
        for (
            pid,
            case_id,
            programme,
            category,
            currency,
            amount,
            reporting_minor,
            paid_on,
            created_at,
            created_by,
        ) in rows
    ]


# --- programmes, budgets, rates ------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeRow:
    id: str
    name: str
    threshold: str
    threshold_minor: int
    active: bool


def programmes(*, active_only: bool = False) -> list[ProgrammeRow]:
    """Programme names and thresholds are operational: no person behind them."""
    reporting = currencies.reporting_currency()
    queryset = Programme.objects.order_by("name")
    if active_only:
        queryset = queryset.filter(active=True)
    return [
        ProgrammeRow(
            id=p.id,
            name=p.name,
            threshold=currencies.format_minor(p.approval_threshold_minor, reporting),
            threshold_minor=p.approval_threshold_minor,
            active=p.active,
        )
        for p in queryset
    ]


@dataclass(frozen=True)
class BudgetLine:
    programme_id: str
    programme: str
    category: str
    category_label: str
    period_start: date
    period_end: date
    budget_minor: int
    spent_minor: int

    @property
    def remaining_minor(self) -> int:
        return self.budget_minor - self.spent_minor

    @property
    def over(self) -> bool:
        return self.spent_minor > self.budget_minor

    def _fmt(self, minor: int) -> str:
        return currencies.format_minor(minor, currencies.reporting_currency())

    @property
    def budget(self) -> str:
        return self._fmt(self.budget_minor)

    @property
    def spent(self) -> str:
        return self._fmt(self.spent_minor)

    @property
    def remaining(self) -> str:
        return self._fmt(self.remaining_minor)


def budget_lines(*, user: Actor, programme_id: str | None = None) -> list[BudgetLine]:
    """Each budget against what its programme spent on its category in its period
    (approved payments, reporting currency), by programme, period and category."""
    if not user.is_active or not (user.has_perm(MANAGE_BUDGETS) or user.has_perm(VIEW_NUMBERS)):
        return []
    categories = dict(BudgetCategory.choices)
    budgets = Budget.objects.select_related("programme").order_by(
        "programme__name", "-period_start", "category"
    )
    if programme_id:
        budgets = budgets.filter(programme_id=programme_id)
    lines = []
    for budget in budgets[:QUEUE_LIMIT]:
        # One indexed range query per budget: (programme, status, paid_on).
        spent = Payment.objects.filter(
            programme_id=budget.programme_id,
            status=PaymentStatus.APPROVED,
            paid_on__gte=budget.period_start,
            paid_on__lte=budget.period_end,
            category=budget.category,
        ).aggregate(s=Sum("reporting_minor"))["s"]
        lines.append(
            BudgetLine(
                programme_id=budget.programme_id,
                programme=budget.programme.name,
                category=budget.category,
                category_label=str(categories.get(budget.category, budget.category)),
                period_start=budget.period_start,
                period_end=budget.period_end,
                budget_minor=budget.amount_minor,
                spent_minor=int(spent or 0),
            )
        )
    return lines


@dataclass(frozen=True)
class RateRow:
    currency: str
    day: date
    rate: str
    recorded_at: datetime


def recent_rates() -> list[RateRow]:
    """Rates are operational (what a bank gave on a day); any money role may read them."""
    return [
        RateRow(currency=c, day=d, rate=currencies.format_rate(r), recorded_at=at)
        for c, d, r, at in ExchangeRate.objects.order_by("-day", "currency").values_list(
            "currency", "day", "rate", "recorded_at"
        )[:RATES_SHOWN]
    ]
