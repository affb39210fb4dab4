"""Every route of the record, as every role: the documentation officer records and
reads; an officer without a grant on the linked case gets a 404 on its person, its
account (the source), the source's files and the case's page, the same as a wrong id,
and reads none of their sealed content on the event's page; the programme manager reads
but cannot record; every other role gets nothing."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.test import Client
from django.urls import get_resolver
from PIL import Image

from tests.cases.test_authorisation_walk import fill, walk
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
from waystation.audit.models import AuditEntry
from waystation.documentation.models import Act, Citation, Event, Person, Source, SourceFile
from waystation.documentation.services import record as services
from waystation.documentation.services import record_files

__all__ = ["case", "granted", "staff", "team"]

pytestmark = pytest.mark.django_db

MARK = "Zqvmarker"
# Routes of the record whose ids name something of the case (its person, its account).
CASE_BOUND = ("<str:person_id>", "<str:source_id>", "<str:case_id>")


def _jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (6, 6), (0, 90, 200)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def seeded(staff: Staff, granted):
    officer = staff.documentation
    event = new_event(officer, title=f"Event{MARK}", summary=f"summary{MARK}")
    services.add_perpetrator(user=officer, event_id=event.id, kind="police", name=f"unit{MARK}")
    person, account = services.add_from_case(
        user=officer,
        event_id=event.id,
        taken=services.FromCase(
            case_id=granted.id,
            person_role="victim",
            source=source_details(summary=f"account{MARK}"),
        ),
    )
    act = services.add_act(
        user=officer,
        event_id=event.id,
        details=services.ActDetails(victim_id=person.id, act_type="arrest", notes=f"note{MARK}"),
    )
    media = add_source(officer, event, "C3")
    services.cite(user=officer, source_id=account.id, event_id=event.id, act_id=act.id)
    file = record_files.attach_source_file(
        user=officer, source_id=account.id, name="scan.jpg", content_type="image/jpeg", data=_jpeg()
    )
    return {
        "event_id": event.id,
        "person_id": person.id,
        "source_id": account.id,
        "file_id": file.id,
        "case_id": granted.id,
        "citation_id": Citation.objects.get(source=media).id,
        "media_id": media.id,
    }


def _routes():
    return [
        (name, route)
        for name, route in walk(get_resolver().url_patterns)
        if name.startswith("documentation:") and name.split(":")[1] in RECORD_NAMES
    ]


RECORD_NAMES = {
    "index",
    "events",
    "event_new",
    "event",
    "event_change",
    "person_add",
    "perpetrator_add",
    "act_add",
    "source_add",
    "from_case_add",
    "cite",
    "unlink",
    "person",
    "source",
    "source_change",
    "source_cite",
    "source_file_add",
    "source_file",
    "case",
}


def _state():
    return (
        list(Event.objects.order_by("id").values_list("id", "level", "changed_at")),
        Person.objects.count(),
        Act.objects.count(),
        Source.objects.count(),
        Citation.objects.count(),
        SourceFile.objects.count(),
    )


def _posts(seeded):
    """A plausible body for each form, so that a refusal is about who, not what."""
    return {
        "title": "Renamed",
        "kind": "media",
        "started_on": "2017-03-12",
        "started_precision": "day",
        "country": "RU",
        "role": "victim",
        "name": "Someone",
        "victim": seeded["person_id"],
        "act_type": "beating",
        "reliability": "A",
        "credibility": "1",
        "obtained_on": "2017-04-02",
        "stance": "supports",
        "source": seeded["media_id"],
        "case_id": seeded["case_id"],
        "person_role": "witness",
        "add_account": "on",
        "event_id": seeded["event_id"],
    }


def test_the_walk_sees_every_route_of_the_record():
    names = {name.split(":")[1] for name, _ in _routes()}
    assert names == RECORD_NAMES


def test_the_officer_with_the_grant_reads_every_page(staff: Staff, seeded):
    client = Client()
    login_verified(client, staff.documentation)
    failures = []
    for name, route in _routes():
        response = client.get(fill(route, seeded))
        if response.status_code not in (200, 405):
            failures.append(f"GET {name}: {response.status_code}")
    assert failures == []
    page = client.get(f"/documentation/events/{seeded['event_id']}/").content.decode()
    assert "Test Person" in page and f"note{MARK}" in page


def test_an_officer_without_the_grant_gets_404_on_what_is_of_the_case(staff: Staff, seeded):
    outsider = make_staff(Role.DOCUMENTATION, "nogrant")
    client = Client()
    login_verified(client, outsider)
    before = _state()
    failures = []
    for name, route in _routes():
        if not any(part in route for part in CASE_BOUND):
            continue
        for method in ("get", "post"):
            url = fill(route, seeded)
            missing = fill(
                route,
                {
                    **seeded,
                    **dict.fromkeys(("person_id", "source_id", "case_id"), "nosuchthing00000"),
                },
            )
            response = getattr(client, method)(url, data=_posts(seeded))
            absent = getattr(client, method)(missing, data=_posts(seeded))
            if response.status_code not in (404, 405) or response.status_code != absent.status_code:
                failures.append(f"{method} {name}: {response.status_code}/{absent.status_code}")
            if MARK in response.content.decode(errors="replace"):
                failures.append(f"{method} {name} leaked")
    assert failures == []
    assert _state() == before
    page = client.get(f"/documentation/events/{seeded['event_id']}/").content.decode()
    assert page.count("a person you may not see") >= 2  # in the persons and on the act
    assert "Test Person" not in page and f"note{MARK}" not in page
    assert f"account{MARK}" not in page and "a source you may not see" in page
    assert "Arrest or detention" in page  # the act's type is shown
    assert f"Event{MARK}" in page  # the event itself is for every reader


def test_roles_without_the_record_get_nothing(staff: Staff, seeded):
    before = _state()
    audit_before = AuditEntry.objects.count()
    failures = []
    for who in ("screener", "caseworker", "logistics", "admin"):
        client = Client()
        login_verified(client, getattr(staff, who))
        for name, route in _routes():
            for method in ("get", "post"):
                response = getattr(client, method)(fill(route, seeded), data=_posts(seeded))
                if response.status_code not in (403, 404, 405):
                    failures.append(f"{who} {method} {name}: {response.status_code}")
                if MARK in response.content.decode(errors="replace"):
                    failures.append(f"{who} {method} {name} leaked")
    assert failures == []
    assert _state() == before
    assert not AuditEntry.objects.filter(
        pk__gt=audit_before,
        action__in=["event.opened", "event.listed", "person.opened", "source.opened"],
    ).exists()


def test_the_manager_reads_but_cannot_record(staff: Staff, seeded):
    client = Client()
    login_verified(client, staff.manager)  # supervises the case's team: sees the case
    before = _state()
    failures = []
    for name, route in _routes():
        url = fill(route, seeded)
        response = client.get(url)
        reading = (403,) if name == "documentation:event_new" else (200, 405)  # a form
        if response.status_code not in reading:
            failures.append(f"GET {name}: {response.status_code}")
        if response.status_code == 200 and name == "documentation:event":
            assert "Add a source" not in response.content.decode()
        posted = client.post(url, data=_posts(seeded))
        if posted.status_code not in (403, 405):
            failures.append(f"POST {name}: {posted.status_code}")
    assert failures == []
    assert _state() == before


def test_every_read_of_sealed_data_is_audited(staff: Staff, seeded):
    client = Client()
    login_verified(client, staff.documentation)
    start = AuditEntry.objects.count()
    client.get("/documentation/events/")
    client.get(f"/documentation/events/{seeded['event_id']}/")
    client.get(f"/documentation/persons/{seeded['person_id']}/")
    client.get(f"/documentation/sources/{seeded['source_id']}/")
    client.get(f"/documentation/sources/{seeded['source_id']}/files/{seeded['file_id']}/")
    actions = set(AuditEntry.objects.filter(seq__gt=start).values_list("action", "object_id"))
    assert ("event.listed", seeded["event_id"]) in actions
    assert ("event.opened", seeded["event_id"]) in actions
    assert ("person.opened", seeded["person_id"]) in actions
    assert ("source.opened", seeded["source_id"]) in actions
    assert ("source.file_opened", seeded["file_id"]) in actions
