"""Deciding on payments from the approvals list, and saying truthfully who did what.

Issue 15: the waiting list had no Approve or Refuse; a payment a logistics coordinator
recorded under the threshold read "Approved by logistics". The list's buttons go
through the same view and service as the case page's: the case's 404 first, then the
role, then "never your own payment"; a refusal changes nothing.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import login_verified
from tests.relocation.conftest import Staff
from tests.relocation.test_money_fixtures import grant, pay, programme
from waystation.cases.models import Case
from waystation.relocation.models import Payment, PaymentStatus, Programme

__all__ = ["programme"]

pytestmark = pytest.mark.django_db

APPROVALS = "relocation:money_approvals"


def _client(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def _decide(client: Client, payment: Payment, decision: str, reason: str = ""):
    url = reverse("relocation:money_decide_payment", args=[payment.case_id, payment.id])
    return client.post(url, {"decision": decision, "reason": reason, "back": "approvals"})


def _unchanged(payment: Payment) -> None:
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.AWAITING_APPROVAL
    assert payment.decided_by_id is None and payment.decided_at is None


# --- the list's own buttons ---------------------------------------------------------------------


def test_the_approvals_list_offers_approve_and_refuse_on_each_payment(
    staff: Staff, case: Case, programme: Programme
):
    waiting = pay(staff.logistics, case, programme, 90_000)
    decide = reverse("relocation:money_decide_payment", args=[case.id, waiting.id])

    body = _client(staff.manager).get(reverse(APPROVALS)).content.decode()

    assert f'action="{decide}"' in body
    assert 'name="decision" value="approve"' in body
    assert 'name="decision" value="refuse"' in body
    assert 'name="back" value="approvals"' in body
    assert "by logistics" in body  # who recorded it


def test_approving_from_the_list_approves_and_comes_back_to_the_list(
    staff: Staff, case: Case, programme: Programme
):
    waiting = pay(staff.logistics, case, programme, 90_000)

    response = _decide(_client(staff.manager), waiting, "approve")

    assert response.status_code == 302
    assert response["Location"] == reverse(APPROVALS)
    assert _messages(response) == ["Payment approved."]
    waiting.refresh_from_db()
    assert (waiting.status, waiting.decided_by_id) == (PaymentStatus.APPROVED, staff.manager.pk)
    assert waiting.id not in _client(staff.manager).get(reverse(APPROVALS)).content.decode()


def test_refusing_from_the_list_needs_a_reason(staff: Staff, case: Case, programme: Programme):
    waiting = pay(staff.logistics, case, programme, 90_000)
    client = _client(staff.manager)

    bare = _decide(client, waiting, "refuse")
    assert bare["Location"] == reverse(APPROVALS)
    assert _messages(bare) == ["A reason for refusing is required."]
    _unchanged(waiting)

    refused = _decide(client, waiting, "refuse", "Receipt missing")
    assert refused["Location"] == reverse(APPROVALS)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.decided_by_id) == (PaymentStatus.REFUSED, staff.manager.pk)


def test_the_list_offers_no_decision_on_your_own_payment_and_refuses_one(
    staff: Staff, case: Case, programme: Programme
):
    mine = pay(staff.manager, case, programme, 90_000)
    decide = reverse("relocation:money_decide_payment", args=[case.id, mine.id])
    client = _client(staff.manager)

    body = client.get(reverse(APPROVALS)).content.decode()
    assert mine.id in body and decide not in body
    assert "Yours: someone else decides." in body

    response = _decide(client, mine, "approve")
    assert _messages(response) == ["You recorded this payment: someone else must decide on it."]
    _unchanged(mine)


def test_one_whose_role_does_not_approve_is_refused_and_nothing_changes(
    staff: Staff, case: Case, programme: Programme
):
    waiting = pay(staff.manager, case, programme, 90_000)

    for member in (staff.logistics, staff.caseworker):  # both see the case
        response = _decide(_client(member), waiting, "approve")
        assert response.status_code == 302
        assert _messages(response) == ["Your role does not allow this on a case."]
        _unchanged(waiting)


def test_one_who_may_not_see_the_case_gets_its_404_and_nothing_changes(
    staff: Staff, case: Case, programme: Programme
):
    waiting = pay(staff.logistics, case, programme, 90_000)

    for outsider in (staff.other_manager, staff.other_caseworker, staff.admin):
        assert _decide(_client(outsider), waiting, "approve").status_code == 404
        assert _decide(_client(outsider), waiting, "refuse", "No").status_code == 404
        _unchanged(waiting)
    assert waiting.id not in _client(staff.other_manager).get(reverse(APPROVALS)).content.decode()


def test_a_second_manager_given_access_decides_from_the_list(
    staff: Staff, case: Case, programme: Programme
):
    waiting = pay(staff.manager, case, programme, 90_000)
    grant(staff, case, staff.other_manager)

    response = _decide(_client(staff.other_manager), waiting, "approve")

    assert response["Location"] == reverse(APPROVALS)
    waiting.refresh_from_db()
    assert waiting.decided_by_id == staff.other_manager.pk


# --- who recorded, who approved -----------------------------------------------------------------


def _money_section(client: Client, case: Case) -> str:
    body = client.get(reverse("relocation:case", args=[case.id])).content.decode()
    return body[body.index('id="money"') :]


def test_a_payment_under_the_threshold_reads_recorded_not_approved_by_its_recorder(
    staff: Staff, case: Case, programme: Programme
):
    pay(staff.logistics, case, programme, 100)

    section = _money_section(_client(staff.logistics), case)

    assert "Recorded by logistics." in section
    assert "Approved by logistics" not in section
    assert "no second person needed" in section


def test_a_decided_payment_names_who_recorded_and_who_approved(
    staff: Staff, case: Case, programme: Programme
):
    approved = pay(staff.logistics, case, programme, 90_000)
    refused = pay(staff.logistics, case, programme, 80_000)
    waiting = pay(staff.logistics, case, programme, 70_000)
    _decide(_client(staff.manager), approved, "approve")
    _decide(_client(staff.manager), refused, "refuse", "Receipt missing")

    section = _money_section(_client(staff.logistics), case)

    def row(payment: Payment) -> str:
        start = section.index(f'id="payment-{payment.id}"')
        return section[start : section.index("</tr>", start)]

    assert "Recorded by logistics." in row(approved) and "Approved by manager." in row(approved)
    assert "Refused by manager." in row(refused)
    assert "Not approved yet." in row(waiting) and "Approved by" not in row(waiting)


# --- the alerts page's "Waiting for approval" ---------------------------------------------------


def _waiting_section(client: Client) -> str:
    body = client.get(reverse("cases:alerts")).content.decode()
    if 'id="pending-heading"' not in body:
        return ""
    start = body.index('id="pending-heading"')
    return body[start : body.index("</section>", start)]


def test_the_alerts_page_lists_waiting_payments_for_who_may_approve_them(
    staff: Staff, case: Case, programme: Programme
):
    waiting = pay(staff.logistics, case, programme, 90_000)
    pay(staff.logistics, case, programme, 100)  # approved at once: not waiting

    section = _waiting_section(_client(staff.manager))

    assert "Payment of 900.00 EUR" in section
    assert f"{reverse(APPROVALS)}#waiting-{waiting.id}" in section
    assert case.id in section and "recorded by logistics" in section
    assert "Payment of 1.00 EUR" not in section
    assert "Hostel Fictional" not in section  # the payee is read on the case page only


def test_the_alerts_page_shows_no_payment_to_who_may_not_approve_or_see_it(
    staff: Staff, case: Case, programme: Programme
):
    pay(staff.logistics, case, programme, 90_000)

    for member in (staff.other_manager, staff.logistics, staff.caseworker, staff.admin):
        assert "Payment of 900.00 EUR" not in _waiting_section(_client(member))


def test_the_alerts_page_marks_your_own_waiting_payment(
    staff: Staff, case: Case, programme: Programme
):
    pay(staff.manager, case, programme, 90_000)

    section = _waiting_section(_client(staff.manager))

    assert "Payment of 900.00 EUR" in section
    assert "(yours: someone else must decide)" in section
