"""A refused form on the case page comes back as typed, with what is wrong: a long note
is not lost to one character too many. What was typed goes only into that response,
never into the session or a cookie (the session table is in the database, in clear)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from waystation.audit.models import AuditEntry
from waystation.cases.models import (
    Case,
    CaseMessage,
    CheckInSchedule,
    Note,
    Stage,
    StageChange,
    Task,
)

MARKER = "Zarema-interview-marker"


@pytest.fixture
def planning_case(case):
    Case.objects.filter(pk=case.pk).update(stage=Stage.PLANNING)
    case.refresh_from_db()
    return case


def _opened(case: Case) -> int:
    return AuditEntry.objects.filter(action="case.opened", object_id=case.id).count()


def _nothing_typed_stored(client: Client) -> None:
    for session in Session.objects.all():
        assert MARKER not in str(session.get_decoded())
        assert MARKER not in session.session_data
    assert all(MARKER not in morsel.value for morsel in client.cookies.values())


def test_a_note_one_character_too_long_comes_back_as_typed(staff, case, client_for):
    text = f"{MARKER}: long interview notes. " + "x" * 20_000
    text = text[:20_001]
    client = client_for(staff.caseworker)
    opened = _opened(case)

    response = client.post(f"/cases/{case.id}/notes/", {"kind": "credibility", "text": text})

    assert response.status_code == 400
    html = response.content.decode()
    assert text in html  # in the note form, as typed
    assert "at most 20000 characters (it has 20001)" in html
    assert "Nothing was saved" in html and 'href="#timeline"' in html
    assert '<option value="credibility" selected>' in html
    assert not Note.objects.exists()
    assert _opened(case) == opened + 1  # the re-render opened the case: one entry
    _nothing_typed_stored(client)


def test_a_refused_stage_move_keeps_the_reason(staff, planning_case, client_for):
    case = planning_case
    client = client_for(staff.caseworker)
    changes = StageChange.objects.filter(case=case).count()
    opened = _opened(case)

    response = client.post(
        f"/cases/{case.id}/stage/",
        {"to_stage": Stage.IN_TRANSIT, "reason": f"{MARKER}: the bus leaves at six"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Set a check-in schedule before the journey starts." in html
    assert f"{MARKER}: the bus leaves at six" in html
    assert f'<option value="{Stage.IN_TRANSIT}" selected>' in html
    case.refresh_from_db()
    assert case.stage == Stage.PLANNING
    assert StageChange.objects.filter(case=case).count() == changes
    assert not AuditEntry.objects.filter(action="case.stage_changed").exists()
    assert _opened(case) == opened + 1
    _nothing_typed_stored(client)


def test_a_move_to_a_stage_the_case_cannot_reach_is_refused(staff, planning_case, client_for):
    response = client_for(staff.caseworker).post(
        f"/cases/{planning_case.id}/stage/", {"to_stage": Stage.CLOSED, "reason": "why"}
    )
    assert response.status_code == 400
    assert "cannot move there" in response.content.decode()
    planning_case.refresh_from_db()
    assert planning_case.stage == Stage.PLANNING


@pytest.mark.parametrize(
    "data",
    [
        {"to_stage": "<script>alert(1)</script>", "reason": "r"},
        {"to_stage": "", "reason": "r"},
        {"to_stage": Stage.ON_HOLD, "reason": "x" * 5_001},
    ],
)
def test_malformed_stage_moves_change_nothing(staff, planning_case, client_for, data):
    response = client_for(staff.caseworker).post(f"/cases/{planning_case.id}/stage/", data)
    assert response.status_code == 400
    assert "<script>alert(1)" not in response.content.decode()
    planning_case.refresh_from_db()
    assert planning_case.stage == Stage.PLANNING


def test_a_refused_message_keeps_every_field(staff, case, client_for):
    response = client_for(staff.caseworker).post(
        f"/cases/{case.id}/messages/",
        {"direction": "sideways", "channel": "signal", "text": f"{MARKER} called at noon"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f"{MARKER} called at noon" in html
    assert '<option value="signal" selected>' in html
    assert "Select a valid choice" in html
    assert not CaseMessage.objects.exists()


def test_hostile_markup_in_a_refused_form_is_shown_as_text(staff, case, client_for):
    hostile = "<script>alert(1)</script>" + "y" * 500  # a task is at most 500 characters
    response = client_for(staff.caseworker).post(
        f"/cases/{case.id}/tasks/", {"title": hostile, "due": "2026-02-31"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Enter a valid date." in html
    assert not Task.objects.exists()


@pytest.mark.parametrize("every", ["-5", "0", "100000000000000000000", "twelve"])
def test_out_of_range_schedules_are_refused_as_typed(staff, case, client_for, every):
    response = client_for(staff.caseworker).post(
        f"/cases/{case.id}/check-ins/schedule/", {"every_hours": every, "grace_hours": "6"}
    )
    assert response.status_code == 400
    assert f'value="{every}"' in response.content.decode()
    assert not CheckInSchedule.objects.exists()


def test_a_refused_form_on_a_case_one_may_not_see_is_a_404(staff, case, client_for):
    for who in (staff.other_caseworker, staff.admin, staff.other_manager):
        client = client_for(who)
        opened = _opened(case)
        response = client.post(f"/cases/{case.id}/notes/", {"kind": "note", "text": "x" * 20_001})
        assert response.status_code == 404
        response = client.post(f"/cases/{case.id}/stage/", {"to_stage": "closed"})
        assert response.status_code == 404
        assert MARKER not in response.content.decode()
        assert _opened(case) == opened


def test_a_refused_form_the_person_is_not_shown_reports_at_the_top(staff, case, client_for):
    """A caseworker may not assign: the assign form is not on their page, so a refusal
    of it is explained at the top rather than in a form they cannot see."""
    response = client_for(staff.caseworker).post(
        f"/cases/{case.id}/assign/", {"assignee": str(staff.other_caseworker.pk)}
    )
    assert response.status_code == 400
    assert "Only the team" in response.content.decode()


def test_tampered_hidden_fields_are_refused_without_echo(staff, case, client_for):
    client = client_for(staff.manager)
    response = client.post(f"/cases/{case.id}/unassign/", {"assignee": f"<b>{MARKER}</b>"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "could not be understood" in page
    assert MARKER not in page
    _nothing_typed_stored(client)
