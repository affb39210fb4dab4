"""The main flow in a real browser, through the real pages of a live server: a screener
opens a case from a web request, the caseworker records a partner's reference and
completes verification, cannot approve it themselves, and a programme manager approves;
the case moves to planning. Works without JavaScript (none is loaded)."""

from __future__ import annotations

import pytest

from tests.browser import chromium
from tests.factories import DEFAULT_TEST_PASSWORD, make_staff, totp_now
from waystation.accounts.roles import Role
from waystation.cases.models import Case, Stage, StageChange
from waystation.cases.services import access
from waystation.intake import public_services as intake
from waystation.intake import screening

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


def sign_in(browser, live_server, user):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", DEFAULT_TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.fill("input[name=code]", totp_now(user))
    page.click("main button[type=submit]")
    assert page.url.rstrip("/") == live_server.url
    return page, requested


def test_screener_to_caseworker_to_manager(browser, live_server):
    screener = make_staff(Role.SCREENER, "screener.b")
    caseworker = make_staff(Role.CASEWORKER, "caseworker.b")
    manager = make_staff(Role.PROGRAMME_MANAGER, "manager.b")
    team = access.create_team(actor_id=None, name="Caucasus", supervisor_id=manager.pk)
    screening.ensure_intake_key(actor_id=None)
    receipt = intake.submit_request(
        new=intake.NewRequest(
            urgency=2,
            language="ru",
            country="RU",
            story="They read my phone at the checkpoint. <b>Please</b> help.",
            contact_channel="signal",
            contact_handle="+7 912 345 67 89",
        )
    )

    # 1. The screener opens a case from the request and hands it to the team.
    page, requested = sign_in(browser, live_server, screener)
    page.goto(f"{live_server.url}/cases/from-request/{receipt.request_id}/")
    page.get_by_label("Team").select_option(label="Caucasus")
    page.get_by_label("caseworker.b").check()
    page.get_by_label("Name (if the applicant gave one)").fill("Ruslan Browser")
    page.get_by_role("button", name="Open the case").click()
    assert "opened and handed to the team Caucasus (its supervisor manager.b)" in page.content()
    case = Case.objects.get(source_request_id=receipt.request_id)
    assert case.team_id == team.pk

    # 2. The caseworker verifies: a partner's reference, the checklist, the request.
    page, requested_cw = sign_in(browser, live_server, caseworker)
    page.get_by_role("link", name="My cases").first.click()
    page.get_by_role("link", name=case.id).click()
    assert "They read my phone at the checkpoint. <b>Please</b> help." in page.inner_text(
        "#details"
    )
    page.get_by_label("Move to").select_option(label="Verification")
    page.get_by_role("button", name="Move").click()
    assert page.inner_text("#case-stage") == "Verification"
    page.locator("#verification summary", has_text="Record a partner's reference").click()
    page.get_by_label("Partner organisation").fill("Partner Network")
    page.get_by_label("What they said").fill("Known to our shelter since 2019.")
    page.get_by_role("button", name="Record the reference").click()
    for label in (
        "Identity document seen",
        "Interview held",
        "Partner reference received",
        "Story consistent",
    ):
        page.get_by_label(label).check()
    page.get_by_role("button", name="Save checklist").click()
    assert "Checklist saved." in page.content()
    page.get_by_label("Move to").select_option(label="Planning")
    page.get_by_role("button", name="Move").click()
    assert "Asked for approval" in page.content()
    # The caseworker cannot approve their own verification: no button, and a forged
    # post is refused by the service.
    assert page.get_by_role("button", name="Approve").count() == 0
    assert "Someone else must approve it." in page.content()
    approval = case.approvals.get(status="pending")
    page.goto(f"{live_server.url}/cases/{case.id}/")
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    forged = page.request.post(
        f"{live_server.url}/cases/{case.id}/approvals/{approval.id}/",
        form={"decision": "approve", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{live_server.url}/cases/{case.id}/"},
    )
    assert forged.ok
    case.refresh_from_db()
    assert case.stage == Stage.VERIFICATION

    # 3. The programme manager (the team's supervisor) approves from the alerts page.
    page, requested_pm = sign_in(browser, live_server, manager)
    page.get_by_role("link", name="Alerts").first.click()
    assert "Approval requested" in page.content()
    page.get_by_role("link", name=f"case {case.id}").first.click()
    page.get_by_role("button", name="Approve").click()
    assert page.inner_text("#case-stage") == "Planning"

    case.refresh_from_db()
    assert case.stage == Stage.PLANNING
    change = StageChange.objects.get(case=case, to_stage=Stage.PLANNING)
    assert change.approval.requested_by_id == caseworker.pk
    assert change.approval.decided_by_id == manager.pk
    for urls in (requested, requested_cw, requested_pm):
        assert all(url.startswith(live_server.url) for url in urls), urls
