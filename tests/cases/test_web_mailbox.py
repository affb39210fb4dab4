"""The web mailbox on the case page: what the applicant writes and presses after their
request became a case shows in the case's timeline, for the people who may see the
case, and they can answer it there; readable only with the codename."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.cases.conftest import new_case
from tests.cases.test_from_request import submit
from tests.intake.conftest import PUBLIC_SETTINGS
from waystation import settings_public
from waystation.audit.models import AuditEntry
from waystation.cases.models import Case
from waystation.cases.selectors import case_file, visibility
from waystation.cases.services import daily_work, opening
from waystation.intake import public_services as intake
from waystation.intake.models import CheckInKind, Direction, MailboxMessage


@pytest.fixture
def web_case(staff, team):
    """A case opened from a web request, assigned to the caseworker and to logistics
    (who works cases but does not screen requests); with the applicant's codename."""
    receipt = submit(story="They read my messages.")
    mailbox = intake.open_mailbox(typed_codename=receipt.codename)
    intake.send_message(mailbox=mailbox, text="Written before the case was opened")
    case = opening.open_case_from_request(
        user=staff.screener,
        request_id=receipt.request_id,
        team_id=team.pk,
        assignee_ids=[staff.caseworker.pk, staff.logistics.pk],
    )
    return case, receipt


def _mailbox(receipt):
    return intake.open_mailbox(typed_codename=receipt.codename)


def _opened_entries(case: Case) -> int:
    return AuditEntry.objects.filter(action="case.opened", object_id=case.id).count()


def test_a_message_written_after_opening_shows_in_the_case_timeline(staff, web_case, client_for):
    case, receipt = web_case
    intake.send_message(mailbox=_mailbox(receipt), text="They came to my flat again")
    before = AuditEntry.objects.count()

    for user in (staff.caseworker, staff.logistics, staff.manager):
        html = client_for(user).get(f"/cases/{case.id}/").content.decode()
        assert "They came to my flat again" in html
        assert "web mailbox" in html

    # One reading per page, recorded as the case's: the intake's own entry is not added.
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)[before:])
    assert actions == ["case.opened"] * 3


def test_messages_copied_when_the_case_was_opened_are_not_shown_twice(staff, web_case):
    case, receipt = web_case
    intake.send_message(mailbox=_mailbox(receipt), text="Written afterwards")

    opened = case_file.open_case(user=staff.caseworker, case_id=case.id)

    texts = [e.text for e in opened.timeline if e.kind == "message_in"]
    assert texts.count("Written before the case was opened") == 1
    assert texts.count("Written afterwards") == 1
    assert all(e.via_web for e in opened.timeline if e.kind == "message_in")


def test_web_check_ins_show_in_the_timeline(staff, web_case):
    case, receipt = web_case
    intake.record_check_in(mailbox=_mailbox(receipt), kind=CheckInKind.SAFE)
    intake.record_check_in(mailbox=_mailbox(receipt), kind=CheckInKind.NEED_HELP)

    opened = case_file.open_case(user=staff.caseworker, case_id=case.id)

    kinds = [e.kind for e in opened.timeline if e.via_web and "check" in e.text.lower()]
    assert "check_in" in kinds
    assert any(e.kind == "help_now" for e in opened.timeline)


def test_files_sent_later_are_counted_in_the_timeline(staff, web_case):
    from waystation.intake.uploads import CleanFile

    case, receipt = web_case
    photo = CleanFile(kind="image", content_type="image/png", extension="png", data=b"x" * 10)
    intake.send_message(mailbox=_mailbox(receipt), text="My summons", files=[photo])

    opened = case_file.open_case(user=staff.caseworker, case_id=case.id)

    entry = next(e for e in opened.timeline if e.text == "My summons")
    assert entry.files == 1


def test_markup_written_in_the_mailbox_is_shown_as_text(staff, web_case, client_for):
    case, receipt = web_case
    intake.send_message(mailbox=_mailbox(receipt), text="<script>alert(1)</script><b>hi</b>")

    html = client_for(staff.caseworker).get(f"/cases/{case.id}/").content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;hi&lt;/b&gt;" in html
    assert "<script>alert(1)" not in html


@pytest.mark.parametrize("who", ["other_caseworker", "other_manager", "admin", "documentation"])
def test_outsiders_neither_read_nor_answer_the_mailbox(staff, web_case, client_for, who):
    case, receipt = web_case
    intake.send_message(mailbox=_mailbox(receipt), text="Only for my caseworker")
    client = client_for(getattr(staff, who))
    opened_before = _opened_entries(case)

    assert client.get(f"/cases/{case.id}/").status_code == 404
    response = client.post(f"/cases/{case.id}/web-reply/", {"text": "Hello from outside"})
    assert response.status_code == 404
    response = client.post(f"/cases/{case.id}/web-reply/", {"text": ""})
    assert response.status_code == 404

    assert not MailboxMessage.objects.filter(direction=Direction.TO_APPLICANT).exists()
    assert _opened_entries(case) == opened_before
    with pytest.raises(visibility.CaseNotFound):
        daily_work.reply_to_applicant(user=getattr(staff, who), case_id=case.id, text="Hello")


def test_a_reply_from_the_case_page_reaches_the_mailbox(staff, web_case, client_for, settings):
    case, receipt = web_case
    client = client_for(staff.logistics)  # works the case; does not screen requests

    response = client.post(
        f"/cases/{case.id}/web-reply/", {"text": "We have a place for you. Stay safe."}
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"/cases/{case.id}/#timeline")
    view = intake.read_mailbox(_mailbox(receipt))
    assert [m.text for m in view.messages if m.direction == Direction.TO_APPLICANT] == [
        "We have a place for you. Stay safe."
    ]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"intake.reply_sent", "case.web_reply_sent"} <= actions
    # The staff copy is under the case's key (shredding the case forgets it) and shows
    # in the timeline from the mailbox, once.
    sent = MailboxMessage.objects.get(direction=Direction.TO_APPLICANT)
    assert sent.data_key_id == case.data_key_id
    timeline = case_file.open_case(user=staff.caseworker, case_id=case.id).timeline
    assert [e.text for e in timeline if e.kind == "message_out"] == [
        "We have a place for you. Stay safe."
    ]

    # The applicant reads it on the public mailbox page, with their codename.
    for name in PUBLIC_SETTINGS:
        setattr(settings, name, getattr(settings_public, name))
    page = Client().post("/en/mailbox/", {"codename": receipt.codename})
    assert "We have a place for you. Stay safe." in page.content.decode()


def test_the_reply_opens_only_with_the_codename(staff, web_case):
    case, _receipt = web_case
    daily_work.reply_to_applicant(user=staff.caseworker, case_id=case.id, text="Secret plan")

    sent = MailboxMessage.objects.get(direction=Direction.TO_APPLICANT)
    assert b"Secret plan" not in bytes(sent.for_applicant_box)
    other = submit(story="Someone else entirely.")
    wrong = intake.read_mailbox(
        intake.Mailbox(
            request_id=case.source_request_id,
            codename=other.codename,
            language="ru",
            status="answered",
            received_at=sent.sent_at,
        )
    )
    assert all(m.text == "" for m in wrong.messages if m.direction == Direction.TO_APPLICANT)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "This field is required."),
        ("   \n  ", "This field is required."),
        ("x" * 20_001, "at most 20000 characters"),
    ],
)
def test_a_refused_reply_sends_nothing_and_keeps_the_text(staff, web_case, client_for, text, says):
    case, _receipt = web_case
    response = client_for(staff.caseworker).post(f"/cases/{case.id}/web-reply/", {"text": text})

    assert response.status_code == 400
    html = response.content.decode()
    assert says in html
    if text.strip():
        assert text in html
    assert not MailboxMessage.objects.filter(direction=Direction.TO_APPLICANT).exists()


def test_hostile_markup_in_a_reply_is_sent_as_text(staff, web_case, client_for):
    case, receipt = web_case
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client = client_for(staff.caseworker)
    client.post(f"/cases/{case.id}/web-reply/", {"text": hostile})

    assert intake.read_mailbox(_mailbox(receipt)).messages[-1].text == hostile
    html = client.get(f"/cases/{case.id}/").content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_case_opened_by_hand_has_no_mailbox_to_answer(staff, team, client_for):
    case = new_case(team, [staff.caseworker])
    client = client_for(staff.caseworker)

    assert "web-reply" not in client.get(f"/cases/{case.id}/").content.decode()
    response = client.post(f"/cases/{case.id}/web-reply/", {"text": "Hello"})

    assert response.status_code == 400
    assert "has no mailbox" in response.content.decode()
    assert not MailboxMessage.objects.exists()


def test_a_reply_to_another_cases_mailbox_is_impossible(staff, team, web_case, client_for):
    """The mailbox is found from the case in the URL, never from an id the form sends."""
    case, receipt = web_case
    mine = new_case(team, [staff.other_caseworker])
    client = client_for(staff.other_caseworker)

    response = client.post(
        f"/cases/{mine.id}/web-reply/",
        {"text": "Hello", "request_id": receipt.request_id, "case_id": case.id},
    )

    assert response.status_code == 400
    assert not MailboxMessage.objects.filter(direction=Direction.TO_APPLICANT).exists()
