"""The API writes the pages' audit entries, no more and no fewer: every reading of sealed
data is a ``case.opened`` entry of the reader, and every action its page's entry
(docs/design.md §2.5, §2.6)."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import JSON, bearer, issue
from tests.factories import signed_in_client
from waystation.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def entries_of(call) -> list[tuple[int | None, str, str, str]]:
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    response = call()
    assert response.status_code < 400, response.content[:300]
    return list(
        AuditEntry.objects.filter(seq__gt=last)
        .order_by("seq")
        .values_list("actor_id", "action", "object_type", "object_id")
    )


@pytest.mark.parametrize(
    ("page", "endpoint"),
    [
        ("/cases/{id}/", "/api/v1/cases/{id}/"),
        ("/cases/{id}/", "/api/v1/cases/{id}/timeline/"),
        ("/cases/{id}/", "/api/v1/cases/{id}/tasks/"),
        ("/relocation/travel/case/{id}/", "/api/v1/cases/{id}/legs/"),
        ("/relocation/travel/case/{id}/", "/api/v1/cases/{id}/documents/"),
        ("/cases/", "/api/v1/cases/"),
        ("/cases/alerts/", "/api/v1/alerts/"),
    ],
)
def test_reading_writes_the_same_entries_as_the_page(seeded, staff, page, endpoint):
    case, _ = seeded
    user = staff.caseworker
    on_page = entries_of(lambda: signed_in_client(user).get(page.format(id=case.id)))
    api = bearer(issue(user))
    through_api = entries_of(lambda: api.get(endpoint.format(id=case.id)))
    assert through_api == on_page
    if "{id}/" in endpoint:
        # The relocation page's opening also opens (and records) the safe house of the
        # case's stay; the API goes through the same function, so it records it too.
        assert through_api[0] == (user.pk, "case.opened", "case", case.id)


@pytest.mark.parametrize(
    ("page", "form", "endpoint", "body"),
    [
        ("notes", {"kind": "note", "text": "Called back."}, "notes", {"text": "Called back."}),
        ("tasks", {"title": "Book the bus"}, "tasks", {"title": "Book the bus"}),
        ("check-ins", {}, "check-ins", {}),
    ],
)
def test_acting_writes_the_same_entries_as_the_page(seeded, staff, page, form, endpoint, body):
    case, _ = seeded
    user = staff.caseworker
    on_page = entries_of(lambda: signed_in_client(user).post(f"/cases/{case.id}/{page}/", form))
    api = bearer(issue(user))
    through_api = entries_of(
        lambda: api.post(
            f"/api/v1/cases/{case.id}/{endpoint}/", data=json.dumps(body), content_type=JSON
        )
    )
    assert through_api == on_page and len(on_page) == 1


def test_a_refused_reading_writes_nothing(seeded, staff):
    case, _ = seeded
    before = AuditEntry.objects.count()
    api = bearer(issue(staff.other_caseworker))
    for path in ("", "timeline/", "tasks/", "legs/", "documents/"):
        assert api.get(f"/api/v1/cases/{case.id}/{path}").status_code == 404
    # Only the token's own making is on the record.
    assert AuditEntry.objects.count() == before + 1
