"""Every figures route as every role: readers of the record (documentation officers,
programme managers) get the page and the downloads; screeners, caseworkers, logistics
coordinators and administrators get a 403 and nothing of any figure, and no audit entry
is written for them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import get_resolver

from tests.cases.test_authorisation_walk import fill, walk
from tests.documentation import seeding
from tests.factories import login_verified, make_staff
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.documentation.models import Level

pytestmark = pytest.mark.django_db

READERS = {Role.DOCUMENTATION, Role.PROGRAMME_MANAGER}
OUTSIDERS = {Role.SCREENER, Role.CASEWORKER, Role.LOGISTICS, Role.ADMINISTRATOR}
MARK = "Zqxfigures"  # a list's name: seen by readers, never by the others


def _routes():
    return [
        (name, route)
        for name, route in walk(get_resolver().url_patterns)
        if name.startswith("documentation:figures")
    ]


@pytest.fixture
def seeded():
    seeding.events(7, on=dt.date.today(), level=Level.CORROBORATED)
    lists = seeding.overlapping_lists(
        [f"{MARK} A", f"{MARK} B"], {(1, 0): 20, (0, 1): 15, (1, 1): 10}
    )
    return {"table": "events_by_kind", "lists": [p.id for p in lists]}


def test_the_walk_sees_every_figures_route():
    assert {name for name, _ in _routes()} == {
        "documentation:figures",
        "documentation:figures_csv",
        "documentation:figures_json",
    }


@pytest.mark.parametrize("role", sorted(READERS | OUTSIDERS, key=str))
def test_figures_routes_by_role(role, seeded):
    user = make_staff(role, f"walk.{role.name.lower()}")
    client = Client()
    login_verified(client, user)
    failures = []
    for name, route in _routes():
        for method in ("get", "post"):
            response = getattr(client, method)(fill(route, seeded), {"lists": seeded["lists"]})
            body = response.content.decode(errors="replace")
            if method == "post":
                expected = 405 if role in READERS else 403
            else:
                expected = 200 if role in READERS else 403
            if response.status_code != expected:
                failures.append(f"{method} {name}: {response.status_code}, not {expected}")
            if role in OUTSIDERS and (MARK in body or "Detention" in body):
                failures.append(f"{method} {name} leaked a figure")
    assert failures == []
    exported = AuditEntry.objects.filter(actor_id=user.pk, action__startswith="documentation.")
    assert exported.count() == (3 if role in READERS else 0)  # the page and two exports


def test_signed_out_visitors_are_sent_to_sign_in(seeded):
    for name, route in _routes():
        response = Client().get(fill(route, seeded))
        assert response.status_code == 302, name
        assert "/accounts/login/" in response["Location"] or "login" in response["Location"]
