"""The docs page in a real browser (Debian's chromium, JavaScript on): Swagger UI renders
the API's operations under the staff side's Content-Security-Policy, the browser reports
no violation, and every request goes to this server."""

from __future__ import annotations

import pytest

from tests.browser import chromium
from tests.factories import DEFAULT_TEST_PASSWORD, make_staff, totp_now
from waystation.accounts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_with_nothing_inline_and_nothing_from_elsewhere(live_server):
    user = make_staff(Role.CASEWORKER, "docs.reader")
    with chromium() as browser:
        page = browser.new_page()
        requested: list[str] = []
        complaints: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.on("console", lambda message: complaints.append(message.text))
        page.on("pageerror", lambda error: complaints.append(str(error)))
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", DEFAULT_TEST_PASSWORD)
        page.click("main button[type=submit]")
        page.fill("input[name=code]", totp_now(user))
        page.click("main button[type=submit]")
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".opblock", timeout=15_000)
        operations = page.locator(".opblock").count()
        title = page.locator(".info .title").first.inner_text()
    assert operations >= 12
    assert "Waystation API" in title
    violations = [c for c in complaints if "Content Security Policy" in c or "Refused" in c]
    assert violations == []
    elsewhere = [u for u in requested if not u.startswith((live_server.url, "data:"))]
    assert elsewhere == []
