"""The home page in a real browser, JavaScript off: a caseworker with work waiting signs
in, lands on it, follows a count to the page that lists them; screenshots at 1280 and
360 px wide, and no sideways scroll at either."""

from __future__ import annotations

import pytest

from tests.browser import capture_in_each_staff_language, chromium
from tests.cases.test_browser_flow import sign_in
from tests.home.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


def test_caseworker_home_page_at_desktop_and_phone_widths(browser, live_server, world: World):
    page, requested = sign_in(browser, live_server, world.staff.caseworker)
    assert page.get_by_role("heading", name="What needs you now").is_visible()
    assert page.inner_text("#home-alerts").startswith("1 open alert on your cases")
    assert page.inner_text("#home-overdue").startswith("1 check-in overdue")
    capture_in_each_staff_language(page, world.staff.caseworker, "home-caseworker")
    page.get_by_role("link", name="1 check-in overdue").click()
    assert page.url.endswith("/cases/alerts/#overdue-heading")
    assert world.visible.id in page.content()
    # Nothing but the site itself was asked for: no script, no font, no other origin.
    assert all(url.startswith(live_server.url) for url in requested)
