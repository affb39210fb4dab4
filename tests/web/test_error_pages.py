"""Staff error pages: plain words, the demo banner, no trace and no request data."""

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
    assert "Nothing was changed" in body and BANNER in body
    assert "Magomed" not in body and "Traceback" not in body


def test_the_sealed_page_carries_the_demo_banner(client, vault):
    vault.seal()

    response = client.get("/")

    assert response.status_code == 503
    assert BANNER in response.content.decode()
