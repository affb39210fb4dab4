"""The case page organised (issue #15): a summary at the top, the timeline in plain
words, never its codes."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.cases.conftest import new_case
from tests.cases.test_from_request import submit
from tests.partners.conftest import draft, keyed_partner
from waystation.accounts.templatetags.staff_format import local_date
from waystation.cases.models import Channel, MessageDirection, NoteKind, Stage, Urgency
from waystation.cases.selectors import case_file
from waystation.cases.selectors.timeline import TIMELINE_LABELS
from waystation.cases.services import check_ins, daily_work, opening, stages
from waystation.intake import public_services as intake
from waystation.intake.models import CheckInKind
from waystation.partners.services import referrals


def _case_with_every_kind_of_entry(staff, team, tmp_path):
    receipt = submit(story="They read my messages.")
    case = opening.open_case_from_request(
        user=staff.screener,
        request_id=receipt.request_id,
        team_id=team.pk,
        assignee_ids=[staff.caseworker.pk],
    )
    user, cid = staff.caseworker, case.id
    mailbox = intake.open_mailbox(typed_codename=receipt.codename)
    intake.send_message(mailbox=mailbox, text="Still here")
    intake.record_check_in(mailbox=mailbox, kind=CheckInKind.SAFE)
    intake.record_check_in(mailbox=mailbox, kind=CheckInKind.NEED_HELP)
    for direction in MessageDirection.values:
        daily_work.record_message(
            user=user, case_id=cid, direction=direction, channel=Channel.PHONE, text="Call"
        )
    for kind in NoteKind.values:
        daily_work.add_note(user=user, case_id=cid, text="Seen", kind=kind)
    task = daily_work.add_task(user=user, case_id=cid, title="Book the bus")
    daily_work.complete_task(user=user, case_id=cid, task_id=task.id)
    daily_work.assess_risk(user=user, case_id=cid, urgency=Urgency.NOW, reasons="Followed")
    check_ins.set_check_in_schedule(user=user, case_id=cid, every_hours=12)
    check_ins.record_check_in(user=user, case_id=cid)
    stages.change_stage(user=user, case_id=cid, to_stage=Stage.VERIFICATION)
    partner = keyed_partner(staff, tmp_path).partner
    referrals.create_referral(user=user, case_id=cid, draft=draft(partner))
    return case


def test_every_kind_of_timeline_entry_has_plain_words(staff, team, tmp_path, client_for):
    case = _case_with_every_kind_of_entry(staff, team, tmp_path)
    opened = case_file.open_case(user=staff.caseworker, case_id=case.id)
    kinds = {entry.kind for entry in opened.timeline}
    # Every kind the timeline produced has its words, and this case produced them all,
    # so a label nobody can see, or an entry nobody labelled, fails here.
    assert kinds == set(TIMELINE_LABELS)
    page = client_for(staff.caseworker).get(f"/cases/{case.id}/").content.decode()
    timeline = page[
        page.index('<ol class="timeline"') : page.index("</ol>", page.index('<ol class="timeline"'))
    ]
    for kind, words in TIMELINE_LABELS.items():
        assert f'<strong class="entry-label">{words}</strong>' in timeline, kind
        assert f"· {kind}" not in timeline


def test_the_summary_says_stage_urgency_next_deadline_and_who(staff, team, client_for):
    case = new_case(team, [staff.caseworker], urgency=Urgency.NOW)
    due = timezone.now() + timedelta(days=2)
    daily_work.add_task(user=staff.caseworker, case_id=case.id, title="Buy the ticket", due_at=due)
    page = client_for(staff.caseworker).get(f"/cases/{case.id}/").content.decode()
    summary = page[page.index('<section class="summary"') : page.index("</section>")]
    assert 'id="case-stage">Screening<' in summary
    assert "In danger now" in summary
    assert "Buy the ticket" in summary and local_date(due) in summary  # "9 Dec 2026"
    assert "caseworker" in summary and "team North, supervised by manager" in summary
    # The soonest wins: a check-in due before the task takes its place.
    check_ins.set_check_in_schedule(user=staff.caseworker, case_id=case.id, every_hours=12)
    page = client_for(staff.caseworker).get(f"/cases/{case.id}/").content.decode()
    summary = page[page.index('<section class="summary"') : page.index("</section>")]
    assert "Check-in due" in summary and "Buy the ticket" not in summary


def test_a_refused_form_comes_back_unfolded(case, staff, client_for):
    response = client_for(staff.caseworker).post(
        f"/cases/{case.id}/notes/", {"kind": "note", "text": "x" * 20_001}
    )
    assert response.status_code == 400
    page = response.content.decode()
    at = page.index(f'action="/cases/{case.id}/notes/"')
    assert page.rfind("<details", 0, at) == page.rfind('<details class="action" open', 0, at)
