"""Bidi overrides and zero-width characters typed by applicants and staff reach staff
pages as visible markers, never raw (finding 9 of the December review): the triage
queue, a request, a case, search results, a refused form, the donor report. What is
stored is not changed: the characters are neutralised on display only."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from tests.cases.conftest import new_case, staff, team  # noqa: F401  (fixtures)
from tests.factories import login_verified, make_staff
from tests.intake.conftest import intake_key  # noqa: F401  (fixture)
from tests.intake.files import jpeg_with_gps
from waystation.accounts.roles import Role
from waystation.cases.models import Team
from waystation.cases.selectors import case_file
from waystation.cases.services import access, daily_work
from waystation.intake import public_services as intake_services
from waystation.intake import screening
from waystation.intake.models import Attachment, HelpRequest
from waystation.intake.uploads import clean_upload
from waystation.relocation.models import Programme
from waystation.relocation.reports import export
from waystation.relocation.reports.period import Period

pytestmark = pytest.mark.django_db

RLO, ZWSP = "\u202e", "\u200b"
SPAN_RLO = '<span class="invisible-char" title="right-to-left override">⟨U+202E⟩</span>'
SPAN_ZWSP = '<span class="invisible-char" title="zero width space">⟨U+200B⟩</span>'
STORY = f"Please open the photo {RLO}gnp.exe{ZWSP} I sent, they are at the door."
NAME = f"{RLO}Timur{ZWSP} Vymyslov"


def page_of(client: Client, url: str, **params: str) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def is_invisible(char: str) -> bool:
    # Defined here, not taken from waystation.web.invisible: this test also runs on
    # code that has no such module.
    return unicodedata.category(char) in {"Cf", "Cc", "Zl", "Zp"} and char not in "\t\n\r"


def assert_neutralised(page: str) -> None:
    raw = sorted({f"U+{ord(c):04X}" for c in page if is_invisible(c)})
    assert not raw, f"raw invisible characters on the page: {raw}"


def test_a_request_shows_markers_in_the_queue_and_on_its_page(intake_key):  # noqa: F811
    photo = clean_upload(
        name=f"IMG{RLO}gpj.exe{ZWSP}.jpg", content_type="image/jpeg", data=jpeg_with_gps()
    )
    receipt = intake_services.submit_request(
        new=intake_services.NewRequest(
            urgency=2,
            language="en",
            country="RU",
            story=STORY,
            city=f"Mos{ZWSP}cow",
            contact_channel="signal",
            contact_handle=f"@timur{RLO}_v",
            files=[photo],
        )
    )
    screener = make_staff(Role.SCREENER)
    client = Client()
    login_verified(client, screener)

    queue = page_of(client, reverse("intake:queue"))
    request_page = page_of(client, reverse("intake:detail", args=[receipt.request_id]))

    for page in (queue, request_page):
        assert_neutralised(page)
        assert f"{SPAN_RLO}gnp.exe{SPAN_ZWSP}" in page
    assert f"Mos{SPAN_ZWSP}cow" in request_page
    assert f"@timur{SPAN_RLO}_v" in request_page
    # The applicant's file name never reaches staff: the file is "File 1", "photo-1.jpg".
    # (Its whole name, not a piece of it: the page's random ids may hold any three letters.)
    assert "gpj.exe" not in request_page and "IMG" not in request_page
    assert "File 1" in request_page
    attachment = Attachment.objects.get()
    download = client.get(reverse("intake:attachment", args=[receipt.request_id, attachment.id]))
    assert download["Content-Disposition"] == 'attachment; filename="photo-1.jpg"'
    # Evidence is kept as it came: the stored story still holds the characters.
    opened = screening.open_request(user=screener, request_id=HelpRequest.objects.get().id)
    assert opened.payload["story"] == STORY


@pytest.fixture
def spoofed_case(staff, team):  # noqa: F811
    lookalike = access.create_team(
        actor_id=None, name=f"North{RLO}{ZWSP}", supervisor_id=staff.manager.pk
    )
    case = new_case(lookalike, [staff.caseworker], full_name=NAME, narrative=STORY)
    daily_work.add_note(user=staff.caseworker, case_id=case.id, text=f"Called {RLO}them")
    return case


def test_a_case_page_shows_markers_everywhere_and_in_its_edit_form(staff, spoofed_case):  # noqa: F811
    client = Client()
    login_verified(client, staff.caseworker)

    page = page_of(client, reverse("cases:detail", args=[spoofed_case.id]))

    assert_neutralised(page)
    assert f"{SPAN_RLO}Timur{SPAN_ZWSP} Vymyslov" in page  # the name
    assert f"{SPAN_RLO}gnp.exe{SPAN_ZWSP}" in page  # the story
    assert f"Called {SPAN_RLO}them" in page  # a staff note in the timeline
    assert f"North{SPAN_RLO}{SPAN_ZWSP}" in page  # a team's name, typed by staff
    # Inside form controls markup would show as text: the plain marker instead.
    assert 'value="⟨U+202E⟩Timur⟨U+200B⟩ Vymyslov"' in page
    assert "⟨U+202E⟩gnp.exe⟨U+200B⟩ I sent" in page.split('name="narrative"', 1)[1]


def test_search_results_show_markers(staff, spoofed_case):  # noqa: F811
    client = Client()
    login_verified(client, staff.caseworker)

    page = page_of(client, reverse("cases:search"), q=f"{RLO}timur vymyslov")

    assert_neutralised(page)
    assert spoofed_case.id in page
    assert f"North{SPAN_RLO}{SPAN_ZWSP}" in page  # the team column of the results
    assert 'value="⟨U+202E⟩timur vymyslov"' in page  # the query, as typed


class _FormValues(HTMLParser):
    """The values a browser would send from one form, read from the page's HTML."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action, self.values = action, {}
        self._inside = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._inside = attributes.get("action") == self.action
        elif self._inside and tag == "input" and attributes.get("type") != "checkbox":
            self.values[attributes["name"]] = attributes.get("value") or ""
        elif self._inside and tag == "textarea":
            self._textarea = attributes["name"]
            self.values[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def test_saving_the_edit_form_unchanged_keeps_the_characters(staff, spoofed_case):  # noqa: F811
    client = Client()
    login_verified(client, staff.caseworker)
    url = reverse("cases:details", args=[spoofed_case.id])
    form = _FormValues(url)
    form.feed(page_of(client, reverse("cases:detail", args=[spoofed_case.id])))
    assert form.values["full_name"] == "⟨U+202E⟩Timur⟨U+200B⟩ Vymyslov"
    # A browser drops the line break that opens a textarea's contents.
    form.values["narrative"] = form.values["narrative"].removeprefix("\n")

    response = client.post(url, form.values)

    assert response.status_code == 302
    opened = case_file.open_case(user=staff.caseworker, case_id=spoofed_case.id)
    assert opened.full_name == NAME
    assert opened.narrative == STORY


def test_a_refused_form_shows_what_was_typed_with_markers(staff, spoofed_case):  # noqa: F811
    client = Client()
    login_verified(client, staff.manager)

    response = client.post(reverse("cases:teams"), {"name": f"{RLO}{'x' * 120}"})

    assert response.status_code == 400
    page = response.content.decode()
    assert_neutralised(page)
    assert 'value="⟨U+202E⟩xxx' in page
    assert not Team.objects.filter(name__startswith=RLO).exists()


def test_the_donor_report_shows_a_programmes_name_with_markers():
    programme = Programme(name=f"Emergency {RLO}dia{ZWSP}")
    period = Period(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31), programme=programme)

    text = "".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(export.to_pdf([], period, today=period.end))).pages
    )

    assert "Programme: Emergency ⟨U+202E⟩dia⟨U+200B⟩." in text
    assert not any(is_invisible(char) for char in text)


def test_csv_cells_show_markers():
    assert export.safe_cell(f"{RLO}=1+1") == "⟨U+202E⟩=1+1"
    assert export.safe_cell(f"=1{ZWSP}") == "'=1⟨U+200B⟩"
