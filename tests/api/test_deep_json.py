"""A JSON body nested deeper than the parser's stack is a 400 in JSON, not an HTML 500
(security review, L4)."""

from __future__ import annotations

import pytest

from tests.api.conftest import JSON, bearer, issue
from waystation.cases.models import Note

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("opening", [b"[", b'{"a":'])
def test_a_deeply_nested_body_is_a_400_in_json(seeded, staff, opening):
    case, _ = seeded
    client = bearer(issue(staff.caseworker))
    before = Note.objects.filter(case=case).count()
    closing = b"]" if opening == b"[" else b"}"
    raw = b'{"text": ' + opening * 20_000 + b"1" + closing * 20_000 + b"}"
    response = client.post(f"/api/v1/cases/{case.id}/notes/", data=raw, content_type=JSON)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "not valid JSON" in response.json()["detail"]
    assert Note.objects.filter(case=case).count() == before
