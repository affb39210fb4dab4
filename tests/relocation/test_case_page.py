"""The case's relocation page: who may open it, what it records, what it shows, and that
every route under it is a 404 for people who may not see the case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.relocation.test_documents import passport
from tests.relocation.test_travel import leg_input
from waystation.audit.models import AuditEntry
from waystation.relocation.models import Leg, Pathway, RelocationPlan, TravelDocument
from waystation.relocation.services import documents, travel

SECRETS = ("Volunteer Alpha", "Bus station north", "75 1234567", "Hamburg sponsor")


@pytest.fixture
def planned(case, staff):
    travel.save_plan(
        user=staff.caseworker,
        case_id=case.id,
        plan=travel.PlanInput(pathway=Pathway.UNHCR, destination="Hamburg sponsor"),
    )
    leg = travel.add_leg(
        user=staff.logistics,
        case_id=case.id,
        leg=leg_input(timezone.now() + timedelta(days=1)),
    )
    document = documents.add_document(user=staff.caseworker, case_id=case.id, document=passport())
    return case, leg, document


def page_url(case_id: str) -> str:
    return reverse("relocation:case", args=[case_id])


def test_the_page_shows_plan_legs_and_documents(planned, staff, client_for):
    case, _leg, _document = planned
    response = client_for(staff.caseworker).get(page_url(case.id))
    assert response.status_code == 200
    page = response.content.decode()
    for secret in SECRETS:
        assert secret in page
    assert 'id="stays"' in page or "houses" in page  # the other areas' sections are included


def test_each_view_is_one_audit_entry(planned, staff, client_for):
    case, _leg, _document = planned
    client = client_for(staff.logistics)
    before = AuditEntry.objects.filter(action="case.opened", object_id=case.id).count()
    client.get(page_url(case.id))
    client.get(page_url(case.id))
    after = AuditEntry.objects.filter(action="case.opened", object_id=case.id)
    assert after.count() == before + 2
    assert set(after.values_list("actor_id", flat=True)) == {staff.logistics.pk}


def test_the_supervisor_may_read_it(planned, staff, client_for):
    case, _leg, _document = planned
    assert client_for(staff.manager).get(page_url(case.id)).status_code == 200


def _routes(case_id: str, leg_id: str, document_id: str) -> list[tuple[str, str]]:
    return [
        ("get", page_url(case_id)),
        ("post", reverse("relocation:plan", args=[case_id])),
        ("post", reverse("relocation:leg_add", args=[case_id])),
        ("post", reverse("relocation:leg_change", args=[case_id, leg_id])),
        ("post", reverse("relocation:leg_cancel", args=[case_id, leg_id])),
        ("post", reverse("relocation:leg_depart", args=[case_id, leg_id])),
        ("post", reverse("relocation:leg_arrive", args=[case_id, leg_id])),
        ("post", reverse("relocation:leg_check_in", args=[case_id, leg_id])),
        ("post", reverse("relocation:document_add", args=[case_id])),
        ("post", reverse("relocation:document_change", args=[case_id, document_id])),
    ]


@pytest.mark.parametrize("who", ["other_caseworker", "other_manager", "admin", "screener"])
def test_every_route_is_a_404_for_outsiders(planned, staff, client_for, who):
    case, leg, document = planned
    client = client_for(getattr(staff, who))
    valid_leg = {
        "mode": "car",
        "planned_departure": "2030-01-01T10:00",
        "planned_arrival": "2030-01-01T12:00",
        "grace_hours": "6",
    }
    for method, url in _routes(case.id, leg.id, document.id):
        for data in ({}, valid_leg, {"pathway": "unhcr", "kind": "passport", "status": "needed"}):
            response = getattr(client, method)(url, data)
            assert response.status_code == 404, (method, url)
            page = response.content.decode()
            for secret in SECRETS:
                assert secret not in page
    assert not AuditEntry.objects.filter(
        action="case.opened", actor_id=getattr(staff, who).pk
    ).exists()
    leg.refresh_from_db()
    assert leg.status == "planned" and Leg.objects.count() == 1
    assert RelocationPlan.objects.get(case=case).pathway == Pathway.UNHCR
    assert TravelDocument.objects.count() == 1


def test_a_made_up_case_id_is_the_same_404(staff, client_for):
    client = client_for(staff.caseworker)
    for case_id in ("nosuchcase", "x" * 300, "<script>"):
        assert client.get(f"/relocation/travel/case/{case_id}/").status_code == 404


def test_the_page_needs_a_signed_in_verified_user(planned):
    case, _leg, _document = planned
    response = Client().get(page_url(case.id))
    assert response.status_code in (302, 403)
    assert "Volunteer Alpha" not in response.content.decode()


def test_the_case_page_links_to_the_relocation_page(case, staff, client_for):
    page = client_for(staff.caseworker).get(f"/cases/{case.id}/").content.decode()
    assert page_url(case.id) in page


def test_no_inline_script_or_style(planned, staff, client_for):
    case, _leg, _document = planned
    page = client_for(staff.caseworker).get(page_url(case.id)).content.decode()
    assert "<script" not in page and "<style" not in page and " style=" not in page


def test_the_shared_number_match_is_on_the_page(planned, staff, team, client_for):
    from tests.cases.conftest import new_case

    case, _leg, _document = planned
    other = new_case(team, [staff.caseworker])
    documents.add_document(user=staff.caseworker, case_id=other.id, document=passport())
    page = client_for(staff.caseworker).get(page_url(case.id)).content.decode()
    assert "The same document number is on another case" in page
    assert other.id in page
