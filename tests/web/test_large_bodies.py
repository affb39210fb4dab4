"""A staff form sent with far too much text gets a page that says so, not a reset
connection (finding 9 of the December review); moderately long text still gets the
form's own error.

Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE without reading it; gunicorn then
closed the connection on the unread bytes and the browser saw "connection reset".
waystation.web.request_body reads what is left before the answer goes out."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.test import Client

from tests.factories import login_verified, make_staff
from tests.web.staff_server import Session, staff_server
from waystation.accounts.roles import Role
from waystation.cases.models import Team
from waystation.web.request_body import DRAIN_LIMIT, DrainRequestBody

# A million characters of Cyrillic: two bytes each, six once form-encoded.
A_MILLION_CYRILLIC = "ж" * 1_000_000


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """Signed in once: a TOTP code is accepted once per 30 seconds."""
    with staff_server(tmp_path_factory.mktemp("staff")) as server:
        server.make_staff("pm.large", Role.PROGRAMME_MANAGER)
        session = server.session()
        session.sign_in("pm.large")
        yield session


@pytest.mark.slow
@pytest.mark.own_sqlite
def test_a_megabyte_of_text_gets_the_too_large_page_from_the_real_server(browser):
    browser.get("/cases/teams/")

    answer = browser.post("/cases/teams/", {"name": A_MILLION_CYRILLIC})

    assert answer.status == 400
    assert "Too large" in answer.page and "Nothing was saved" in answer.page
    # The connection stayed usable to the end: the same browser goes on working.
    assert browser.get("/cases/teams/").status == 200


@pytest.mark.slow
@pytest.mark.own_sqlite
def test_long_text_within_the_limit_still_gets_the_forms_own_error(browser):
    browser.get("/cases/teams/")

    for name in ("x" * 150, "x" * 1_000_000):  # 1 MB of ASCII is within the limit
        answer = browser.post("/cases/teams/", {"name": name})
        assert answer.status == 400
        assert "Ensure this value has at most 100 characters" in answer.page
        assert "Too large" not in answer.page


@pytest.mark.django_db
def test_the_too_large_page_in_process(client: Client):
    login_verified(client, make_staff(Role.PROGRAMME_MANAGER))

    response = client.post(
        "/cases/teams/",
        data=f"name={'x' * (3 * 1024 * 1024)}",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert "Too large" in response.content.decode()
    assert not Team.objects.exists()


def _call(application, body: bytes, length: int | None = None) -> io.BytesIO:
    """Run the wrapped application; the server's wsgi.input, to see how far it was read."""
    stream = io.BytesIO(body)
    environ = {"CONTENT_LENGTH": str(len(body) if length is None else length)}
    environ["wsgi.input"] = stream
    list(DrainRequestBody(application)(environ, lambda *args: None))
    return stream


def _refuses_unread(environ, start_response):
    start_response("400 Bad Request", [])
    return [b"too large"]


def _reads(size: int):
    def application(environ, start_response):
        environ["wsgi.input"].read(size)
        start_response("200 OK", [])
        return [b"ok"]

    return application


def test_what_the_application_left_unread_is_read_before_it_answers():
    assert _call(_refuses_unread, b"x" * 3_000_000).tell() == 3_000_000
    assert _call(_reads(10), b"x" * 100).tell() == 100
    assert _call(_reads(-1), b"x" * 100).tell() == 100


def test_never_past_the_announced_length_nor_a_body_announced_too_large():
    # The next request's bytes on a kept-alive connection are not this one's to read.
    assert _call(_refuses_unread, b"x" * 100, length=40).tell() == 40
    assert _call(_refuses_unread, b"x" * 100, length=DRAIN_LIMIT + 1).tell() == 0


def test_a_client_that_sends_less_than_it_announced_does_not_hang_the_worker():
    assert _call(_refuses_unread, b"x" * 10, length=1000).tell() == 10


def test_the_staff_wsgi_application_is_wrapped():
    from waystation import wsgi

    assert isinstance(wsgi.application, DrainRequestBody)
