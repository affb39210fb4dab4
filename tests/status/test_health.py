"""``/health`` on the staff side, through the whole middleware stack: only "sealed" and
"ok", 200 or 503, no caching, no cookie, answered while sealed; anything but a plain
GET or HEAD is refused and changes nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import signed_in_client
from tests.status.conftest import personal_values
from waystation.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

KEYS = {"sealed", "ok"}


def body_of(response) -> dict[str, object]:
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert set(data) == KEYS
    return data


def test_unsealed_is_200_ok(db):
    response = Client().get("/health")

    assert response.status_code == 200
    assert body_of(response) == {"sealed": False, "ok": True}


def test_sealed_is_503_not_ok_and_not_the_sealed_page(db, vault):
    vault.seal()

    response = Client().get("/health")

    assert response.status_code == 503
    assert body_of(response) == {"sealed": True, "ok": False}
    assert "Retry-After" not in response


def test_unsealing_again_makes_it_200_again(db, vault, tmp_path):
    from tests.vault.seeding import demo_key_file

    vault.seal()
    assert Client().get("/health").status_code == 503
    vault.unseal_with_demo_key_file(demo_key_file(tmp_path))

    assert Client().get("/health").status_code == 200


@pytest.mark.parametrize("sealed", [False, True])
def test_never_cached_and_no_cookie(db, vault, sealed):
    if sealed:
        vault.seal()

    response = Client().get("/health")

    assert response["Cache-Control"] == "no-store"
    assert not response.cookies
    assert "Set-Cookie" not in response


def test_head_answers_the_same_status_with_no_body(db, vault):
    assert Client().head("/health").status_code == 200
    vault.seal()
    response = Client().head("/health")
    assert response.status_code == 503
    assert response.content == b""


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options", "trace"])
@pytest.mark.parametrize("sealed", [False, True])
def test_other_methods_are_refused(db, vault, method, sealed):
    if sealed:
        vault.seal()
    entries = AuditEntry.objects.count()
    client = Client(enforce_csrf_checks=True)

    response = getattr(client, method)("/health", data="x=1", content_type="text/plain")

    assert response.status_code == 405
    assert sorted(response["Allow"].split(", ")) == ["GET", "HEAD"]
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize(
    "query", ["verbose=1", "format=html", "a", "%00", "x=" + "A" * 4000, "sealed=false&ok=true"]
)
def test_a_query_string_is_refused(db, query):
    response = Client().get(f"/health?{query}")

    assert response.status_code == 400
    assert response.content == b"/health takes no query string.\n"
    assert not response.cookies


@pytest.mark.parametrize("path", ["/health/", "/health.json", "/healthz", "/health/x"])
def test_only_the_exact_path_answers(db, vault, path):
    """And only it is let through while sealed: a look-alike path gets the sealed page."""
    assert Client().get(path).status_code == 404
    vault.seal()
    response = Client().get(path)
    assert response.status_code == 503
    assert b"Waystation is sealed" in response.content


def test_a_host_not_allowed_is_refused(db):
    response = Client().get("/health", HTTP_HOST="rebound.example")

    assert response.status_code == 400
    assert b"sealed" not in response.content


def test_a_half_signed_in_session_does_not_change_the_answer(db):
    """A password given without the second factor redirects every page to the code
    page; the probe answers as for anyone, and leaves the session as it was."""
    from tests.factories import make_staff
    from waystation.accounts.roles import Role

    client = Client()
    client.force_login(make_staff(Role.ADMINISTRATOR))
    before = dict(client.session.items())

    response = client.get("/health")

    assert body_of(response) == {"sealed": False, "ok": True}
    assert dict(client.session.items()) == before


def test_a_signed_in_administrator_gets_the_same_two_keys(seeded):
    response = signed_in_client(seeded.admin).get("/health")

    assert body_of(response) == {"sealed": False, "ok": True}
    for value in personal_values(seeded):
        assert value not in response.content.decode()


def test_the_answer_does_not_depend_on_operational_warnings(seeded, settings):
    """A stale backup or a late answer is the status command's business, not a reason for
    a monitor (or a load balancer) to call the server down."""
    settings.DEMO_MODE = False  # "no backup recorded" is then not ok
    from waystation.status import checks

    assert not checks.run_checks().ok
    assert Client().get("/health").status_code == 200
