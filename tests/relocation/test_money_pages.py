"""The money pages and actions through the test client: redirects, messages, 404s for
cases one may not see, and hostile input on every form."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_verified
from tests.relocation.conftest import Staff, new_case
from tests.relocation.test_money_fixtures import DAY, grant, pay, programme
from waystation.cases.models import Case, Team
from waystation.relocation.models import Budget, ExchangeRate, Payment, PaymentStatus, Programme

__all__ = ["programme"]

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def _case_page(case: Case) -> str:
    return reverse("relocation:case", args=[case.id]) + "#money"


def _payment_post(chosen: Programme, **changes: str) -> dict[str, str]:
    data = {
        "programme": chosen.id,
        "category": "housing",
        "currency": "EUR",
        "amount": "120,50",
        "paid_on": DAY.isoformat(),
        "rate": "",
        "payee": "Hostel Fictional",
        "purpose": "Two nights",
        **changes,
    }
    return {f"payment-{k}": v for k, v in data.items()}


# --- recording on a case -----------------------------------------------------------------------


def test_recording_a_payment_goes_back_to_the_case_page(
    staff: Staff, case: Case, programme: Programme
):
    url = reverse("relocation:money_record_payment", args=[case.id])
    response = _client(staff.logistics).post(url, _payment_post(programme))

    assert response.status_code == 302
    assert response["Location"] == _case_page(case)
    payment = Payment.objects.get()
    assert (payment.amount_minor, payment.status) == (12_050, PaymentStatus.APPROVED)
    assert _messages(response) == ["Payment of 120.50 EUR recorded and approved."]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "1,234.50"}, "one decimal mark"),
        ({"amount": "-5"}, "more than zero"),
        ({"amount": "0"}, "more than zero"),
        ({"amount": "99999999999999"}, "too large"),
        ({"amount": "<script>alert(1)</script>"}, "at most 40|digits"),
        ({"amount": "12.5", "currency": "JPY", "rate": "0.006"}, "no minor unit"),
        ({"currency": "XAU"}, "valid choice"),
        ({"currency": "<b>x</b>"}, "valid choice"),
        ({"category": "bribes"}, "valid choice"),
        ({"programme": "0000000000000000"}, "valid choice"),
        ({"paid_on": "2024-02-30"}, "valid date"),
        ({"paid_on": "31/05/2024"}, "valid date"),
        ({"paid_on": "99999-01-01"}, "valid date"),
        ({"paid_on": (timezone.localdate() + timedelta(days=3)).isoformat()}, "between"),
        ({"payee": ""}, "required"),
        ({"payee": "x" * 301}, "at most 300"),
        ({"purpose": "y" * 2001}, "at most 2000"),
        ({"currency": "USD"}, "No exchange rate for USD on 2024-05-06"),
        ({"currency": "USD", "rate": "-1"}, "more than zero"),
        ({"currency": "USD", "rate": "1e400"}, "digits"),
        ({"currency": "USD", "rate": "0,5.5"}, "one decimal mark"),
    ],
)
def test_bad_payments_get_a_message_and_change_nothing(
    staff: Staff, case: Case, programme: Programme, changes, message
):
    url = reverse("relocation:money_record_payment", args=[case.id])
    response = _client(staff.logistics).post(url, _payment_post(programme, **changes))

    assert response.status_code == 302
    assert response["Location"] == _case_page(case)
    assert any(re.search(message, m) for m in _messages(response)), _messages(response)
    assert not Payment.objects.exists()
    assert not ExchangeRate.objects.exists()


def test_posting_on_a_case_one_may_not_see_is_not_found_whatever_the_role(
    staff: Staff, case: Case, programme: Programme
):
    payment = pay(staff.logistics, case, programme, 90_000)
    urls = [
        reverse("relocation:money_record_payment", args=[case.id]),
        reverse("relocation:money_decide_payment", args=[case.id, payment.id]),
        reverse("relocation:money_cancel_payment", args=[case.id, payment.id]),
    ]
    for user in (staff.other_manager, staff.other_caseworker, staff.admin, staff.screener):
        client = _client(user)
        for url in urls:
            assert client.post(url, {"decision": "approve"}).status_code == 404
            assert client.post(url, {"decision": "bogus"}).status_code == 404  # input checked later
            assert client.get(url).status_code in (404, 405)
    assert Payment.objects.get().status == PaymentStatus.AWAITING_APPROVAL
    assert Payment.objects.count() == 1


def test_a_caseworker_who_sees_the_case_is_refused_with_a_message(
    staff: Staff, case: Case, programme: Programme
):
    url = reverse("relocation:money_record_payment", args=[case.id])
    response = _client(staff.caseworker).post(url, _payment_post(programme))

    assert _messages(response) == ["Your role does not allow this on a case."]
    assert not Payment.objects.exists()


# --- approving on the page -----------------------------------------------------------------------


def test_the_creator_cannot_approve_on_the_page(staff: Staff, case: Case, programme: Programme):
    payment = pay(staff.manager, case, programme, 90_000)
    url = reverse("relocation:money_decide_payment", args=[case.id, payment.id])

    response = _client(staff.manager).post(url, {"decision": "approve"})

    assert response["Location"] == _case_page(case)
    assert _messages(response) == ["You recorded this payment: someone else must decide on it."]
    assert Payment.objects.get().status == PaymentStatus.AWAITING_APPROVAL


def test_another_manager_who_sees_the_case_approves_on_the_page(
    staff: Staff, case: Case, programme: Programme
):
    payment = pay(staff.manager, case, programme, 90_000)
    grant(staff, case, staff.other_manager)
    url = reverse("relocation:money_decide_payment", args=[case.id, payment.id])

    response = _client(staff.other_manager).post(url, {"decision": "approve"})

    assert _messages(response) == ["Payment approved."]
    assert Payment.objects.get().decided_by_id == staff.other_manager.pk


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "refuse", "reason": ""}, "reason"),
        ({"decision": "refuse", "reason": "z" * 2001}, "at most 2000"),
        ({"decision": "<script>"}, "valid choice"),
        ({}, "required"),
    ],
)
def test_bad_decisions_change_nothing(
    staff: Staff, case: Case, programme: Programme, data, message
):
    payment = pay(staff.logistics, case, programme, 90_000)
    url = reverse("relocation:money_decide_payment", args=[case.id, payment.id])

    response = _client(staff.manager).post(url, data)

    assert any(re.search(message, m) for m in _messages(response)), _messages(response)
    assert Payment.objects.get().status == PaymentStatus.AWAITING_APPROVAL


def test_a_payment_id_of_another_case_is_refused(
    staff: Staff, case: Case, programme: Programme, team: Team
):
    other = new_case(team, [staff.logistics], full_name="Other Fictional")
    payment = pay(staff.logistics, other, programme, 90_000)
    url = reverse("relocation:money_decide_payment", args=[case.id, payment.id])

    response = _client(staff.manager).post(url, {"decision": "approve"})

    assert _messages(response) == ["No such payment on this case."]
    assert Payment.objects.get().status == PaymentStatus.AWAITING_APPROVAL


# --- the case section ----------------------------------------------------------------------------


def test_case_page_shows_payee_buttons_only_to_whoever_may_decide(
    staff: Staff, case: Case, programme: Programme
):
    payment = pay(staff.manager, case, programme, 90_000, payee="<b>Hostel</b> Fictional")
    decide = reverse("relocation:money_decide_payment", args=[case.id, payment.id])
    page = reverse("relocation:case", args=[case.id])

    as_creator = _client(staff.manager).get(page).content.decode()
    grant(staff, case, staff.other_manager)
    as_approver = _client(staff.other_manager).get(page).content.decode()
    as_logistics = _client(staff.logistics).get(page).content.decode()

    assert "&lt;b&gt;Hostel&lt;/b&gt; Fictional" in as_creator  # escaped, never markup
    assert "<b>Hostel" not in as_creator
    assert decide not in as_creator and "Someone else must approve it." in as_creator
    assert decide in as_approver
    assert decide not in as_logistics
    assert reverse("relocation:money_record_payment", args=[case.id]) in as_logistics
    assert _client(staff.other_caseworker).get(page).status_code == 404


# --- approvals queue ---------------------------------------------------------------------------


def test_approvals_queue_lists_visible_waiting_payments_oldest_first(
    staff: Staff, case: Case, programme: Programme, other_team: Team
):
    first = pay(staff.logistics, case, programme, 90_000, payee="Payee Markerfirst")
    second = pay(staff.logistics, case, programme, 70_000)
    pay(staff.logistics, case, programme, 100)  # approved at once: not listed
    hidden = new_case(other_team, [staff.other_caseworker], full_name="Hidden Fictional")
    pay(staff.other_manager, hidden, programme, 90_000)

    response = _client(staff.manager).get(reverse("relocation:money_approvals"))
    body = response.content.decode()

    assert response.status_code == 200
    assert body.index(first.id) < body.index(second.id)
    assert "900.00 EUR" in body and "700.00 EUR" in body
    assert hidden.id not in body
    assert "Markerfirst" not in body  # the payee is read on the case page only
    assert _client(staff.logistics).get(reverse("relocation:money_approvals")).status_code == 403


# --- rates page --------------------------------------------------------------------------------


def test_rates_page_records_and_replaces_explicitly(staff: Staff):
    client = _client(staff.logistics)
    url = reverse("relocation:money_rates")
    data = {"currency": "USD", "day": DAY.isoformat(), "rate": "0,92"}

    assert client.post(url, data)["Location"] == url
    again = client.post(url, {**data, "rate": "0.93"})
    assert again.status_code == 400 and "already recorded" in again.content.decode()
    assert client.post(url, {**data, "rate": "0.93", "replace": "on"}).status_code == 302
    assert str(ExchangeRate.objects.get().rate.normalize()) == "0.93"
    assert "0.93" in client.get(url).content.decode()
    assert _client(staff.caseworker).get(url).status_code == 403


@pytest.mark.parametrize(
    "changes",
    [
        {"currency": "EUR"},  # the reporting currency: always 1
        {"currency": "SUR"},
        {"rate": "<script>"},
        {"rate": "-0.5"},
        {"rate": "0"},
        {"rate": "9" * 41},
        {"day": "2024-13-01"},
        {"day": "tomorrow"},
        {"day": (timezone.localdate() + timedelta(days=1)).isoformat()},
    ],
)
def test_bad_rates_on_the_page_change_nothing(staff: Staff, changes):
    data = {"currency": "USD", "day": DAY.isoformat(), "rate": "0.92", **changes}
    response = _client(staff.logistics).post(reverse("relocation:money_rates"), data)

    assert response.status_code == 400
    assert "<script>" not in response.content.decode()
    assert not ExchangeRate.objects.exists()


# --- programmes and budgets --------------------------------------------------------------------


def test_budget_page_creates_programmes_sets_budgets_and_flags_overspending(
    staff: Staff, case: Case
):
    client = _client(staff.manager)
    client.post(reverse("relocation:money_create_programme"), {"name": "Corridor", "threshold": ""})
    created = Programme.objects.get()
    assert created.approval_threshold_minor == 50_000  # the default, 500 EUR
    client.post(
        reverse("relocation:money_change_threshold", args=[created.id]), {"threshold": "1 000"}
    )
    created.refresh_from_db()
    assert created.approval_threshold_minor == 100_000
    response = client.post(
        reverse("relocation:money_set_budget"),
        {
            "programme": created.id,
            "category": "housing",
            "period_start": "2024-05-01",
            "period_end": "2024-05-31",
            "amount": "100",
        },
    )
    assert response["Location"] == reverse("relocation:money_budgets")
    pay(staff.logistics, case, created, 15_000)

    body = client.get(reverse("relocation:money_budgets")).content.decode()

    assert "over budget" in body and "-50.00" in body
    assert _client(staff.logistics).get(reverse("relocation:money_budgets")).status_code == 403


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("relocation:money_create_programme", {"name": ""}),
        ("relocation:money_create_programme", {"name": "n" * 101}),
        ("relocation:money_create_programme", {"name": "X", "threshold": "-1"}),
        ("relocation:money_create_programme", {"name": "X", "threshold": "1,000.00"}),
        ("relocation:money_set_budget", {"category": "housing", "amount": "<i>1</i>"}),
        ("relocation:money_set_budget", {"category": "housing", "amount": "-100"}),
        ("relocation:money_set_budget", {"category": "nope", "amount": "100"}),
        ("relocation:money_set_budget", {"period_start": "2024-06-01", "period_end": "2024-05-01"}),
        ("relocation:money_set_budget", {"period_end": "2024-02-31"}),
        ("relocation:money_set_budget", {"amount": "1" * 30}),
    ],
)
def test_bad_programmes_and_budgets_change_nothing(staff: Staff, url_name, data, programme):
    base = {
        "programme": programme.id,
        "category": "housing",
        "period_start": "2024-05-01",
        "period_end": "2024-05-31",
        "amount": "100",
    }
    response = _client(staff.manager).post(reverse(url_name), {**base, **data})

    assert response.status_code == 400
    assert "<i>1</i>" not in response.content.decode()
    assert Programme.objects.count() == 1
    assert not Budget.objects.exists()


@pytest.mark.parametrize("threshold", ["-1", "abc", "<script>", "1,000.50", "1" * 41, ""])
def test_bad_thresholds_change_nothing(staff: Staff, programme: Programme, threshold):
    url = reverse("relocation:money_change_threshold", args=[programme.id])
    response = _client(staff.manager).post(url, {"threshold": threshold})

    assert response.status_code == 302 and _messages(response)
    programme.refresh_from_db()
    assert programme.approval_threshold_minor == 50_000


def test_threshold_of_an_unknown_programme_is_refused(staff: Staff):
    url = reverse("relocation:money_change_threshold", args=["doesnotexist0000"])
    response = _client(staff.manager).post(url, {"threshold": "10"})
    assert _messages(response) == ["Choose an active programme."]


# --- templates ---------------------------------------------------------------------------------


def test_money_templates_have_no_inline_script_or_style_and_no_safe():
    import waystation

    folder = Path(waystation.__file__).parent / "templates" / "relocation" / "money"
    templates = list(folder.glob("*.html"))
    assert len(templates) >= 4
    for template in templates:
        text = template.read_text()
        assert "<script" not in text and "<style" not in text, template
        assert " style=" not in text and "|safe" not in text, template
