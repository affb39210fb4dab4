"""Every partners URL, as every role and as a caseworker not on the case: whoever may
not see the case gets a 404 on each referral route of it (the same as a missing case),
roles that do not refer or manage partners get nothing of the partner pages, and only a
programme manager other than the creator approves."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import get_resolver

from tests.cases.test_authorisation_walk import fill, walk
from tests.factories import login_verified
from tests.partners.conftest import with_consent
from waystation.partners.models import KeyChange, PartnerKey, Referral

pytestmark = pytest.mark.django_db

MARK = "Zpqmarker"


@pytest.fixture
def seeded(staff, case, keyed, tmp_path):
    from tests.partners.conftest import draft
    from waystation.partners.services import partners as partner_services
    from waystation.partners.services import referrals
    from waystation.vault import age

    partner_services.change_partner(
        user=staff.manager,
        partner_id=keyed.partner.id,
        details=partner_services.PartnerDetails(name=keyed.partner.name, contacts=f"contact{MARK}"),
    )
    referral = referrals.create_referral(
        user=staff.caseworker,
        case_id=case.id,
        draft=draft(keyed.partner, purpose=f"purpose{MARK}", summary=f"summary{MARK}"),
    )
    with_consent(staff, case, referral)
    change = partner_services.propose_key(
        user=staff.manager, partner_id=keyed.partner.id, recipient=age.new_identity().recipient
    )
    return {
        "case_id": case.id,
        "partner_id": keyed.partner.id,
        "referral_id": referral.id,
        "change_id": change.id,
        "key_id": PartnerKey.objects.get(partner=keyed.partner).id,
    }


def _routes():
    return [
        (name, route)
        for name, route in walk(get_resolver().url_patterns)
        if name.startswith("partners:")
    ]


def test_the_walk_sees_every_partners_route():
    names = {name for name, _ in _routes()}
    assert len(names) >= 18
    assert {"partners:referral_approve", "partners:referral_download", "partners:import"} <= names


def test_outsiders_get_404_on_every_referral_route_of_the_case(staff, seeded):
    outsiders = {
        "unassigned caseworker": staff.other_caseworker,
        "manager of another team": staff.other_manager,
        "screener": staff.screener,
        "logistics": staff.logistics,
        "documentation": staff.documentation,
        "administrator": staff.admin,
    }
    before = list(Referral.objects.values_list("state", "approved_by_id", "sent_at"))
    failures = []
    for who, user in outsiders.items():
        client = Client()
        for name, route in _routes():
            if "<str:case_id>" not in route:
                continue
            for method in ("get", "post"):
                login_verified(client, user)
                response = getattr(client, method)(fill(route, seeded), data={"note": "x"})
                missing = getattr(client, method)(
                    fill(route, {**seeded, "case_id": "nosuchcase000000"}), data={"note": "x"}
                )
                if response.status_code not in (404, 405) or (
                    response.status_code != missing.status_code
                ):
                    failures.append(f"{who} {method} {name}: {response.status_code}")
                if MARK in response.content.decode(errors="replace"):
                    failures.append(f"{who} {method} {name} leaked")
    assert failures == []
    assert list(Referral.objects.values_list("state", "approved_by_id", "sent_at")) == before


def test_partner_pages_by_role(staff, seeded):
    """Reading partners: those who refer or manage them. Changing them: managers only."""
    expected_reader = {
        "caseworker": True,
        "other_caseworker": True,
        "manager": True,
        "other_manager": True,
        "screener": False,
        "logistics": False,
        "documentation": False,
        "admin": False,
    }
    failures = []
    for who, user in staff.everyone().items():
        client = Client()
        login_verified(client, user)
        for name, route in _routes():
            if "<str:case_id>" in route:
                continue
            url = fill(route, seeded)
            response = client.get(url)
            leaked = MARK in response.content.decode(errors="replace")
            if expected_reader[who]:
                if response.status_code not in (200, 405):
                    failures.append(f"{who} GET {name}: {response.status_code}")
            else:
                if response.status_code not in (403, 405) or leaked:
                    failures.append(f"{who} GET {name}: {response.status_code} leaked={leaked}")
    assert failures == []


def test_only_managers_change_partners_and_keys(staff, seeded):
    for who in ("caseworker", "other_caseworker", "screener", "logistics", "admin"):
        client = Client()
        login_verified(client, getattr(staff, who))
        client.post("/partners/add/", {"name": f"New{who}"})
        client.post(f"/partners/{seeded['partner_id']}/change/", {"name": "Renamed"})
        client.post(
            f"/partners/{seeded['partner_id']}/keys/{seeded['change_id']}/decide/",
            {"decision": "approve"},
        )
        client.post(f"/partners/{seeded['partner_id']}/keys/{seeded['key_id']}/retire/")
    assert KeyChange.objects.get(pk=seeded["change_id"]).status == "pending"
    assert PartnerKey.objects.get(pk=seeded["key_id"]).retired_at is None
    from waystation.partners.models import Partner

    assert Partner.objects.count() == 1
    assert Partner.objects.get().name == "Harbour Shelter"


def test_the_people_of_the_case_see_the_referral_and_only_a_second_manager_approves(
    staff, case, seeded
):
    url = f"/partners/case/{case.id}/{seeded['referral_id']}/"
    client = Client()
    login_verified(client, staff.caseworker)
    page = client.get(url)
    assert page.status_code == 200
    assert f"summary{MARK}" in page.content.decode()
    assert re.search(r"approve/", page.content.decode()) is None  # no approve button
    client.post(url + "approve/")
    assert Referral.objects.get(pk=seeded["referral_id"]).state == "draft"
    login_verified(client, staff.manager)
    client.post(url + "approve/")
    assert Referral.objects.get(pk=seeded["referral_id"]).state == "approved"


def test_the_case_page_links_to_its_referrals(staff, case, client_for):
    page = client_for(staff.caseworker).get(f"/cases/{case.id}/")
    assert f"/partners/case/{case.id}/" in page.content.decode()
