"""The demo's real servers against headers a client should not be able to speak with
a proxy's voice, and against malformed requests (security review, December: findings
1 and 5).

``waystation demo serve`` runs here as a tester runs it: key agent, staff gunicorn,
public gunicorn. Over raw sockets, a staff session that gave its password but no code,
one ended by "sign out everywhere", and one on a sealed server each send every
forwarding header (``SCRIPT_NAME: /static`` made any page pass for a static file): no
answer is a 200, none carries case data, and no note is stored. Malformed requests to
both servers leave no client address in anything they print.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie

import pytest

from tests.web.demo_server import Browser, DemoServer, Response, demo_serve, parse, raw_request
from tests.web.forwarded import CLIENT, PREFIX, raw_headers
from tests.web.malformed import MALFORMED
from waystation.demo.people import DEMO_APPLICANTS

pytestmark = [pytest.mark.slow, pytest.mark.own_sqlite]

# What a staff page about the demo's invented people shows: their names and numbers,
# and the "(Demo)" every story, address, payee and escort begins with.
CASE_CONTENT = [
    "(Demo)",
    *(p.full_name for p in DEMO_APPLICANTS),
    *(p.phone for p in DEMO_APPLICANTS),
    "00 0000000",  # the demo passport
]


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoServer]:
    with demo_serve() as server:
        yield server


def staff_paths(demo: DemoServer) -> list[str]:
    case_ids = [row[0] for row in demo.query("SELECT id FROM cases_case")]
    house_ids = [row[0] for row in demo.query("SELECT id FROM relocation_safehouse")]
    assert len(case_ids) == len(DEMO_APPLICANTS) and house_ids
    return [
        "/",
        "/cases/",
        *(f"/cases/{case_id}/" for case_id in case_ids),
        *(f"/relocation/travel/case/{case_id}/" for case_id in case_ids),
        f"/relocation/houses/{house_ids[0]}/",
        "/relocation/money/approvals/",
        "/intake/",
    ]


def case_content(response: Response) -> list[str]:
    text = response.text
    return [marker for marker in CASE_CONTENT if marker in text]


def forged(browser: Browser, path_info: str) -> Iterator[tuple[str, Response]]:
    """The page with every forwarding header at once (first: for a session that the
    first answer ends, this is the one that counts), then with each one alone; each
    to the path with and without the prefix those headers claim."""
    every = raw_headers(path_info)
    for headers in [every, *([h] for h in every)]:
        for path in (PREFIX + path_info, path_info):
            names = ", ".join(name for name, _ in headers)
            yield f"GET {path} with {names}", browser.request("GET", path, headers=headers)


def refusals(browser: Browser, paths: list[str]) -> list[str]:
    failures = []
    for path_info in paths:
        for what, response in forged(browser, path_info):
            if response.status == 200 or case_content(response):
                failures.append(f"{what}: {response.status}, shows {case_content(response)}")
    return failures


def test_a_password_without_the_code_opens_nothing_whatever_the_headers(demo):
    browser = demo.browser()
    browser.sign_in_with_password("caseworker", demo.passwords["caseworker"])
    browser.request("GET", "/accounts/login/code/")  # the code page: its form's CSRF token
    paths = staff_paths(demo)

    assert refusals(browser, paths) == []

    notes = demo.query("SELECT count(*) FROM cases_note")
    case_id = paths[2].split("/")[2]
    for headers in (raw_headers(f"/cases/{case_id}/notes/"), [("SCRIPT_NAME", PREFIX)]):
        response = browser.request(
            "POST",
            f"{PREFIX}/cases/{case_id}/notes/",
            headers=headers,
            form={"text": "stored through a forged header"},
        )
        assert response.status != 200
    assert demo.query("SELECT count(*) FROM cases_note") == notes
    # Still only half signed in: the code page, not a case.
    home = browser.request("GET", "/")
    assert home.status == 302 and "/accounts/login/code/" in (home.header("Location") or "")


def test_an_ended_session_stays_ended_whatever_the_headers(demo):
    browser = demo.browser()
    browser.sign_in_with_password("logistics", demo.passwords["logistics"])
    browser.give_code(demo.secrets["logistics"])
    assert browser.request("GET", "/cases/").status == 200
    ended = demo.waystation("staff", "end-sessions", "logistics")
    assert ended.returncode == 0, ended.stderr

    assert refusals(browser, staff_paths(demo)) == []


def lasting_cookies(set_cookie_headers: list[str]) -> list[str]:
    """Set-Cookie headers that would outlive the browser session: an Expires or Max-Age
    that does not delete the cookie."""
    lasting = []
    for header in set_cookie_headers:
        for morsel in SimpleCookie(header).values():
            deleting = morsel["max-age"] == "0" or "1970" in morsel["expires"]
            if (morsel["max-age"] or morsel["expires"]) and not deleting:
                lasting.append(header)
    return lasting


def test_no_cookie_outlives_the_browser_and_the_public_side_sets_none(demo):
    """Finding 7: a one-year csrftoken cookie on a seized laptop showed the site was used."""
    browser = demo.browser()
    browser.sign_in_with_password("manager", demo.passwords["manager"])
    browser.give_code(demo.secrets["manager"])
    for path in staff_paths(demo):
        browser.request("GET", path)
    browser.request("GET", "/accounts/me/")
    assert browser.request("POST", "/accounts/logout/", form={}).status == 302

    assert browser.set_cookie_headers, "no cookie was set at all: the session is missing"
    assert lasting_cookies(browser.set_cookie_headers) == []
    assert not [h for h in browser.set_cookie_headers if h.startswith("csrftoken")]
    public = Browser(demo.public_port)
    for path in ("/en/", "/en/mailbox/", "/ru/", "/no-such-page/"):
        public.request("GET", path)
    public.request("POST", "/en/mailbox/", form={"codename": "wrong words here"})
    assert public.set_cookie_headers == []


def test_a_sealed_server_shows_nothing_whatever_the_headers(demo):
    browser = demo.browser()
    browser.sign_in_with_password("caseworker", demo.passwords["caseworker"])
    browser.give_code(demo.secrets["caseworker"])
    paths = staff_paths(demo)
    # Positive control: unsealed, this session sees a case, so the markers are right.
    assert case_content(browser.request("GET", paths[3]))
    sealed = demo.waystation("seal")
    assert sealed.returncode == 0, sealed.stderr + sealed.stdout

    assert refusals(browser, paths) == []
    assert browser.request("GET", paths[3]).status == 503


# --- finding 5: no client address in the servers' output ---------------------------------


def test_malformed_requests_leave_no_client_address_in_any_output(demo):
    for port in (demo.staff_port, demo.public_port):
        refused = [parse(raw_request(port, data)).status for data in MALFORMED]
        assert sum(status >= 400 for status in refused) >= 12, refused
        # And well-formed, with an address in each header that may carry one.
        headers = "".join(f"{name}: {value}\r\n" for name, value in raw_headers("/"))
        raw_request(port, f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode())
    time.sleep(1.0)  # let the workers' last lines reach the output
    output = demo.stop()

    # The output names where the servers listen (127.0.0.1:<port>), never who called.
    said = re.sub(r"127\.0\.0\.1:\d+", "<bind>", output)
    assert said.count("<bind>") >= 2, "the servers' output was not captured"
    assert "Staff side" in said
    assert CLIENT not in said and "198.51.100.7" not in said
    assert "127.0.0.1" not in said, [line for line in said.splitlines() if "127.0.0.1" in line]
    assert not re.search(r"\bip=|::1\b", said), said
