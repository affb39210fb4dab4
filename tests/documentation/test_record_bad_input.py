"""docs/design.md §2.9 for the record: every form of it, sent hostile input through the
pages (markup, oversized text, impossible dates, bad codes, ids of other events, path
tricks in file names, broken files), answers with a plain message and changes nothing;
what is saved renders as text, never as markup."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.documentation.record_fixtures import (
    Staff,
    add_source,
    case,
    granted,
    new_event,
    staff,
    team,
)
from tests.factories import login_verified
from waystation.documentation.models import (
    Act,
    Citation,
    Event,
    Perpetrator,
    Person,
    Source,
    SourceFile,
)
from waystation.documentation.services import record as services

__all__ = ["case", "granted", "staff", "team"]

pytestmark = pytest.mark.django_db

EVENT = {
    "title": "Detentions",
    "kind": "detention",
    "started_on": "2017-03-12",
    "started_precision": "day",
    "country": "RU",
    "region": "RU-CE",
}


def _jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 30)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def officer(staff: Staff) -> Client:
    client = Client()
    login_verified(client, staff.documentation)
    return client


def _said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _counts():
    return tuple(
        m.objects.count() for m in (Event, Person, Perpetrator, Act, Source, Citation, SourceFile)
    )


def test_markup_is_saved_as_text_and_shown_escaped(staff: Staff, officer: Client):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = officer.post(
        "/documentation/events/new/", {**EVENT, "title": hostile[:200], "summary": hostile}
    )
    event = Event.objects.get()
    assert response.status_code == 302
    services.add_person(
        user=staff.documentation,
        event_id=event.id,
        details=services.PersonDetails(role="victim", name=hostile),
    )
    add_source(staff.documentation, event, reference=hostile)
    for url in ("/documentation/events/", f"/documentation/events/{event.id}/"):
        page = officer.get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page


@pytest.mark.parametrize(
    "change",
    [
        {"title": "x" * 201},
        {"title": ""},
        {"summary": "y" * 20_001},
        {"place": "z" * 501},
        {"started_on": "2017-13-45"},
        {"started_on": "12.03.2017"},
        {"started_on": "2999-01-01"},
        {"started_on": "1800-01-01"},
        {"ended_on": "2017-01-01"},
        {"started_precision": "week"},
        {"country": "XX"},
        {"country": "../"},
        {"region": "GE-TB"},
        {"region": "RU-CE'--"},
        {"kind": "<b>"},
    ],
)
def test_a_bad_event_is_refused_with_a_message(officer: Client, change):
    response = officer.post("/documentation/events/new/", {**EVENT, **change})
    assert response.status_code == 200  # the form again, with what was typed
    assert _said(response)
    assert Event.objects.count() == 0


def test_every_form_of_an_event_refuses_bad_input_and_changes_nothing(
    staff: Staff, officer: Client
):
    user = staff.documentation
    event = new_event(user)
    other = new_event(user, title="Another")
    theirs = services.add_person(
        user=user, event_id=other.id, details=services.PersonDetails(role="victim")
    )
    their_perpetrator = services.add_perpetrator(user=user, event_id=other.id, kind="police")
    ours = services.add_person(
        user=user, event_id=event.id, details=services.PersonDetails(role="victim")
    )
    their_act = services.add_act(
        user=user,
        event_id=other.id,
        details=services.ActDetails(victim_id=theirs.id, act_type="arrest"),
    )
    their_source = add_source(user, other)
    their_citation = Citation.objects.get(source=their_source)
    before = _counts()
    base = f"/documentation/events/{event.id}"
    attempts = [
        (f"{base}/persons/", {"role": "victim", "name": "n" * 301}),
        (f"{base}/persons/", {"role": "boss"}),
        (f"{base}/persons/", {"role": "victim", "birth_year": "19x0"}),
        (f"{base}/perpetrators/", {"kind": "aliens"}),
        (f"{base}/perpetrators/", {"kind": "police", "name": "a\nb"}),
        (f"{base}/acts/", {"victim": theirs.id, "act_type": "arrest"}),
        (
            f"{base}/acts/",
            {"victim": ours.id, "act_type": "arrest", "perpetrators": [their_perpetrator.id]},
        ),
        (f"{base}/acts/", {"victim": ours.id, "act_type": "arrest", "happened_on": "2017-02-30"}),
        (f"{base}/acts/", {"victim": "x" * 500, "act_type": "arrest"}),
        (
            f"{base}/sources/",
            {
                "kind": "media",
                "reliability": "G",
                "credibility": "2",
                "obtained_on": "2017-04-01",
                "stance": "supports",
            },
        ),
        (
            f"{base}/sources/",
            {
                "kind": "media",
                "reliability": "B",
                "credibility": "9",
                "obtained_on": "2017-04-01",
                "stance": "supports",
            },
        ),
        (
            f"{base}/sources/",
            {
                "kind": "media",
                "reliability": "B",
                "credibility": "2",
                "obtained_on": "2999-04-01",
                "stance": "supports",
            },
        ),
        (
            f"{base}/sources/",
            {
                "kind": "media",
                "reliability": "B",
                "credibility": "2",
                "obtained_on": "2017-04-01",
                "stance": "maybe",
            },
        ),
        (
            f"{base}/sources/",
            {
                "kind": "media",
                "reliability": "B",
                "credibility": "2",
                "obtained_on": "2017-04-01",
                "stance": "supports",
                "reference": "r" * 2_001,
            },
        ),
        (
            f"{base}/sources/",
            {
                "kind": "media",
                "reliability": "B",
                "credibility": "2",
                "obtained_on": "2017-04-01",
                "stance": "supports",
                "same_origin_as": "nosuchsource0000",
            },
        ),
        (
            f"{base}/citations/",
            {"source": their_source.id, "act": their_act.id, "stance": "supports"},
        ),
        (f"{base}/citations/{their_citation.id}/remove/", {}),
        (f"{base}/from-case/", {"case_id": "", "person_role": "victim"}),
        (f"{base}/change/", {**EVENT, "country": "ZZ"}),
    ]
    failures = []
    for url, data in attempts:
        response = officer.post(url, data)
        if response.status_code != 302 or not _said(response):
            failures.append(f"{url} {sorted(data)}: {response.status_code}")
    assert failures == []
    assert _counts() == before
    event.refresh_from_db()
    assert event.country == "RU"


def test_a_file_name_cannot_reach_outside_and_the_download_names_itself(
    staff: Staff, officer: Client
):
    event = new_event(staff.documentation)
    source = add_source(staff.documentation, event)
    upload = SimpleUploadedFile("../../../etc/cron.d/evil.jpg", _jpeg(), content_type="image/jpeg")
    response = officer.post(f"/documentation/sources/{source.id}/files/", {"file": upload})
    assert response.status_code == 302
    row = SourceFile.objects.get()
    assert row.file.name == "evil.jpg"
    page = officer.get(f"/documentation/sources/{source.id}/").content.decode()
    assert "evil.jpg" in page and "cron.d" not in page
    download = officer.get(f"/documentation/sources/{source.id}/files/{row.id}/")
    assert download["Content-Disposition"] == f'attachment; filename="source-file-{row.id}.jpg"'
    assert download["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("empty.jpg", b"", "image/jpeg"),
        ("cut.jpg", None, "image/jpeg"),  # a JPEG cut in half
        ("page.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg"),
        ("report.pdf", None, "application/pdf"),  # a JPEG claiming to be a PDF
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 64, "application/zip"),
    ],
)
def test_a_broken_or_disguised_file_is_refused(
    staff: Staff, officer: Client, name, data, content_type
):
    event = new_event(staff.documentation)
    source = add_source(staff.documentation, event)
    if data is None:
        whole = _jpeg()
        data = whole[: len(whole) // 2] if name == "cut.jpg" else whole
    response = officer.post(
        f"/documentation/sources/{source.id}/files/",
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
    )
    assert response.status_code == 302
    assert _said(response)
    assert SourceFile.objects.count() == 0


def test_a_body_larger_than_a_file_may_be_is_refused_before_it_is_read(
    staff: Staff, officer: Client, settings
):
    settings.WAYSTATION_INTAKE_MAX_FILE_BYTES = 20_000
    event = new_event(staff.documentation)
    source = add_source(staff.documentation, event)
    big = SimpleUploadedFile("big.jpg", _jpeg() + b"\x00" * 200_000, content_type="image/jpeg")
    response = officer.post(f"/documentation/sources/{source.id}/files/", {"file": big})
    assert response.status_code == 302
    assert any("larger" in m for m in _said(response))
    assert SourceFile.objects.count() == 0


def test_bad_filters_say_so_and_list_everything(staff: Staff, officer: Client):
    new_event(staff.documentation)
    response = officer.get("/documentation/events/?started_from=2017-99-99&level=9&kind=<x>")
    assert response.status_code == 200
    assert _said(response)
    assert "Detentions in Argun" in response.content.decode()
    assert officer.get("/documentation/events/?page=999999").status_code == 200
    assert officer.get("/documentation/events/?page=../../").status_code == 200
