"""Every lists and matching URL, as every role: a documentation officer may do all; a
programme manager reads the lists and imports but neither records nor decides, and
does not see the review of matches; screeners, caseworkers, logistics and
administrators get nothing, not even a list's name."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import get_resolver

from tests.cases.test_authorisation_walk import fill, walk
from tests.documentation.lists_world import add, new_list
from tests.factories import login_verified, make_staff
from waystation.accounts.roles import Role
from waystation.documentation.models import ListedPerson, ListImport, PersonList, ProposedMatch
from waystation.documentation.services import imports, matching

pytestmark = pytest.mark.django_db

MARK = "Zpqmarker"
READS = {"documentation:lists", "documentation:list", "documentation:list_import"}
REVIEW = {"documentation:matches"}


@pytest.fixture
def members():
    return {role: make_staff(role, f"user{n}") for n, role in enumerate(Role)}


@pytest.fixture
def seeded(members):
    officer = members[Role.DOCUMENTATION]
    one, two = new_list(officer, f"List{MARK}"), new_list(officer, "Other list")
    entry = add(officer, one, f"Ruslan {MARK}", birth_year="1990")
    add(officer, two, f"Ruslan {MARK}", birth_year="1990")
    matching.propose_matches(user=officer)
    done = imports.import_csv(user=officer, list_id=two.id, data=b"name\nAdam Dudayev\n")
    return {
        "list_id": one.id,
        "entry_id": entry.id,
        "import_id": done.id,
        "match_id": ProposedMatch.objects.get().id,
    }


def _routes():
    return [
        (name, route)
        for name, route in walk(get_resolver().url_patterns)
        if name.startswith(("documentation:list", "documentation:match"))
    ]


def _import_route(seeded):
    # The import of the first list: the page names its list in the URL.
    return {**seeded, "list_id": ListImport.objects.get(pk=seeded["import_id"]).person_list_id}


def _state():
    return (
        sorted(PersonList.objects.values_list("name", flat=True)),
        ListedPerson.objects.count(),
        sorted(ProposedMatch.objects.values_list("status", flat=True)),
    )


def test_the_walk_sees_every_lists_route():
    names = {name for name, _ in _routes()}
    assert len(names) == 13
    assert (
        READS | REVIEW | {"documentation:match_confirm", "documentation:list_import_start"} <= names
    )


@pytest.mark.parametrize(
    "role",
    [Role.SCREENER, Role.CASEWORKER, Role.LOGISTICS, Role.ADMINISTRATOR, Role.PROGRAMME_MANAGER],
)
def test_who_may_not_record_changes_nothing_and_outsiders_see_nothing(members, seeded, role):
    before = _state()
    client = Client()
    login_verified(client, members[role])
    failures = []
    for name, route in _routes():
        values = _import_route(seeded) if name == "documentation:list_import" else seeded
        url = fill(route, values)
        for method in ("get", "post"):
            data = {"name": "Newlist", "kind": "other"} if method == "post" else None
            response = getattr(client, method)(url, data=data)
            if response.status_code == 405:
                continue
            reads = method == "get" and name in READS and role == Role.PROGRAMME_MANAGER
            if reads:
                if response.status_code != 200:
                    failures.append(f"{method} {name}: {response.status_code}")
            elif response.status_code != 403:
                failures.append(f"{method} {name}: {response.status_code}")
            elif MARK in response.content.decode(errors="replace"):
                failures.append(f"{method} {name} leaked")
    assert failures == []
    assert _state() == before


def test_a_documentation_officer_reads_records_and_decides(members, seeded):
    client = Client()
    login_verified(client, members[Role.DOCUMENTATION])
    for name, route in _routes():
        if name in READS | REVIEW:
            values = _import_route(seeded) if name == "documentation:list_import" else seeded
            assert client.get(fill(route, values)).status_code == 200, name

    client.post("/documentation/lists/new/", {"name": "Press 2017", "kind": "media"})
    client.post(f"/documentation/lists/{seeded['list_id']}/entries/", {"name": "Adam Dudayev"})
    client.post(f"/documentation/matches/{seeded['match_id']}/confirm/")

    assert PersonList.objects.filter(name="Press 2017").exists()
    assert ListedPerson.objects.filter(person_list_id=seeded["list_id"]).count() == 2
    assert ProposedMatch.objects.get().status == "confirmed"


def test_an_unknown_list_or_import_is_404_for_a_reader(members, seeded):
    client = Client()
    login_verified(client, members[Role.PROGRAMME_MANAGER])
    assert client.get("/documentation/lists/nosuchlist00000/").status_code == 404
    url = f"/documentation/lists/{seeded['list_id']}/imports/{seeded['import_id']}/"
    assert client.get(url).status_code == 404  # an import of another list
