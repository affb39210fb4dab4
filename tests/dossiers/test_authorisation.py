"""Every dossiers URL, as every role and as staff not on the case: whoever may not see
the case gets a 404 on each route of it (the same as a missing case) and changes
nothing; roles that neither build nor approve dossiers get nothing of them; only a
programme manager other than the one who asked approves."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import get_resolver

from tests.cases.test_authorisation_walk import fill, walk
from tests.dossiers.conftest import build
from tests.factories import login_verified
from waystation.dossiers.models import CustodyEvent, Dossier, Exhibit

pytestmark = pytest.mark.django_db

MARK = "Zpqmarker"


@pytest.fixture
def seeded(staff, case):
    made = build(staff, case)
    Dossier.objects.get(pk=made.dossier.id)
    return {
        "case_id": case.id,
        "dossier_id": made.dossier.id,
        "exhibit_id": Exhibit.objects.filter(dossier=made.dossier).first().id,
    }


def _routes():
    return [(n, r) for n, r in walk(get_resolver().url_patterns) if n.startswith("dossiers:")]


def _state():
    return (
        list(Dossier.objects.values_list("state", "approved_by_id", "exported_at", "cover_letter")),
        Exhibit.objects.count(),
        CustodyEvent.objects.count(),
    )


def test_the_walk_sees_every_dossiers_route():
    names = {name for name, _ in _routes()}
    assert names == {
        "dossiers:case",
        "dossiers:create",
        "dossiers:dossier",
        "dossiers:statement",
        "dossiers:cover_letter",
        "dossiers:timeline",
        "dossiers:add_case_file",
        "dossiers:upload",
        "dossiers:exhibit",
        "dossiers:recipient",
        "dossiers:consent",
        "dossiers:request",
        "dossiers:approve",
        "dossiers:download",
        "dossiers:cancel",
    }
    assert all("<str:case_id>" in route for _, route in _routes())


def test_outsiders_get_404_on_every_dossier_route_of_the_case(staff, seeded):
    outsiders = {
        "unassigned caseworker": staff.other_caseworker,
        "manager of another team": staff.other_manager,
        "screener": staff.screener,
        "logistics": staff.logistics,
        "documentation": staff.documentation,
        "administrator": staff.admin,
    }
    before = _state()
    failures = []
    for who, user in outsiders.items():
        client = Client()
        login_verified(client, user)
        for name, route in _routes():
            for method in ("get", "post"):
                data = {"text": f"letter{MARK}", "purpose": "asylum", "country": "CA"}
                response = getattr(client, method)(fill(route, seeded), data=data)
                missing = getattr(client, method)(
                    fill(route, {**seeded, "case_id": "nosuchcase000000"}), data=data
                )
                if response.status_code not in (404, 405) or (
                    response.status_code != missing.status_code
                ):
                    failures.append(f"{who} {method} {name}: {response.status_code}")
    assert failures == []
    assert _state() == before


def test_a_dossier_of_another_case_is_404(staff, case, seeded, team):
    from tests.cases.conftest import new_case

    other = new_case(team, [staff.caseworker], full_name="Other Person")
    client = Client()
    login_verified(client, staff.caseworker)
    url = f"/dossiers/case/{other.id}/{seeded['dossier_id']}/"
    assert client.get(url).status_code == 404
    assert client.get(url + f"exhibits/{seeded['exhibit_id']}/").status_code == 404
    assert client.post(url + "cancel/").status_code == 404
    assert Dossier.objects.get(pk=seeded["dossier_id"]).state == "draft"


def test_the_people_of_the_case_read_it_and_only_a_second_manager_approves(staff, case, seeded):
    url = f"/dossiers/case/{case.id}/{seeded['dossier_id']}/"
    client = Client()
    login_verified(client, staff.caseworker)
    page = client.get(url)
    assert page.status_code == 200
    assert "Invented Translator" in page.content.decode()
    assert "/approve/" not in page.content.decode()
    client.post(url + "approve/")
    assert Dossier.objects.get(pk=seeded["dossier_id"]).state == "draft"
    login_verified(client, staff.manager)
    assert "/approve/" in client.get(url).content.decode()
    client.post(url + "approve/")
    assert Dossier.objects.get(pk=seeded["dossier_id"]).state == "approved"


def test_viewing_an_exhibit_is_a_step_of_its_custody(staff, case, seeded):
    client = Client()
    login_verified(client, staff.caseworker)
    url = f"/dossiers/case/{case.id}/{seeded['dossier_id']}/exhibits/{seeded['exhibit_id']}/"

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert (
        CustodyEvent.objects.filter(exhibit_id=seeded["exhibit_id"], action="viewed").count() == 1
    )


def test_the_case_page_links_to_its_dossiers(staff, case, client_for):
    page = client_for(staff.caseworker).get(f"/cases/{case.id}/")
    assert f"/dossiers/case/{case.id}/" in page.content.decode()
