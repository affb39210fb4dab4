"""No staff cookie outlives the browser session, and forms are still protected against
cross-site posts (security review, December, finding 7).

Django's CSRF cookie lasts a year: on a seized laptop it showed that the site had been
used, long after the session ended. The token now lives in the session
(CSRF_USE_SESSIONS), whose cookie ends with the browser.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest
from django.test import Client
from django.urls import get_resolver

from tests.cases.test_authorisation_walk import fill, walk
from tests.factories import DEFAULT_TEST_PASSWORD, make_staff, totp_now
from waystation.accounts.roles import Role

pytestmark = pytest.mark.django_db


def lasting(response) -> list[str]:
    """Cookies the response sets with an expiry, other than those it deletes."""
    found = []
    for name, morsel in response.cookies.items():
        expires = morsel["expires"]
        deleted = str(morsel["max-age"]) == "0" or (
            expires and parsedate_to_datetime(expires) <= datetime.now(UTC)
        )
        if (str(morsel["max-age"]) != "" or expires) and not deleted:
            found.append(f"{name} (max-age {morsel['max-age']!r}, expires {expires!r})")
    return found


def token(response) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content)
    assert match, "the page has no form token"
    return match[1].decode()


def sign_in(client: Client, user) -> list:
    """The whole sign-in, through the forms, as a browser does it."""
    responses = [client.get("/accounts/login/")]
    responses.append(
        client.post(
            "/accounts/login/",
            {
                "username": user.username,
                "password": DEFAULT_TEST_PASSWORD,
                "csrfmiddlewaretoken": token(responses[0]),
            },
        )
    )
    assert responses[-1].status_code == 302
    responses.append(client.get("/accounts/login/code/"))
    responses.append(
        client.post(
            "/accounts/login/code/",
            {"code": totp_now(user), "csrfmiddlewaretoken": token(responses[-1])},
        )
    )
    assert responses[-1].status_code == 302
    return responses


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.CASEWORKER])
def test_no_staff_response_sets_a_cookie_that_outlives_the_browser(role):
    user = make_staff(role)
    client = Client(enforce_csrf_checks=True)
    responses = sign_in(client, user)
    for _name, route in walk(get_resolver().url_patterns):
        responses.append(client.get(fill(route, {})))
    responses.append(client.get("/static/waystation/staff.css"))
    responses.append(client.post("/accounts/logout/", {"csrfmiddlewaretoken": token(responses[2])}))

    set_cookies = [name for r in responses for name in r.cookies]
    assert "sessionid" in set_cookies, "the walk never saw the session cookie"
    assert "csrftoken" not in set_cookies
    assert [c for r in responses for c in lasting(r)] == []


def test_a_post_without_the_session_s_token_is_refused():
    user = make_staff(Role.CASEWORKER)
    client = Client(enforce_csrf_checks=True)
    sign_in(client, user)
    page = client.get("/accounts/me/")
    other = Client(enforce_csrf_checks=True)
    sign_in(other, make_staff(Role.CASEWORKER))
    theirs = token(other.get("/accounts/me/"))

    assert client.post("/accounts/me/end-other-sessions/", {}).status_code == 403
    # A token is good for its own session only.
    refused = client.post("/accounts/me/end-other-sessions/", {"csrfmiddlewaretoken": theirs})
    assert refused.status_code == 403
    accepted = client.post("/accounts/me/end-other-sessions/", {"csrfmiddlewaretoken": token(page)})
    assert accepted.status_code == 302
