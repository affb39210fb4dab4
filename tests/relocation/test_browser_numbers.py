"""The numbers page in a real browser, JavaScript off, at a desktop's and a phone's width
(issue 15): a year of weekly rows folds into a closed <details> that opens without
JavaScript, small groups draw as markers, and nothing scrolls sideways at 360 px.
Screenshots: ``var/screenshots/numbers-{1280,360}.png``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser import capture_in_each_staff_language, chromium
from tests.cases.test_browser_flow import sign_in
from tests.factories import make_staff
from tests.relocation.test_numbers_data import close, make_case
from waystation.accounts.roles import Role
from waystation.cases.services import access as case_access
from waystation.web.figures.tables import RECENT_ROWS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


def test_the_numbers_page_folds_long_tables_and_fits_a_phone(browser, live_server):
    manager = make_staff(Role.PROGRAMME_MANAGER, "manager.n")
    team = case_access.create_team(actor_id=None, name="Numbers", supervisor_id=manager.pk)
    today = timezone.localdate()
    for weeks_ago in (2, 2, 3, 30):  # a few people: small groups, hidden as "< 5"
        case = make_case(team, opened=today - dt.timedelta(weeks=weeks_ago + 4))
        close(case, today - dt.timedelta(weeks=weeks_ago))

    page, requested = sign_in(browser, live_server, manager)
    page.goto(f"{live_server.url}/relocation/numbers/")
    capture_in_each_staff_language(page, manager, "numbers")

    requests = page.locator("section#requests")
    folded = requests.locator("details.earlier-rows")
    assert folded.count() == 1 and folded.get_attribute("open") is None
    open_rows = page.locator("section#requests > div.table-scroll tbody tr")
    assert open_rows.count() == RECENT_ROWS
    assert not folded.locator("tbody tr").first.is_visible()
    folded.locator("summary").click()  # the browser opens it: no script on the page
    assert folded.locator("tbody tr").first.is_visible()
    assert "Nothing in this period" in page.locator("section#spend").inner_text()
    assert all(url.startswith(live_server.url) for url in requested)
