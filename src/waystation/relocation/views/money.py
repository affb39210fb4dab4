"""Money pages: exchange rates, programmes and budgets, the approvals queue, and the
actions of the money section on a case's relocation page.

A case the user may not see is a 404 for every action here, before any permission or
input check (``common.case_for`` and ``visible_case`` raise ``CaseNotFound``). Actions
on a case go back to the case's relocation page, which opens sealed values under its
own audit entry; a refused action is never re-rendered with them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waystation.cases.selectors import visibility as case_visibility
from waystation.relocation import currencies
from waystation.relocation.forms import money as forms
from waystation.relocation.selectors import money as selectors
from waystation.relocation.services import money as services
from waystation.relocation.services.common import (
    APPROVE_PAYMENT,
    MANAGE_BUDGETS,
    RECORD_PAYMENT,
    RelocationError,
)
from waystation.relocation.views.common import act, act_then
from waystation.web.actions import actor, form_errors_to_messages

# --- on a case -----------------------------------------------------------------------------------


@login_required
@require_POST
def record_payment(request: HttpRequest, case_id: str) -> HttpResponse:
    form = forms.PaymentForm(request.POST, prefix="payment")

    def call() -> Any:
        data = form.cleaned_data
        return services.record_payment(
            user=actor(request),
            case_id=case_id,
            programme_id=data["programme"],
            category=data["category"],
            currency=data["currency"],
            amount_minor=data["amount_minor"],
            paid_on=data["paid_on"],
            payee=data["payee"],
            purpose=data["purpose"],
            rate=data["rate_value"],
        )

    def done(payment: Any) -> str:
        amount = currencies.format_minor(payment.amount_minor, payment.currency)
        values = {"amount": amount, "currency": payment.currency}
        if payment.status == "awaiting":
            return (
                gettext("Payment of %(amount)s %(currency)s recorded; it waits for approval.")
                % values
            )
        return gettext("Payment of %(amount)s %(currency)s recorded and approved.") % values

    return act(request, case_id, form, call, done, "money")


@login_required
@require_POST
def decide_payment(request: HttpRequest, case_id: str, payment_id: str) -> HttpResponse:
    """From the case's relocation page, or from the approvals list (``back=approvals``),
    which it then returns to. The same service and checks either way: the case's 404
    first, then the role, then "not your own payment"."""
    form = forms.DecideForm(request.POST)

    def call() -> Any:
        data = form.cleaned_data
        return services.decide_payment(
            user=actor(request),
            case_id=case_id,
            payment_id=payment_id,
            approve=data["decision"] == "approve",
            reason=data["reason"],
        )

    def done(payment: Any) -> str:
        if payment.status == "approved":
            return gettext("Payment approved.")
        return gettext(
            "Payment refused; the reason is in the case's notes for whoever recorded it."
        )

    if request.POST.get("back") == "approvals":
        # Outsiders get the 404 before anything about their input is said.
        case_visibility.visible_case(user=actor(request), case_id=case_id)
        return act_then(request, form, call, done, redirect("relocation:money_approvals"))
    return act(request, case_id, form, call, done, "money")


@login_required
@require_POST
def cancel_payment(request: HttpRequest, case_id: str, payment_id: str) -> HttpResponse:
    return act(
        request,
        case_id,
        None,
        lambda: services.cancel_payment(
            user=actor(request), case_id=case_id, payment_id=payment_id
        ),
        gettext("Payment cancelled."),
        "money",
    )


# --- approvals -----------------------------------------------------------------------------------


@login_required
@permission_required(APPROVE_PAYMENT, raise_exception=True)
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "relocation/money/approvals.html",
        {
            "rows": selectors.awaiting_approval(user=actor(request)),
            "reporting": currencies.reporting_currency(),
        },
    )


# --- exchange rates ------------------------------------------------------------------------------


@login_required
@permission_required(RECORD_PAYMENT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def rates(request: HttpRequest) -> HttpResponse:
    form = forms.RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_rate(
                user=actor(request),
                currency=data["currency"],
                day=data["day"],
                rate=data["rate"],
                replace=data["replace"],
            )
        except RelocationError as exc:
            form.add_error(None, str(exc))
        else:
            said = (
                gettext("Rate for %(currency)s on %(day)s replaced.")
                if data["replace"]
                else gettext("Rate for %(currency)s on %(day)s recorded.")
            )
            messages.success(request, said % {"currency": data["currency"], "day": data["day"]})
            return redirect("relocation:money_rates")
    return render(
        request,
        "relocation/money/rates.html",
        {
            "form": form,
            "rates": selectors.recent_rates(),
            "reporting": currencies.reporting_currency(),
        },
        status=400 if form.errors else 200,
    )


# --- programmes and budgets ----------------------------------------------------------------------


def _budgets_page(
    request: HttpRequest,
    *,
    programme_form: forms.ProgrammeForm | None = None,
    budget_form: forms.BudgetForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = actor(request)
    return render(
        request,
        "relocation/money/budgets.html",
        {
            "programmes": selectors.programmes(),
            "lines": selectors.budget_lines(user=user),
            "programme_form": programme_form or forms.ProgrammeForm(),
            "budget_form": budget_form or forms.BudgetForm(),
            "reporting": currencies.reporting_currency(),
        },
        status=status,
    )


@login_required
@permission_required(MANAGE_BUDGETS, raise_exception=True)
@require_GET
def budgets(request: HttpRequest) -> HttpResponse:
    return _budgets_page(request)


@login_required
@permission_required(MANAGE_BUDGETS, raise_exception=True)
@require_POST
def create_programme(request: HttpRequest) -> HttpResponse:
    form = forms.ProgrammeForm(request.POST)
    if form.is_valid():
        try:
            services.create_programme(
                user=actor(request),
                name=form.cleaned_data["name"],
                threshold_minor=form.cleaned_data["threshold"],
            )
        except RelocationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("Programme created."))
            return redirect("relocation:money_budgets")
    return _budgets_page(request, programme_form=form, status=400)


@login_required
@permission_required(MANAGE_BUDGETS, raise_exception=True)
@require_POST
def change_threshold(request: HttpRequest, programme_id: str) -> HttpResponse:
    form = forms.ThresholdForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect("relocation:money_budgets")
    try:
        services.set_threshold(
            user=actor(request),
            programme_id=programme_id,
            threshold_minor=form.cleaned_data["threshold"],
        )
    except RelocationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("Threshold changed."))
    return redirect("relocation:money_budgets")


@login_required
@permission_required(MANAGE_BUDGETS, raise_exception=True)
@require_POST
def set_budget(request: HttpRequest) -> HttpResponse:
    form = forms.BudgetForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.set_budget(
                user=actor(request),
                programme_id=data["programme"],
                category=data["category"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                amount_minor=data["amount"],
            )
        except RelocationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("Budget saved."))
            return redirect("relocation:money_budgets")
    return _budgets_page(request, budget_form=form, status=400)


urlpatterns: list[URLPattern] = [
    path("approvals/", approvals, name="money_approvals"),
    path("rates/", rates, name="money_rates"),
    path("budgets/", budgets, name="money_budgets"),
    path("programmes/", create_programme, name="money_create_programme"),
    path(
        "programmes/<str:programme_id>/threshold/",
        change_threshold,
        name="money_change_threshold",
    ),
    path("budgets/set/", set_budget, name="money_set_budget"),
    path("cases/<str:case_id>/payments/", record_payment, name="money_record_payment"),
    path(
        "cases/<str:case_id>/payments/<str:payment_id>/decide/",
        decide_payment,
        name="money_decide_payment",
    ),
    path(
        "cases/<str:case_id>/payments/<str:payment_id>/cancel/",
        cancel_payment,
        name="money_cancel_payment",
    ),
]
