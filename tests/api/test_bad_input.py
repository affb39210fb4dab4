"""Bad input gets a 400 (or 413, 415) with a sentence a person can act on, and changes
nothing (docs/design.md §2.9)."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import JSON, bearer, issue
from waystation.audit.models import AuditEntry
from waystation.cases.models import Note, Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(seeded, staff):
    case, _ = seeded
    return case, bearer(issue(staff.caseworker))


def unchanged(case):
    return (
        Note.objects.filter(case=case).count(),
        Task.objects.filter(case=case).count(),
        AuditEntry.objects.count(),
    )


def post(client, case, path, raw, content_type=JSON):
    return client.post(f"/api/v1/cases/{case.id}/{path}/", data=raw, content_type=content_type)


@pytest.mark.parametrize(
    ("path", "raw", "sentence"),
    [
        ("notes", b'{"text": "half', "not valid JSON"),
        ("notes", b"\xff\xfe{}", "not valid JSON"),
        ("notes", b'{"text": NaN}', "not valid JSON"),
        ("notes", b"[1, 2]", "Expected a dictionary"),
        ("notes", b'"just a string"', "Expected a dictionary"),
        ("notes", json.dumps({"text": ["a", "list"]}), "Not a valid string"),
        ("notes", json.dumps({"text": {"a": 1}}), "Not a valid string"),
        ("notes", json.dumps({"text": "x", "kind": 3}), "not a valid choice"),
        ("notes", json.dumps({"text": "x", "kind": "<script>x</script>"}), "not a valid choice"),
        ("notes", json.dumps({}), "This field is required"),
        ("notes", json.dumps({"text": "x" * 20_001}), "no more than 20000 characters"),
        ("notes", json.dumps({"text": "   "}), "The note is required."),  # the page's
        ("tasks", json.dumps({"title": "x", "due_at": "next tuesday"}), "Datetime has wrong"),
        ("tasks", json.dumps({"title": True}), "Not a valid string"),
        ("tasks", json.dumps({"title": ""}), "The task is required."),
    ],
)
def test_bad_input_is_a_400_with_a_sentence_and_changes_nothing(setting, path, raw, sentence):
    case, client = setting
    before = unchanged(case)
    response = post(client, case, path, raw)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert sentence in json.dumps(response.json())
    assert unchanged(case) == before


def test_an_oversized_body_is_a_413_and_changes_nothing(setting, settings):
    case, client = setting
    before = unchanged(case)
    raw = json.dumps({"text": "x" * (settings.WAYSTATION_API_MAX_BODY_BYTES + 10)})
    response = post(client, case, "notes", raw)
    assert response.status_code == 413
    assert "limited to" in response.json()["detail"]
    assert unchanged(case) == before


def test_a_body_that_is_not_json_is_a_415(setting):
    case, client = setting
    before = unchanged(case)
    response = post(client, case, "notes", "text=x", "application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert unchanged(case) == before


@pytest.mark.parametrize(
    "query", ["page=0", "page=abc", "page=99999999999", "stage=nowhere", "mine=perhaps"]
)
def test_a_bad_query_is_a_400(setting, query):
    _case, client = setting
    response = client.get(f"/api/v1/cases/?{query}")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_markup_is_kept_as_text_and_answered_as_json_never_as_a_page(setting):
    case, client = setting
    markup = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    assert post(client, case, "notes", json.dumps({"text": markup})).status_code == 201
    response = client.get(f"/api/v1/cases/{case.id}/timeline/?kind=note")
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert markup in [entry["text"] for entry in response.json()["results"]]
