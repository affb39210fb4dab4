"""A member of staff signs in through the real pages in a real browser: password, then
the code from their authenticator app, then a form post (seal now, after its question)
that needs CSRF."""

from __future__ import annotations

import pytest

from tests.browser import chromium
from tests.factories import DEFAULT_TEST_PASSWORD, make_staff, totp_now
from waystation.accounts.roles import Role
from waystation.vault import runtime

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


def test_staff_sign_in_with_password_and_code_then_post_a_form(browser, live_server):
    user = make_staff(role=Role.PROGRAMME_MANAGER, username="pm.browser")
    page = browser.new_context().new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "pm.browser")
    page.fill("input[name=password]", DEFAULT_TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.fill("input[name=code]", totp_now(user))
    page.click("main button[type=submit]")

    assert page.url.rstrip("/") == live_server.url
    assert page.get_by_text("Demo key — not for real data").is_visible()

    page.get_by_role("link", name="Seal now…").click()
    assert runtime.is_unsealed()  # one tap only asks
    page.get_by_role("button", name="Yes, seal Waystation now").click()

    assert "Waystation is sealed" in page.content()
    assert not runtime.is_unsealed()
    assert all(url.startswith(live_server.url) for url in requested), requested
