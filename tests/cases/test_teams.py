"""Setting up teams, and taking someone off a case."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.cases.conftest import new_case
from tests.factories import login_verified
from waystation.audit.models import AuditEntry
from waystation.cases.models import Team


def _client(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def test_a_programme_manager_sets_up_a_team(staff):
    client = _client(staff.manager)

    response = client.post(
        "/cases/teams/", {"name": "East", "supervisor": staff.caseworker.pk}, follow=True
    )

    assert response.status_code == 200
    team = Team.objects.get(name="East")
    assert team.supervisor == staff.caseworker
    assert "East" in response.content.decode()
    entry = AuditEntry.objects.get(action="case.team_created")
    assert entry.actor_id == staff.manager.pk and entry.object_id == team.id


@pytest.mark.parametrize("role", ["screener", "caseworker", "logistics", "documentation", "admin"])
def test_only_programme_managers_reach_the_teams_page(staff, role):
    client = _client(getattr(staff, role))

    assert client.get("/cases/teams/").status_code == 403
    assert client.post("/cases/teams/", {"name": "X", "supervisor": 1}).status_code == 403
    assert not Team.objects.exists()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "", "supervisor": "SUPERVISOR"}, "This field is required"),
        ({"name": "x" * 101, "supervisor": "SUPERVISOR"}, "at most 100 characters"),
        ({"name": "East", "supervisor": "999999"}, "Select a valid choice"),
        ({"name": "East", "supervisor": "ADMIN"}, "Select a valid choice"),
        ({"name": "East", "supervisor": "not a number"}, "Select a valid choice"),
    ],
)
def test_bad_team_input_is_refused_and_sets_up_nothing(staff, data, message):
    data = {
        k: str({"SUPERVISOR": staff.caseworker.pk, "ADMIN": staff.admin.pk}.get(v, v))
        for k, v in data.items()
    }

    response = _client(staff.manager).post("/cases/teams/", data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Team.objects.exists()


def test_a_team_name_is_shown_as_text_and_given_once(staff):
    client = _client(staff.manager)
    markup = "<script>alert(1)</script>"
    client.post("/cases/teams/", {"name": markup, "supervisor": staff.caseworker.pk})

    again = client.post("/cases/teams/", {"name": markup, "supervisor": staff.manager.pk})

    page = again.content.decode()
    assert again.status_code == 400 and "A team with that name exists" in page
    assert markup not in page and "&lt;script&gt;" in page
    assert Team.objects.count() == 1


def test_the_supervisor_takes_someone_off_a_case_who_then_cannot_see_it(staff, team):
    case = new_case(team, [staff.caseworker])
    assert _client(staff.caseworker).get(f"/cases/{case.id}/").status_code == 200

    response = _client(staff.manager).post(
        f"/cases/{case.id}/unassign/", {"assignee": staff.caseworker.pk}
    )

    assert response.status_code == 302
    assert _client(staff.caseworker).get(f"/cases/{case.id}/").status_code == 404
    assert AuditEntry.objects.filter(action="case.unassigned", object_id=case.id).exists()


def test_an_assignee_cannot_take_others_off_a_case(staff, team):
    case = new_case(team, [staff.caseworker, staff.other_caseworker])
    client = _client(staff.caseworker)

    client.post(f"/cases/{case.id}/unassign/", {"assignee": staff.other_caseworker.pk})

    assert case.assignments.filter(user=staff.other_caseworker).exists()
