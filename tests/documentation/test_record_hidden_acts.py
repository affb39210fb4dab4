"""Need to know reaches through acts: an act done to a person linked to a case the
reader may not see says nothing about them, so an officer without a grant can neither
unlink nor read what is cited on it, and a source cited only on such acts is hidden like
the person (its page a 404, listed as a source one may not see, never offered)."""

from __future__ import annotations

import pytest
from django.test import Client

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
from tests.factories import login_verified, make_staff
from waystation.accounts.roles import Role
from waystation.documentation.models import Citation, Source
from waystation.documentation.selectors import record as selectors
from waystation.documentation.services import record as services
from waystation.documentation.services import record_files
from waystation.documentation.services.record_common import RecordError

__all__ = ["case", "granted", "staff", "team"]

pytestmark = pytest.mark.django_db

MARK = "Hospitalqzx"


@pytest.fixture
def world(staff: Staff, granted):
    officer = staff.documentation
    event = new_event(officer)
    person = services.add_case_person(user=officer, event_id=event.id, case_id=granted.id)
    act = services.add_act(
        user=officer,
        event_id=event.id,
        details=services.ActDetails(victim_id=person.id, act_type="torture"),
    )
    media = add_source(officer, event, "C3")
    services.cite(user=officer, source_id=media.id, event_id=event.id, act_id=act.id)
    # A hospital's record of what was done to that person: cited on the act only.
    hospital = add_source(officer, event, "B2", reference=f"{MARK} ward 3", summary=f"{MARK} burns")
    services.cite(user=officer, source_id=hospital.id, event_id=event.id, act_id=act.id)
    services.unlink_citation(
        user=officer,
        event_id=event.id,
        citation_id=Citation.objects.get(source=hospital, act=None).id,
    )
    stranger = make_staff(Role.DOCUMENTATION, "officer.nogrant")
    return {
        "event": event,
        "act": act,
        "media": media,
        "hospital": hospital,
        "stranger": stranger,
        "officer": officer,
    }


def test_an_officer_without_the_grant_cannot_unlink_a_citation_on_a_hidden_act(world):
    on_act = Citation.objects.get(source=world["media"], act=world["act"])
    with pytest.raises(RecordError, match="No such citation"):
        services.unlink_citation(
            user=world["stranger"], event_id=world["event"].id, citation_id=on_act.id
        )
    assert Citation.objects.filter(pk=on_act.pk).exists()


def test_the_source_page_leaves_out_its_citations_on_hidden_acts(world):
    page = selectors.source_page(user=world["stranger"], source_id=world["media"].id)
    assert [c.act_label for c in page.cited_on] == [""]  # the event's, not the act's
    on_act = Citation.objects.get(source=world["media"], act=world["act"])
    assert on_act.id not in {c.citation_id for c in page.cited_on}
    granted_page = selectors.source_page(user=world["officer"], source_id=world["media"].id)
    assert len(granted_page.cited_on) == 2


def test_a_source_cited_only_on_hidden_acts_is_hidden(world):
    stranger, event, hospital = world["stranger"], world["event"], world["hospital"]
    page = selectors.event_page(user=stranger, event_id=event.id)
    assert hospital.id not in {s.id for s in page.sources}
    assert hospital.id not in {value for value, _label in page.source_choices}
    with pytest.raises(selectors.SourceNotFound):
        selectors.source_page(user=stranger, source_id=hospital.id)
    client = Client()
    login_verified(client, stranger)
    assert client.get(f"/documentation/sources/{hospital.id}/").status_code == 404
    body = client.get(f"/documentation/events/{event.id}/").content.decode()
    assert MARK not in body
    # The officer with the grant still reads it.
    mine = selectors.event_page(user=world["officer"], event_id=event.id)
    assert hospital.id in {value for value, _label in mine.source_choices}


def test_no_action_reaches_a_source_cited_only_on_hidden_acts(world):
    stranger, event, hospital = world["stranger"], world["event"], world["hospital"]
    fresh = add_source(stranger, event, "A1", reference="Another newspaper")
    refused = [
        lambda: services.cite(user=stranger, source_id=hospital.id, event_id=event.id),
        lambda: services.change_source(
            user=stranger, source_id=hospital.id, details=source_details("A1")
        ),
        lambda: services.add_source(
            user=stranger,
            event_id=event.id,
            details=source_details(same_origin_as=hospital.id),
        ),
        lambda: record_files.attach_source_file(
            user=stranger,
            source_id=hospital.id,
            name="x.jpg",
            content_type="image/jpeg",
            data=b"\xff\xd8\xff",
        ),
        lambda: services.cite(
            user=stranger, source_id=fresh.id, event_id=event.id, act_id=world["act"].id
        ),
    ]
    for action in refused:
        with pytest.raises(RecordError):
            action()
    hospital = Source.objects.get(pk=hospital.pk)
    assert hospital.reliability == "B" and hospital.citations.count() == 1
    assert not Citation.objects.filter(source=fresh, act=world["act"]).exists()
