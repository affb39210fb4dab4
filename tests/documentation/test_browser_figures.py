"""The figures page in a real browser, JavaScript off: a documentation officer opens it,
sees the counts and the chart, ticks three seeded lists with confirmed matches, and
reads the estimate with its interval, the warnings and the assumptions. Nothing is
fetched from elsewhere. Screenshots: ``var/screenshots/documentation-figures-*.png``."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from tests.browser import capture_in_each_staff_language, chromium
from tests.cases.test_browser_flow import sign_in
from tests.documentation import seeding
from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.documentation.models import Level

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HISTORIES = {(1, 0, 0): 30, (0, 1, 0): 22, (0, 0, 1): 18, (1, 1, 0): 12, (1, 0, 1): 9,
             (0, 1, 1): 7, (1, 1, 1): 5}  # fmt: skip


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


def test_an_officer_sees_the_figures_and_the_estimate_with_its_interval(browser, live_server):
    officer = make_staff(Role.DOCUMENTATION, "officer.browser")
    today = timezone.localdate()
    seeding.events(12, on=today, level=Level.CORROBORATED)
    seeding.events(2, on=today, level=Level.SINGLE_SOURCE)
    seeding.overlapping_lists(["Hotline", "Partner A", "Press"], HISTORIES)

    page, requested = sign_in(browser, live_server, officer)
    page.goto(f"{live_server.url}/documentation/figures/")
    summary = page.locator("section#summary").inner_text()
    assert "At least 14 detentions" in summary
    assert page.locator("section#acts_by_month svg[role=img]").count() == 1
    assert page.locator("td.suppressed").count() >= 2

    for name in ("Hotline", "Partner A", "Press"):
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Estimate").click()  # a plain GET form: no script

    result = page.locator("#estimate-result")
    assert "From the lists Hotline, Partner A, Press" in result.inner_text()
    observed = result.locator("dd").first.inner_text()
    assert observed == "103"
    estimate = int(result.locator("#estimate-number").inner_text().replace(",", ""))
    interval = result.locator("#estimate-interval").inner_text()
    low, high = (int(n.replace(",", "")) for n in re.findall(r"[\d,]+", interval))
    assert 103 <= low <= estimate <= high
    assert "95%" in result.inner_text()
    assert "main effects" in result.inner_text()
    assert "one closed group of people" in page.locator("section#estimate").inner_text()
    capture_in_each_staff_language(page, officer, "documentation-figures")
    assert all(url.startswith(live_server.url) for url in requested)
