"""docs/design.md §2.8: "shred now" needs two programme managers who may both see the
case; the page says what will be gone; `waystation cases shred` records the first of
them for an operator (docs/casework.md "Shred now")."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.cases.models import Alert, AlertKind, Case, Note, ShredCause, ShredRequest
from waystation.cases.selectors.visibility import CaseNotFound
from waystation.cases.services import access, daily_work, shredding
from waystation.cases.services.common import CaseError
from waystation.vault.models import DataKey


@pytest.fixture
def third_manager(staff, case):
    """A programme manager who may see the case (assigned), besides its supervisor."""
    manager = make_staff(Role.PROGRAMME_MANAGER, "thirdmanager")
    access.assign(user=staff.manager, case_id=case.id, assignee_id=manager.pk)
    return manager


def _is_whole(case: Case) -> bool:
    row = Case.objects.get(pk=case.pk)
    return row.shredded_at is None and DataKey.objects.get(pk=row.data_key_id).wrapped is not None


def test_one_programme_manager_alone_cannot_shred(staff, case):
    asked = shredding.request_shred(user=staff.manager, case_id=case.id, reason="asked to")
    assert _is_whole(case)
    with pytest.raises(CaseError, match="different programme manager"):
        shredding.confirm_shred(user=staff.manager, case_id=case.id, request_id=asked.id)
    with pytest.raises(CaseError, match="already waiting"):
        shredding.request_shred(user=staff.manager, case_id=case.id, reason="again")
    assert _is_whole(case)
    assert ShredRequest.objects.get(pk=asked.pk).status == ShredRequest.Status.PENDING


def test_a_second_programme_manager_confirms_and_the_case_is_a_tombstone(
    staff, case, third_manager
):
    daily_work.add_note(user=staff.caseworker, case_id=case.id, text="a note")
    asked = shredding.request_shred(user=staff.manager, case_id=case.id, reason="asked to")
    assert Alert.objects.filter(
        recipient=third_manager, kind=AlertKind.SHRED_REQUESTED, subject=asked.id
    ).exists()

    shredding.confirm_shred(user=third_manager, case_id=case.id, request_id=asked.id)

    tomb = Case.objects.get(pk=case.pk)
    assert tomb.shredded_at is not None and tomb.shred_cause == ShredCause.TWO_PERSON
    assert DataKey.objects.get(pk=tomb.data_key_id).wrapped is None
    assert not Note.objects.filter(case=case).exists()
    actions = list(AuditEntry.objects.filter(object_id=case.id).values_list("action", "actor_id"))
    assert ("case.shred_requested", staff.manager.pk) in actions
    assert ("case.shredded_two_person", third_manager.pk) in actions
    # Nothing of it exists any more for an action (or the API, or relocation's pages).
    with pytest.raises(CaseNotFound):
        daily_work.add_note(user=staff.caseworker, case_id=case.id, text="after")


def test_a_programme_manager_who_may_not_see_the_case_gets_a_404(staff, case, third_manager):
    with pytest.raises(CaseNotFound):
        shredding.request_shred(user=staff.other_manager, case_id=case.id, reason="r")
    asked = shredding.request_shred(user=staff.manager, case_id=case.id, reason="r")
    with pytest.raises(CaseNotFound):
        shredding.confirm_shred(user=staff.other_manager, case_id=case.id, request_id=asked.id)
    with pytest.raises(CaseNotFound):
        shredding.cancel_shred(user=staff.other_manager, case_id=case.id, request_id=asked.id)
    assert _is_whole(case)


def test_emergency_access_is_not_enough_to_ask_or_confirm(staff, case):
    """Break-glass is self-granted: a programme manager of another team must not use it
    to become the second person of a shred."""
    access.break_glass(user=staff.other_manager, case_id=case.id, reason="she called us")
    with pytest.raises(CaseError, match="Emergency access does not allow shredding"):
        shredding.request_shred(user=staff.other_manager, case_id=case.id, reason="r")
    asked = shredding.request_shred(user=staff.manager, case_id=case.id, reason="r")
    with pytest.raises(CaseError, match="Emergency access does not allow shredding"):
        shredding.confirm_shred(user=staff.other_manager, case_id=case.id, request_id=asked.id)
    assert _is_whole(case)


def test_someone_who_sees_the_case_but_is_no_programme_manager_is_refused(staff, case):
    with pytest.raises(CaseError, match="Your role"):
        shredding.request_shred(user=staff.caseworker, case_id=case.id, reason="r")
    asked = shredding.request_shred(user=staff.manager, case_id=case.id, reason="r")
    with pytest.raises(CaseError, match="Your role"):
        shredding.confirm_shred(user=staff.caseworker, case_id=case.id, request_id=asked.id)
    assert _is_whole(case)


def test_an_expired_or_cancelled_request_cannot_be_confirmed(staff, case, third_manager):
    asked = shredding.request_shred(user=staff.manager, case_id=case.id, reason="r")
    late = timezone.now() + timedelta(days=7, seconds=1)
    with pytest.raises(CaseError, match="no longer open"):
        shredding.confirm_shred(user=third_manager, case_id=case.id, request_id=asked.id, now=late)
    shredding.expire_shred_requests(now=late)
    assert ShredRequest.objects.get(pk=asked.pk).status == ShredRequest.Status.EXPIRED

    again = shredding.request_shred(user=staff.manager, case_id=case.id, reason="r")
    shredding.cancel_shred(user=third_manager, case_id=case.id, request_id=again.id)
    with pytest.raises(CaseError, match="no longer open"):
        shredding.confirm_shred(user=third_manager, case_id=case.id, request_id=again.id)
    assert _is_whole(case)
    assert AuditEntry.objects.filter(action="case.shred_cancelled").count() == 1


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "The reason is required."),
        ("   ", "The reason is required."),
        ("x" * 2_001, "The reason is limited to 2,000 characters."),
        ("<script>alert(1)</script>", "plain text: remove the markup"),
        ("ok\x00then", "Null characters are not allowed."),
        ("ok\x07then", "control characters"),
    ],
)
def test_a_bad_reason_is_refused_on_the_page_and_changes_nothing(
    staff, case, client_for, reason, message
):
    client = client_for(staff.manager, reauthenticated=True)
    response = client.post(f"/cases/{case.id}/shred/request/", {"reason": reason})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "<script>alert(1)" not in response.content.decode()
    assert not ShredRequest.objects.filter(case=case).exists()
    assert not AuditEntry.objects.filter(action="case.shred_requested").exists()


def test_the_page_flow_request_then_confirm_by_another(staff, case, third_manager, client_for):
    first = client_for(staff.manager, reauthenticated=True)
    page = first.get(f"/cases/{case.id}/shred/").content.decode()
    assert "This cannot be undone." in page and "What will be gone" in page

    asked = first.post(f"/cases/{case.id}/shred/request/", {"reason": "asked to be forgotten"})
    assert asked.status_code == 302
    pending = ShredRequest.objects.get(case=case, status=ShredRequest.Status.PENDING)
    own_view = first.get(f"/cases/{case.id}/shred/").content.decode()
    assert "asked to be forgotten" in own_view
    assert f"/shred/{pending.id}/confirm/" not in own_view  # no button for oneself
    refused = first.post(f"/cases/{case.id}/shred/{pending.id}/confirm/")
    assert refused.status_code == 400 and _is_whole(case)
    assert "A different programme manager must confirm" in refused.content.decode()

    second = client_for(third_manager, reauthenticated=True)
    second_view = second.get(f"/cases/{case.id}/shred/").content.decode()
    assert f"/shred/{pending.id}/confirm/" in second_view
    assert "Asked by manager" in second_view
    done = second.post(f"/cases/{case.id}/shred/{pending.id}/confirm/")
    assert done.status_code == 302

    tomb = second.get(f"/cases/{case.id}/")
    assert tomb.status_code == 200
    assert "shredded" in tomb.content.decode() and "Test Person" not in tomb.content.decode()
    assert not _is_whole(case)
    # Every other page of the case is the 404 of a case that does not exist.
    assert second.get(reverse("relocation:case", args=[case.id])).status_code == 404
    assert second.post(f"/cases/{case.id}/notes/", {"text": "after"}).status_code == 404


def test_the_shred_page_wants_the_password_again_and_hides_from_outsiders(staff, case, client_for):
    stale = client_for(staff.manager)
    assert "/reauthenticate" in stale.get(f"/cases/{case.id}/shred/")["Location"]
    outsider = client_for(staff.other_manager, reauthenticated=True)
    assert outsider.get(f"/cases/{case.id}/shred/").status_code == 404
    assert outsider.post(f"/cases/{case.id}/shred/request/", {"reason": "r"}).status_code == 404
    caseworker = client_for(staff.caseworker, reauthenticated=True)
    assert caseworker.get(f"/cases/{case.id}/shred/").status_code == 403


def test_the_case_page_shows_retention_and_the_way_to_shred(staff, case, client_for):
    page = client_for(staff.manager).get(f"/cases/{case.id}/").content.decode()
    assert "Retention and shredding" in page and "Shred this case now" in page
    worker_page = client_for(staff.caseworker).get(f"/cases/{case.id}/").content.decode()
    assert "Shred this case now" not in worker_page


def test_the_command_records_the_request_and_the_page_confirms(
    staff, case, third_manager, client_for
):
    out = StringIO()
    call_command(
        "cases", "shred", case.id, "--by", "manager", "--reason", "court order", stdout=out
    )
    assert "Nothing is shredded yet" in out.getvalue()
    pending = ShredRequest.objects.get(case=case, status=ShredRequest.Status.PENDING)
    assert pending.via_command and pending.requested_by_id == staff.manager.pk
    assert AuditEntry.objects.filter(
        action="case.shred_requested_by_command", object_id=case.id, actor_id=staff.manager.pk
    ).exists()
    assert _is_whole(case)
    with pytest.raises(CommandError, match="already waiting"):
        call_command("cases", "shred", case.id, "--by", "thirdmanager", "--reason", "x")

    second = client_for(third_manager, reauthenticated=True)
    assert "waystation cases shred" in second.get(f"/cases/{case.id}/shred/").content.decode()
    second.post(f"/cases/{case.id}/shred/{pending.id}/confirm/")
    assert not _is_whole(case)


def test_the_command_refuses_an_unknown_person_an_unseen_case_and_a_bad_reason(staff, case):
    for args, message in [
        (["--by", "nobody", "--reason", "r"], "No active member of staff"),
        (["--by", "othermanager", "--reason", "r"], "not one that this programme manager"),
        (["--by", "caseworker", "--reason", "r"], "Your role"),
        (["--by", "manager", "--reason", ""], "The reason is required."),
        (["--by", "manager", "--reason", "<b>x</b>"], "markup"),
    ]:
        with pytest.raises(CommandError, match=message):
            call_command("cases", "shred", case.id, *args, stdout=StringIO())
    assert not ShredRequest.objects.exists() and _is_whole(case)
