"""Opening a case without losing it (issue #15): a hand-typed case needs a team or an
assignee, the page says who can see it, and a web request links to opening one."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from tests.cases.test_from_request import submit
from waystation.audit.models import AuditEntry
from waystation.cases.models import Case, Channel, Urgency
from waystation.cases.services import opening
from waystation.cases.services.common import CaseError


def by_hand(**more: object) -> dict[str, object]:
    return {
        "full_name": "Called In",
        "phone": "+7 900 111 22 33",
        "narrative": "Phoned the hotline: in danger now.",
        "channel": Channel.PHONE,
        "urgency": Urgency.NOW,
        **more,
    }


def test_a_case_with_neither_team_nor_assignee_is_refused_and_nothing_changes(staff, client_for):
    client = client_for(staff.screener)
    response = client.post("/cases/new/", by_hand())
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose a team or at least one person to work on the case" in page
    assert "Called In" in page  # what was typed is still there
    assert not Case.objects.exists()
    assert not AuditEntry.objects.filter(action="case.created").exists()


def test_the_service_refuses_it_too(staff):
    intake = opening.ManualIntake(
        full_name="Called In", phone="", narrative="", urgency=Urgency.NOW, channel=Channel.PHONE
    )
    with pytest.raises(CaseError, match="nobody could see it"):
        opening.open_case_by_hand(user=staff.screener, intake=intake, team_id=None)
    assert not Case.objects.exists()


def test_a_case_for_a_team_is_seen_by_its_supervisor_and_the_message_says_so(
    staff, team, client_for
):
    response = client_for(staff.screener).post("/cases/new/", by_hand(team=team.pk), follow=True)
    page = response.content.decode()
    case = Case.objects.get()
    assert f"Case {case.id} opened and handed to the team North (its supervisor manager)" in page
    assert "handed to its team" not in page
    # The programme manager who supervises the team finds it in the queue and opens it.
    manager = client_for(staff.manager)
    assert case.id in manager.get("/cases/").content.decode()
    assert manager.get(f"/cases/{case.id}/").status_code == 200


def test_a_case_assigned_to_its_creator_stays_with_them(staff, client_for):
    client = client_for(staff.caseworker)
    response = client.post("/cases/new/", by_hand(assignees=[staff.caseworker.pk]), follow=True)
    case = Case.objects.get()
    assert response.redirect_chain[-1][0] == f"/cases/{case.id}/"
    assert "Case opened. It can be seen by: caseworker." in response.content.decode()
    assert client.get("/cases/mine/").content.decode().count(case.id) >= 1


def test_the_open_from_request_form_refuses_nobody_too(staff, client_for):
    receipt = submit()
    response = client_for(staff.screener).post(
        f"/cases/from-request/{receipt.request_id}/", {"full_name": "Someone"}
    )
    assert response.status_code == 400
    assert "nobody could see it" in response.content.decode()
    assert not Case.objects.exists()


# --- from the request page ---------------------------------------------------------------


def test_the_request_page_links_to_opening_a_case(staff, client_for):
    receipt = submit()
    page = client_for(staff.screener).get(f"/intake/{receipt.request_id}/").content.decode()
    assert f'href="/cases/from-request/{receipt.request_id}/"' in page
    assert ">Open a case</a>" in page


def test_no_open_a_case_link_once_a_case_exists(staff, team, client_for):
    receipt = submit()
    opening.open_case_from_request(
        user=staff.manager, request_id=receipt.request_id, team_id=team.pk
    )
    page = client_for(staff.manager).get(f"/intake/{receipt.request_id}/").content.decode()
    assert f"/cases/from-request/{receipt.request_id}/" not in page


def test_no_open_a_case_link_without_the_permission(staff, client_for):
    receipt = submit()
    # A screening role whose group has lost the right to open cases.
    group = staff.screener.groups.get()
    group.permissions.remove(Permission.objects.get(codename="open_case"))
    page = client_for(staff.screener).get(f"/intake/{receipt.request_id}/").content.decode()
    assert "/cases/from-request/" not in page
