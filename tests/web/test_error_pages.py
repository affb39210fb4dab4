"""Staff error pages: plain words, the demo banner, no trace and no request data."""

import logging
import sys

import pytest
from django.test import RequestFactory

from waystation.web.views import server_error

BANNER = "Demo key — not for real data"


@pytest.mark.django_db
def test_an_unknown_page_is_a_plain_404_with_the_banner(client):
    response = client.get("/no-such-page/<script>alert(1)</script>")

    assert response.status_code == 404
    body = response.content.decode()
    assert "Not found" in body and BANNER in body
    assert "<script>" not in body
    assert "Traceback" not in body


def test_a_server_error_page_needs_no_database_and_shows_no_trace():
    request = RequestFactory().get("/cases/?q=Magomed")

    response = server_error(request)

    assert response.status_code == 500
    body = response.content.decode()
    assert "without what you typed" in body and BANNER in body
    assert "Magomed" not in body and "Traceback" not in body


def test_the_sealed_page_carries_the_demo_banner(client, vault):
    vault.seal()

    response = client.get("/")

    assert response.status_code == 503
    assert BANNER in response.content.decode()


def test_request_errors_are_logged_without_what_the_request_carried():
    handler = logging.getLogger("django.request").handlers[0]
    try:
        raise ValueError("could not save the story of Magomed Vymyslov")
    except ValueError:
        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s",
            ("/cases/?q=Magomed",),
            sys.exc_info(),
        )
    record.request = RequestFactory().get("/cases/?q=Magomed")

    assert handler.filter(record)
    logged = handler.format(record)

    assert "ValueError" in logged
    assert "Magomed" not in logged and getattr(record, "request", None) is None
