"""A member of staff adds a security key in the real page and signs in with it, in a
real browser: Chromium's virtual authenticator (over the DevTools protocol) stands in
for the key. http://localhost is a secure context, which WebAuthn needs, and is the
relying party id the tests run with."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import chromium
from tests.factories import DEFAULT_TEST_PASSWORD, make_staff, totp_now
from waystation.accounts.models import SecurityKeyDevice
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


def test_add_a_security_key_then_sign_in_with_it(browser, live_server):
    assert live_server.url.startswith("http://localhost:")
    user = make_staff(role=Role.CASEWORKER, username="key.browser")
    context = browser.new_context()
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": False,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )["authenticatorId"]

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "key.browser")
    page.fill("input[name=password]", DEFAULT_TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.fill("input[name=code]", totp_now(user))
    page.click("main button[type=submit]")
    assert page.url.rstrip("/") == live_server.url

    # Adding a key asks for the password and a code again first.
    page.goto(f"{live_server.url}/accounts/me/security-keys/add/")
    assert "/accounts/reauthenticate/" in page.url
    page.fill("input[name=password]", DEFAULT_TEST_PASSWORD)
    page.fill("input[name=code]", totp_now(user))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/me/security-keys/add/")
    # The script hides the no-JavaScript note once it has run; wait for it, since the
    # click returns when the new page is committed, before its deferred script runs.
    expect(page.get_by_text("needs JavaScript")).to_be_hidden()
    page.fill("input[name=label]", "Grey key")
    page.get_by_role("button", name="Add the key").click()
    page.wait_for_url(f"{live_server.url}/accounts/me/")
    expect(page.get_by_text("Security key added")).to_be_visible()
    expect(page.get_by_role("cell", name="Grey key")).to_be_visible()
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(stored["credentials"]) == 1

    page.get_by_role("button", name="Sign out", exact=True).click()
    page.fill("input[name=username]", "key.browser")
    page.fill("input[name=password]", DEFAULT_TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.get_by_role("button", name="Use my security key").click()
    page.wait_for_url(f"{live_server.url}/")

    expect(page.get_by_text("Demo key — not for real data")).to_be_visible()
    assert SecurityKeyDevice.objects.get(user=user).last_used_at is not None
    assert AuditEntry.objects.filter(action="accounts.login_succeeded").count() == 2
    assert all(url.startswith(live_server.url) for url in requested), requested
