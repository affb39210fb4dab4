"""docs/design.md §2.8 for an event recorded from a case: its title, summary and place
and its perpetrators' names were typed from the case's testimony, so the case's shred
forgets them (no longer in the database in any form, nor decryptable), while the rows,
kinds, dates, region and levels stay, so the counts stay."""

from __future__ import annotations

import secrets
import string

import pytest
from django.test import Client

from tests.documentation.record_fixtures import (
    Staff,
    add_source,
    case,
    details,
    granted,
    new_event,
    staff,
    team,
)
from tests.factories import login_verified
from tests.vault.plaintext import database_bytes, find_forms
from waystation.audit.models import AuditEntry
from waystation.cases.selectors.visibility import CaseNotFound
from waystation.cases.services.shredding import shred_case
from waystation.documentation.models import Event, Level, Perpetrator
from waystation.documentation.services import record as services

__all__ = ["case", "granted", "staff", "team"]

pytestmark = pytest.mark.django_db(transaction=True)


def _token() -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))


def test_shredding_the_case_forgets_what_its_testimony_said_of_the_event(
    staff: Staff, granted, django_capture_on_commit_callbacks
):
    officer = staff.documentation
    token = _token()
    markers = [f"Title{token}", f"Summary{token}", f"Place{token}", f"Unit{token}"]
    event = services.record_event(
        user=officer,
        details=details(title=markers[0], summary=markers[1], place=markers[2]),
        case_id=granted.id,
    )
    unit = services.add_perpetrator(user=officer, event_id=event.id, kind="police", name=markers[3])
    add_source(officer, event, "B2")
    other = new_event(officer, title=f"Other{token}")
    assert Event.objects.get(pk=event.pk).from_case_id == granted.id
    assert AuditEntry.objects.filter(action="case.documented", object_id=granted.id).exists()
    before = database_bytes()
    assert not find_forms(before, markers)  # sealed, as ever

    with django_capture_on_commit_callbacks(execute=True):
        shred_case(actor_id=None, case=granted)

    row = Event.objects.get(pk=event.pk)
    assert row.forgotten_at is not None
    assert row.__dict__["title"] is None and row.__dict__["summary"] is None
    assert row.__dict__["place"] is None
    assert Perpetrator.objects.get(pk=unit.pk).__dict__["name"] is None
    # The rows and what counts stay.
    assert (row.kind, row.country, row.region, row.level) == (
        "detention",
        "RU",
        "RU-CE",
        Level.CREDIBLE,
    )
    assert Perpetrator.objects.get(pk=unit.pk).kind == "police"
    assert Event.objects.get(pk=other.pk).title == f"Other{token}"  # not from the case
    assert AuditEntry.objects.filter(action="event.forgotten", object_id=event.id).exists()
    assert not find_forms(database_bytes(), markers)

    client = Client()
    login_verified(client, officer)
    body = client.get(f"/documentation/events/{event.id}/").content.decode()
    assert not any(m in body for m in markers)
    assert "An event forgotten with its case" in body
    # Nobody types the forgotten text back in.
    with pytest.raises(services.RecordError, match="forgotten with its case"):
        services.change_event(user=officer, event_id=event.id, details=details(title="Again"))
    assert Event.objects.get(pk=event.pk).__dict__["title"] is None


def test_an_event_from_a_case_the_officer_may_not_see_is_refused(staff: Staff, case):
    with pytest.raises(CaseNotFound):
        services.record_event(user=staff.documentation, details=details(), case_id=case.id)
    assert not Event.objects.exists()
