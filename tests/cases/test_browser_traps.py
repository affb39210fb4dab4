"""The traps of issue #15, in a real browser with JavaScript off: one tap on "Seal now"
does not seal and the control is nowhere near "Sign out"; a story of 3,000 characters
without a space does not push the triage queue or the case page sideways; the case page,
summary first, fits a phone. Screenshots at 1280 and 360 px go to var/screenshots."""

from __future__ import annotations

import pytest

from tests.browser import capture_at_widths, capture_in_each_staff_language, chromium
from tests.cases.test_browser_flow import sign_in
from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.cases.models import Channel, Urgency
from waystation.cases.services import access, check_ins, daily_work, opening
from waystation.intake import public_services as intake
from waystation.intake import screening
from waystation.vault import runtime

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNSPACED = "Помогите" * 375  # 3,000 characters and not one space


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


def _box(page, selector):
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


def test_one_tap_on_seal_now_only_asks_and_it_is_away_from_sign_out(browser, live_server):
    manager = make_staff(Role.PROGRAMME_MANAGER, "manager.seal")
    page, _ = sign_in(browser, live_server, manager)
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_server.url}/")
        seal = _box(page, "a.seal-link")
        sign_out = _box(page, "header button:has-text('Sign out')")
        # Not side by side: far apart, whichever way the header wraps.
        gap_x = max(
            sign_out["x"] - (seal["x"] + seal["width"]),
            seal["x"] - (sign_out["x"] + sign_out["width"]),
        )
        gap_y = max(
            sign_out["y"] - (seal["y"] + seal["height"]),
            seal["y"] - (sign_out["y"] + sign_out["height"]),
        )
        assert max(gap_x, gap_y) >= 48, f"Seal now is next to Sign out at {width}px"

    page.get_by_role("link", name="Seal now…").click()
    assert runtime.is_unsealed()
    assert not AuditEntry.objects.filter(action="vault.seal_now").exists()
    assert "until the trustees meet and unseal" in page.inner_text("main")
    capture_at_widths(page, "seal-confirm")
    page.get_by_role("button", name="Yes, seal Waystation now").click()
    assert "Waystation is sealed" in page.content()
    assert not runtime.is_unsealed()


def test_an_unspaced_story_does_not_scroll_the_queue_or_the_case_page_sideways(
    browser, live_server
):
    manager = make_staff(Role.PROGRAMME_MANAGER, "manager.wide")
    caseworker = make_staff(Role.CASEWORKER, "caseworker.wide")
    team = access.create_team(actor_id=None, name="Wide", supervisor_id=manager.pk)
    screening.ensure_intake_key(actor_id=None)
    intake.submit_request(
        new=intake.NewRequest(urgency=1, language="ru", country="RU", story=UNSPACED)
    )
    case = opening.open_case_manually(
        actor_id=None,
        intake=opening.ManualIntake(
            full_name="Long " + UNSPACED[:200],
            phone="",
            narrative=UNSPACED,
            urgency=Urgency.NOW,
            channel=Channel.PHONE,
            city=UNSPACED[:150],
        ),
        team_id=team.pk,
        assignee_ids=[caseworker.pk],
    )
    daily_work.add_note(user=caseworker, case_id=case.id, text=UNSPACED)
    daily_work.add_task(user=caseworker, case_id=case.id, title=UNSPACED[:300])

    page, _ = sign_in(browser, live_server, manager)
    page.goto(f"{live_server.url}/intake/")
    assert UNSPACED[:40] in page.inner_text("table")
    capture_at_widths(page, "triage-queue-unspaced")
    page.goto(f"{live_server.url}/cases/")
    capture_at_widths(page, "case-queue-unspaced")
    page.goto(f"{live_server.url}/cases/{case.id}/")
    assert UNSPACED in page.inner_text("#details")
    capture_at_widths(page, "case-page-unspaced")


def test_the_case_page_summary_first_fits_both_widths(browser, live_server):
    manager = make_staff(Role.PROGRAMME_MANAGER, "manager.page")
    caseworker = make_staff(Role.CASEWORKER, "caseworker.page")
    team = access.create_team(actor_id=None, name="Caucasus", supervisor_id=manager.pk)
    case = opening.open_case_manually(
        actor_id=None,
        intake=opening.ManualIntake(
            full_name="Ruslan Example",
            phone="+7 912 000 00 07",
            narrative="Called the hotline from a friend's phone. Needs to leave this week.",
            urgency=Urgency.NOW,
            channel=Channel.PHONE,
            city="Grozny",
            country="RU",
        ),
        team_id=team.pk,
        assignee_ids=[caseworker.pk],
    )
    check_ins.set_check_in_schedule(user=caseworker, case_id=case.id, every_hours=12)
    daily_work.add_note(user=caseworker, case_id=case.id, text="Spoke to her at 9.")
    daily_work.add_task(user=caseworker, case_id=case.id, title="Call the partner shelter")

    page, _ = sign_in(browser, live_server, caseworker)
    page.goto(f"{live_server.url}/cases/{case.id}/")
    summary = page.inner_text("section.summary")
    for words in ("In danger now", "Check-in due", "caseworker.page", "team Caucasus"):
        assert words in summary, words
    # Adding something is one tap away, and folded until then (no JavaScript).
    assert not page.locator("#timeline form[action$='/notes/']").is_visible()
    page.locator("#timeline summary", has_text="Add a note").click()
    assert page.locator("#timeline form[action$='/notes/']").is_visible()
    timeline = page.inner_text("#timeline ol.timeline")
    assert "Note" in timeline and "Task added" in timeline
    for code in ("· note", "· task", "task_done", "message_in", "help_now", "check_in"):
        assert code not in timeline
    capture_in_each_staff_language(page, caseworker, "case-page")
