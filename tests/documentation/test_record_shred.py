"""docs/design.md §2.8 for the record: shredding a case forgets the person and the
account taken from it (their rows stay, so counts, acts, grades and levels stay; their
sealed values and files do not), and leaves the rest of the event as it was."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.test import Client
from PIL import Image

from tests.documentation.record_fixtures import (
    Staff,
    add_source,
    case,
    granted,
    new_event,
    source_details,
    staff,
    team,
)
from tests.factories import login_verified
from waystation.cases.services.shredding import shred_case
from waystation.documentation.models import Act, Event, Level, Person, Source, SourceFile
from waystation.documentation.services import record as services
from waystation.documentation.services import record_files
from waystation.vault.fields import sealed_files_root

__all__ = ["case", "granted", "staff", "team"]

pytestmark = pytest.mark.django_db


def _jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(out, format="JPEG")
    return out.getvalue()


def test_shredding_a_linked_case_forgets_its_person_and_account(
    staff: Staff, granted, django_capture_on_commit_callbacks
):
    officer = staff.documentation
    event = new_event(officer)
    person, source = services.add_from_case(
        user=officer,
        event_id=event.id,
        taken=services.FromCase(case_id=granted.id, person_role="victim", source=source_details()),
    )
    act = services.add_act(
        user=officer,
        event_id=event.id,
        details=services.ActDetails(
            victim_id=person.id, act_type="torture", notes="Held for nine days"
        ),
    )
    services.cite(user=officer, source_id=source.id, event_id=event.id, act_id=act.id)
    record_files.attach_source_file(
        user=officer, source_id=source.id, name="scan.jpg", content_type="image/jpeg", data=_jpeg()
    )
    stored = SourceFile.objects.get().file
    assert stored is not None
    files_before = list(sealed_files_root().rglob("*.sealed"))
    media = add_source(officer, event, "C3")

    with django_capture_on_commit_callbacks(execute=True):
        shred_case(actor_id=None, case=granted)

    forgotten = Person.objects.get(pk=person.pk)
    assert forgotten.forgotten_at is not None
    assert forgotten.__dict__["name"] is None and forgotten.__dict__["details"] is None
    gone = Source.objects.get(pk=source.pk)
    assert gone.forgotten_at is not None and gone.__dict__["reference"] is None
    assert gone.reliability == "B" and gone.credibility == 2  # the grade still counts
    assert SourceFile.objects.count() == 0
    assert len(list(sealed_files_root().rglob("*.sealed"))) == len(files_before) - 1
    act = Act.objects.get(pk=act.pk)
    assert act.act_type == "torture" and act.level == Level.CREDIBLE
    assert act.__dict__["notes"] is None
    event = Event.objects.get(pk=event.pk)
    assert event.level == Level.CORROBORATED
    assert Person.objects.filter(event=event).count() == 1  # the count stays
    assert Source.objects.get(pk=media.pk).reference == "Newspaper, 1 April 2017"
    assert Event.objects.get(pk=event.pk).title == "Detentions in Argun"

    client = Client()
    login_verified(client, officer)
    page = client.get(f"/documentation/events/{event.id}/")
    assert page.status_code == 200
    assert "Test Person" not in page.content.decode()
