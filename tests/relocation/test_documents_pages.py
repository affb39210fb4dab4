"""The document forms through the test client: bad input gets a message and saves
nothing; a number in markup is shown as text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.cases.conftest import new_case
from tests.factories import login_verified
from tests.relocation.test_documents import passport
from tests.relocation.test_travel import leg_input
from tests.relocation.test_travel_pages import post
from waystation.relocation.models import TravelDocument
from waystation.relocation.services import documents, travel


@pytest.fixture
def client(staff) -> Client:
    client = Client()
    login_verified(client, staff.caseworker)
    return client


def document_form(**more: str) -> dict[str, str]:
    return {
        "kind": "passport",
        "status": "issued",
        "country": "ru",
        "visa_type": "",
        "leg": "",
        "applied_on": "",
        "issued_on": "2021-04-01",
        "expires_on": "2031-04-01",
        "number": "45 0000001",
        "notes": "",
        **more,
    }


def test_a_passport_is_added_through_the_page(case, client):
    said = post(client, reverse("relocation:document_add", args=[case.id]), document_form())
    assert said == ["Passport added."]
    row = TravelDocument.objects.get()
    assert (row.country, row.number) == ("RU", "45 0000001")


@pytest.mark.parametrize(
    "bad",
    [
        {"expires_on": "2020-01-01"},
        {"issued_on": ""},
        {"issued_on": "2021-02-30"},
        {"expires_on": "31/12/2030"},
        {"expires_on": "99999-01-01"},
        {"kind": "<script>"},
        {"status": "lost"},
        {"country": "RUS"},
        {"country": "QQ"},
        {"number": "1" * 101},
        {"notes": "x" * 5_001},
        {"visa_type": "x" * 41},
        {"leg": "x" * 33},
        {"kind": "ticket", "leg": "nosuchleg"},
    ],
)
def test_bad_document_input_is_refused_and_saves_nothing(case, client, bad):
    said = post(client, reverse("relocation:document_add", args=[case.id]), document_form(**bad))
    assert said and said != ["Passport added."]
    assert not TravelDocument.objects.exists()


def test_a_ticket_for_a_leg_of_another_case_is_refused(case, staff, team, client):
    other = new_case(team, [staff.caseworker])
    theirs = travel.add_leg(
        user=staff.caseworker, case_id=other.id, leg=leg_input(timezone.now() + timedelta(days=1))
    )
    said = post(
        client,
        reverse("relocation:document_add", args=[case.id]),
        document_form(kind="ticket", leg=theirs.id, issued_on="", expires_on=""),
    )
    assert said == ["No such leg on this case."]
    assert not TravelDocument.objects.exists()


def test_a_number_in_markup_is_shown_as_text(case, client):
    hostile = "<script>alert(1)</script>"
    post(client, reverse("relocation:document_add", args=[case.id]), document_form(number=hostile))
    page = client.get(reverse("relocation:case", args=[case.id])).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_a_document_is_changed_through_the_page(case, staff, client):
    row = documents.add_document(user=staff.caseworker, case_id=case.id, document=passport())
    url = reverse("relocation:document_change", args=[case.id, row.id])
    assert post(client, url, document_form(number="45 0000002")) == ["Passport saved."]
    assert TravelDocument.objects.get().number == "45 0000002"
    said = post(client, url, document_form(expires_on="2021-04-01"))
    assert said == ["A document must expire after it was issued."]
    assert str(TravelDocument.objects.get().expires_on) == "2031-04-01"


def test_a_document_of_another_case_cannot_be_changed_through_the_page(case, staff, team, client):
    other = new_case(team, [staff.caseworker])
    theirs = documents.add_document(user=staff.caseworker, case_id=other.id, document=passport())
    url = reverse("relocation:document_change", args=[case.id, theirs.id])
    assert post(client, url, document_form(number="1")) == ["No such document on this case."]
    assert TravelDocument.objects.get().number == "75 1234567"
