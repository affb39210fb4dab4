"""Relocation in a real browser, through the real pages of a live server, JavaScript off:
the logistics coordinator plans a journey of two legs and a safe-house stay; the person
goes silent on the first leg and the missed check-in reaches the coordinator's alerts;
a payment above the threshold waits, its creator cannot approve it, another programme
manager does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser import chromium
from tests.cases.test_browser_flow import sign_in
from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.cases.models import Alert, AlertKind, Stage
from waystation.cases.services import access as case_access
from waystation.cases.services import alerts as case_alerts
from waystation.cases.services import check_ins as case_check_ins
from waystation.cases.services import opening as case_opening
from waystation.relocation.models import Leg, Payment, PaymentStatus, Placement, RelocationPlan
from waystation.relocation.services import houses, money

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WHEN = "%Y-%m-%dT%H:%M"


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


def unfold(page, summary: str) -> None:
    """Open a <details> by its summary (no JavaScript needed: the browser does it)."""
    details = page.locator("details", has=page.locator("summary", has_text=summary)).first
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()


def form_of(page, action_suffix: str):
    return page.locator(f"form[action$='{action_suffix}']")


def test_plan_two_legs_a_stay_a_missed_check_in_and_an_approved_payment(browser, live_server):
    logistics = make_staff(Role.LOGISTICS, "logistics.b")
    manager = make_staff(Role.PROGRAMME_MANAGER, "manager.b")
    second_manager = make_staff(Role.PROGRAMME_MANAGER, "manager2.b")
    team = case_access.create_team(actor_id=None, name="Caucasus", supervisor_id=manager.pk)
    case = case_opening.open_case_manually(
        actor_id=None,
        intake=case_opening.ManualIntake(
            full_name="Islam Browsertest",
            phone="+7 912 000 55 66",
            narrative="An invented story for the browser test.",
            urgency=1,
            channel="phone",
        ),
        team_id=team.pk,
        assignee_ids=[logistics.pk, second_manager.pk],
    )
    type(case).objects.filter(pk=case.pk).update(stage=Stage.PLANNING)
    house = houses.add_house(
        user=logistics,
        details=houses.HouseDetails(
            label="House North", country="GE", beds=2, address="1 Invented Lane"
        ),
    )
    programme = money.create_programme(user=manager, name="Evacuations", threshold_minor=500_00)
    now = timezone.localtime().replace(second=0, microsecond=0)

    # 1. The coordinator opens the case's relocation page from the case page.
    page, requested = sign_in(browser, live_server, logistics)
    page.goto(f"{live_server.url}/cases/{case.id}/")
    page.get_by_role("link", name="Relocation").first.click()
    assert page.url.endswith(f"/relocation/travel/case/{case.id}/")

    # 2. The plan.
    unfold(page, "Make the plan")
    plan = form_of(page, "/plan/")
    plan.get_by_label("Pathway").select_option(label="Humanitarian visa")
    plan.get_by_label("Destination country").fill("DE")
    plan.get_by_role("button", name="Save the plan").click()
    assert RelocationPlan.objects.get(case=case).destination_country == "DE"

    # 3. Two legs: a bus that should have arrived an hour ago, then a flight.
    legs = [
        ("Bus", now - timedelta(hours=8), now - timedelta(hours=1), "RU", "GE"),
        ("Plane", now + timedelta(days=3), now + timedelta(days=3, hours=5), "GE", "DE"),
    ]
    for mode, leaves, arrives, origin, destination in legs:
        unfold(page, "Add a leg")
        leg = form_of(page, "/legs/")
        leg.get_by_label("How they travel").select_option(label=mode)
        leg.get_by_label("From country").fill(origin)
        leg.get_by_label("To country").fill(destination)
        leg.get_by_label("Planned departure").fill(leaves.strftime(WHEN))
        leg.get_by_label("Planned arrival").fill(arrives.strftime(WHEN))
        leg.get_by_label("Time zone of these times").fill(timezone.get_current_timezone_name())
        leg.get_by_role("button", name="Add the leg").click()
        assert "error" not in (page.locator(".messages").inner_text() or "").lower()
    assert Leg.objects.filter(case=case).count() == 2

    # A leg that arrives before it leaves is refused with a clear message.
    unfold(page, "Add a leg")
    leg = form_of(page, "/legs/")
    leg.get_by_label("How they travel").select_option(label="Train")
    leg.get_by_label("Planned departure").fill((now + timedelta(days=9)).strftime(WHEN))
    leg.get_by_label("Planned arrival").fill((now + timedelta(days=8)).strftime(WHEN))
    leg.get_by_role("button", name="Add the leg").click()
    assert "arrive" in page.locator(".messages").inner_text().lower()
    assert Leg.objects.filter(case=case).count() == 2

    # 4. A safe-house stay between the legs.
    unfold(page, "Book a stay")
    stay = form_of(page, "/stays/")
    stay.get_by_label("Safe house").select_option(label="House North")
    stay.get_by_label("Arrives on").fill(now.date().isoformat())
    stay.get_by_label("Leaves on").fill((now + timedelta(days=3)).date().isoformat())
    stay.get_by_role("button", name="Book the stay").click()
    assert Placement.objects.filter(case=case, house=house).count() == 1

    # 5. The person sets off on the bus, and goes silent. (The workflow lets a case go
    # in transit only with a check-in schedule; the caseworker set one up.)
    case_check_ins.set_check_in_schedule(user=logistics, case_id=case.id, every_hours=12)
    page.locator("#legs").get_by_role("button", name="Record the departure").first.click()
    assert Leg.objects.get(case=case, position=1).status == "under_way"
    assert page.inner_text("#case-stage") == "In transit"
    case_alerts.check_overdue(now=timezone.now())  # what the minute timer runs
    page.get_by_role("link", name="Alerts").first.click()
    assert "Not arrived or checked in by a leg's planned arrival" in page.inner_text("main")
    assert Alert.objects.filter(
        recipient=logistics, kind=AlertKind.LEG_OVERDUE, resolved_at__isnull=True
    ).exists()

    # 6. The team's programme manager pays for the visa: above the threshold, it waits,
    # and its creator is not offered the approval.
    page, requested_manager = sign_in(browser, live_server, manager)
    page.goto(f"{live_server.url}/relocation/travel/case/{case.id}/")
    unfold(page, "Record a payment")
    pay = form_of(page, "/payments/")
    pay.get_by_label("Programme").select_option(label="Evacuations")
    pay.get_by_label("Budget category").select_option(label="Visas and departure")
    pay.get_by_label("Currency").select_option(value="EUR")
    pay.get_by_label("Amount").fill("750,00")
    pay.get_by_label("Paid on").fill(now.date().isoformat())
    pay.get_by_label("Paid to").fill("Invented Visa Agency")
    pay.get_by_role("button", name="Record the payment").click()
    payment = Payment.objects.get(case=case)
    assert payment.status == PaymentStatus.AWAITING_APPROVAL
    assert payment.programme_id == programme.pk
    row = page.locator(f"#payment-{payment.id}")
    assert "Waiting for approval" in row.inner_text()
    assert row.get_by_role("button", name="Approve").count() == 0
    # Even a hand-made approval from the creator is refused.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    response = page.request.post(
        f"{live_server.url}/relocation/money/cases/{case.id}/payments/{payment.id}/decide/",
        form={"csrfmiddlewaretoken": token, "decision": "approve"},
        headers={"Referer": page.url, "Origin": live_server.url},
    )
    assert response.status < 500
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.AWAITING_APPROVAL

    # 7. Another programme manager, assigned to the case, approves from the alert.
    page, requested_second = sign_in(browser, live_server, second_manager)
    page.get_by_role("link", name="Payments").first.click()
    assert case.id in page.inner_text("main")
    page.goto(f"{live_server.url}/relocation/travel/case/{case.id}/")
    page.locator(f"#payment-{payment.id}").get_by_role("button", name="Approve").click()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.APPROVED
    assert payment.decided_by_id == second_manager.pk

    # Nothing was loaded from anywhere but the live server.
    for url in [*requested, *requested_manager, *requested_second]:
        assert url.startswith(live_server.url), url
