"""The staff pages of casework, through the test client."""

from __future__ import annotations

from tests.cases.conftest import new_case
from waystation.audit.models import AuditEntry
from waystation.cases.models import Case, Channel, Note, Stage, Urgency
from waystation.cases.services import daily_work, stages, verification


def test_the_queue_lists_visible_cases_most_urgent_first(staff, team, other_team, client_for):
    later_urgent = new_case(team, [staff.caseworker], urgency=Urgency.NOW)
    first_calm = new_case(team, [staff.caseworker], urgency=Urgency.NOT_IMMEDIATE)
    hidden = new_case(other_team, [staff.other_caseworker])
    Case.objects.filter(pk=later_urgent.pk).update(opened_at=first_calm.opened_at)
    page = client_for(staff.caseworker).get("/cases/").content.decode()
    assert later_urgent.id in page and first_calm.id in page
    assert page.index(later_urgent.id) < page.index(first_calm.id)
    assert hidden.id not in page


def test_the_queue_is_paginated(staff, team, client_for):
    for _ in range(55):
        new_case(team, [staff.caseworker])
    client = client_for(staff.caseworker)
    first = client.get("/cases/").content.decode()
    assert "Page 1 of 2" in first
    second = client.get("/cases/?page=2")
    assert second.status_code == 200
    assert second.content.decode().count("/cases/") > 5


def test_my_cases_shows_only_assigned_ones(staff, team, client_for):
    mine = new_case(team, [staff.caseworker])
    supervised = new_case(team, [])
    page = client_for(staff.caseworker).get("/cases/mine/").content.decode()
    assert mine.id in page and supervised.id not in page
    manager_queue = client_for(staff.manager).get("/cases/").content.decode()
    assert mine.id in manager_queue and supervised.id in manager_queue


def test_the_case_page_shows_the_case_and_records_the_reading(case, staff, client_for):
    response = client_for(staff.caseworker).get(f"/cases/{case.id}/")
    assert response.status_code == 200
    assert "Test Person" in response.content.decode()
    assert AuditEntry.objects.filter(action="case.opened", object_id=case.id).count() == 1


def test_markup_in_any_field_renders_as_text(staff, team, client_for):
    attack = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    case = new_case(
        team,
        [staff.caseworker],
        full_name=attack,
        narrative=attack,
        city=attack,
        contacts=[{"name": attack, "handle": attack}],
    )
    for call in (
        lambda: daily_work.add_note(user=staff.caseworker, case_id=case.id, text=attack),
        lambda: daily_work.add_task(user=staff.caseworker, case_id=case.id, title=attack),
        lambda: verification.record_reference(
            user=staff.caseworker, case_id=case.id, organisation=attack, text=attack
        ),
        lambda: daily_work.assess_risk(
            user=staff.caseworker, case_id=case.id, urgency=1, reasons=attack
        ),
    ):
        call()
    page = client_for(staff.caseworker).get(f"/cases/{case.id}/").content.decode()
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_actions_through_the_page_and_their_refusals(case, staff, client_for):
    client = client_for(staff.caseworker)
    response = client.post(f"/cases/{case.id}/notes/", {"kind": "note", "text": "Called her"})
    assert response.status_code == 302
    assert Note.objects.filter(case=case).count() == 1
    refused = client.post(f"/cases/{case.id}/stage/", {"to_stage": "closed"}, follow=True)
    assert "cannot move there" in refused.content.decode()
    empty = client.post(f"/cases/{case.id}/notes/", {"kind": "note", "text": ""}, follow=True)
    assert "required" in empty.content.decode()
    assert Note.objects.filter(case=case).count() == 1


def test_opening_a_case_by_hand(staff, team, client_for):
    client = client_for(staff.screener)
    assert client.get("/cases/new/").status_code == 200
    response = client.post(
        "/cases/new/",
        {
            "full_name": "Called In",
            "phone": "+7 900 111 22 33",
            "narrative": "Phoned the hotline.",
            "channel": Channel.PHONE,
            "urgency": Urgency.DAYS,
            "team": team.pk,
            "assignees": [staff.caseworker.pk],
            "contacts": "Aunt; +7 900 999 88 77\nFriend; @friend_handle",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(channel=Channel.PHONE)
    assert case.team == team
    assert case.contacts == [
        {"name": "Aunt", "phone": "+7 900 999 88 77", "handle": "", "email": ""},
        {"name": "Friend", "phone": "", "handle": "@friend_handle", "email": ""},
    ]
    # The screener is not on the case: need to know hides it from them afterwards.
    assert client.get(f"/cases/{case.id}/").status_code == 404


def test_roles_without_opening_cannot_open_cases(staff, client_for):
    for user in (staff.admin, staff.documentation, staff.logistics):
        assert client_for(user).get("/cases/new/").status_code == 403


def test_the_alerts_page_lists_approvals_for_managers(case, staff, client_for):
    from tests.cases.test_workflow import to_verification, verify

    to_verification(case, staff.caseworker)
    verify(case, staff.caseworker)
    stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.PLANNING)
    page = client_for(staff.manager).get("/cases/alerts/").content.decode()
    assert "Approval requested" in page
    assert case.id in page


def test_approving_through_the_page(case, staff, client_for):
    from tests.cases.test_workflow import to_verification, verify

    to_verification(case, staff.caseworker)
    verify(case, staff.caseworker)
    asked = stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage="planning")
    own = client_for(staff.caseworker).post(
        f"/cases/{case.id}/approvals/{asked.approval.id}/", {"decision": "approve"}, follow=True
    )
    assert "Someone else" in own.content.decode()
    client_for(staff.manager).post(
        f"/cases/{case.id}/approvals/{asked.approval.id}/", {"decision": "approve"}
    )
    case.refresh_from_db()
    assert case.stage == Stage.PLANNING
