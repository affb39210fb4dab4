"""Rate limits per token: a budget for reads and one for writes; past it, 429 with
Retry-After, and nothing done."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from tests.api.conftest import JSON, bearer, issue
from waystation.cases.models import Note

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight(settings):
    settings.WAYSTATION_API_RATES = {"read": "3/min", "write": "2/min"}
    cache.clear()


def test_reads_past_the_rate_are_429_with_retry_after(seeded, staff, tight):
    case, _ = seeded
    client = bearer(issue(staff.caseworker))
    assert [client.get("/api/v1/alerts/").status_code for _ in range(3)] == [200] * 3
    refused = client.get(f"/api/v1/cases/{case.id}/")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.json()["detail"].lower()
    assert b"Zaurbek" not in refused.content
    # Writes have a budget of their own, and so has every other token.
    note = client.post(
        f"/api/v1/cases/{case.id}/notes/", data=json.dumps({"text": "x"}), content_type=JSON
    )
    assert note.status_code == 201
    assert bearer(issue(staff.caseworker)).get("/api/v1/alerts/").status_code == 200


def test_writes_past_the_rate_are_429_and_change_nothing(seeded, staff, tight):
    case, _ = seeded
    client = bearer(issue(staff.caseworker))
    url = f"/api/v1/cases/{case.id}/notes/"
    body = json.dumps({"text": "x"})
    assert [client.post(url, data=body, content_type=JSON).status_code for _ in range(2)] == [
        201,
        201,
    ]
    before = Note.objects.filter(case=case).count()
    refused = client.post(url, data=body, content_type=JSON)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Note.objects.filter(case=case).count() == before


def test_a_refused_token_spends_no_budget(staff, tight):
    """Throttling runs after authentication: guessing tokens cannot exhaust someone's."""
    client = bearer(issue(staff.caseworker))
    for _ in range(5):
        assert bearer("wst_" + "B" * 43).get("/api/v1/alerts/").status_code == 401
    assert client.get("/api/v1/alerts/").status_code == 200
