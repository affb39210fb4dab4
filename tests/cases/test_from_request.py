"""Opening a case from a web request: one queue, two channels."""

from __future__ import annotations

import pytest

from waystation.audit.models import AuditEntry
from waystation.cases import selectors, services
from waystation.cases.models import Case, CaseMessage, Channel, IdentifierKind
from waystation.cases.services import CaseError
from waystation.intake import screening
from waystation.intake import services as intake
from waystation.intake.models import CheckInKind


def submit(
    story: str = "They found my messages. Please help.",
    handle: str = "+7 912 000 00 01",
    channel: str = "phone",
) -> intake.Receipt:
    screening.ensure_intake_key(actor_id=None)
    return intake.submit_request(
        new=intake.NewRequest(
            urgency=1,
            language="ru",
            country="RU",
            story=story,
            city="Grozny",
            contact_channel=channel,
            contact_handle=handle,
        )
    )


def test_a_screener_opens_a_case_from_a_request(staff, team):
    receipt = submit()
    mailbox = intake.open_mailbox(typed_codename=receipt.codename)
    intake.send_message(mailbox=mailbox, text="I am still here")
    case = services.open_case_from_request(
        user=staff.screener,
        request_id=receipt.request_id,
        team_id=team.pk,
        assignee_ids=[staff.caseworker.pk],
        full_name="Given Name",
        birth_year="1994",
    )
    assert case.channel == Channel.WEB
    assert case.source_request_id == receipt.request_id
    assert case.urgency == 1 and case.country == "RU"
    opened = selectors.open_case(user=staff.caseworker, case_id=case.id)
    assert opened.narrative == "They found my messages. Please help."
    assert opened.phone == "+7 912 000 00 01"
    assert opened.city == "Grozny"
    assert [m.text for m in CaseMessage.objects.filter(case=case)] == ["I am still here"]
    assert CaseMessage.objects.get(case=case).data_key_id == case.data_key_id
    kinds = set(case.identifiers.values_list("kind", flat=True))
    assert {IdentifierKind.PHONE, IdentifierKind.NAME_YEAR} <= kinds
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "intake.request_opened" in actions and "case.created" in actions


def test_a_request_opens_at_most_one_case(staff, team):
    receipt = submit()
    services.open_case_from_request(
        user=staff.screener, request_id=receipt.request_id, team_id=team.pk
    )
    with pytest.raises(CaseError, match="already"):
        services.open_case_from_request(
            user=staff.screener, request_id=receipt.request_id, team_id=team.pk
        )
    assert Case.objects.count() == 1


def test_roles_without_opening_cannot_open_from_a_request(staff, team):
    receipt = submit()
    for user in (staff.admin, staff.documentation, staff.logistics):
        with pytest.raises(CaseError):
            services.open_case_from_request(
                user=user, request_id=receipt.request_id, team_id=team.pk
            )
    assert not Case.objects.exists()


def test_handles_and_emails_land_in_their_own_index(staff, team):
    by_mail = submit(handle="Someone@Example.org", channel="email")
    by_telegram = submit(handle="@some_one", channel="telegram")
    mailed = services.open_case_from_request(
        user=staff.screener, request_id=by_mail.request_id, team_id=team.pk
    )
    telegram = services.open_case_from_request(
        user=staff.screener, request_id=by_telegram.request_id, team_id=team.pk
    )
    assert mailed.email_index and not mailed.phone_index
    assert telegram.handle_index and not telegram.email_index


def test_web_check_ins_satisfy_the_schedule(staff, team):
    from datetime import timedelta

    from django.utils import timezone

    receipt = submit()
    case = services.open_case_from_request(
        user=staff.screener,
        request_id=receipt.request_id,
        team_id=team.pk,
        assignee_ids=[staff.caseworker.pk],
    )
    start = timezone.now()
    services.set_check_in_schedule(
        user=staff.caseworker, case_id=case.id, every_hours=12, now=start - timedelta(hours=13)
    )
    mailbox = intake.open_mailbox(typed_codename=receipt.codename)
    intake.record_check_in(mailbox=mailbox, kind=CheckInKind.SAFE)
    report = services.check_overdue(now=start + timedelta(minutes=1))
    assert report.satisfied == 1 and report.alerts == 0
    case.check_in_schedule.refresh_from_db()
    assert case.check_in_schedule.next_due_at > start
