"""Opening a case from a web request: one queue, two channels."""

from __future__ import annotations

import pytest

from waystation.audit.models import AuditEntry
from waystation.cases.models import Case, CaseMessage, Channel, IdentifierKind
from waystation.cases.selectors import case_file
from waystation.cases.services import alerts, check_ins, opening, shredding
from waystation.cases.services.common import CaseError
from waystation.intake import public_services as intake
from waystation.intake import screening
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
    case = opening.open_case_from_request(
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
    opened = case_file.open_case(user=staff.caseworker, case_id=case.id)
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
    opening.open_case_from_request(
        user=staff.screener, request_id=receipt.request_id, team_id=team.pk
    )
    with pytest.raises(CaseError, match="already"):
        opening.open_case_from_request(
            user=staff.screener, request_id=receipt.request_id, team_id=team.pk
        )
    assert Case.objects.count() == 1


def test_roles_without_opening_cannot_open_from_a_request(staff, team):
    receipt = submit()
    for user in (staff.admin, staff.documentation, staff.logistics):
        with pytest.raises(CaseError):
            opening.open_case_from_request(
                user=user, request_id=receipt.request_id, team_id=team.pk
            )
    assert not Case.objects.exists()


def test_handles_and_emails_land_in_their_own_index(staff, team):
    by_mail = submit(handle="Someone@Example.org", channel="email")
    by_telegram = submit(handle="@some_one", channel="telegram")
    mailed = opening.open_case_from_request(
        user=staff.screener, request_id=by_mail.request_id, team_id=team.pk
    )
    telegram = opening.open_case_from_request(
        user=staff.screener, request_id=by_telegram.request_id, team_id=team.pk
    )
    assert mailed.email_index and not mailed.phone_index
    assert telegram.handle_index and not telegram.email_index


def test_web_check_ins_satisfy_the_schedule(staff, team):
    from datetime import timedelta

    from django.utils import timezone

    receipt = submit()
    case = opening.open_case_from_request(
        user=staff.screener,
        request_id=receipt.request_id,
        team_id=team.pk,
        assignee_ids=[staff.caseworker.pk],
    )
    start = timezone.now()
    check_ins.set_check_in_schedule(
        user=staff.caseworker, case_id=case.id, every_hours=12, now=start - timedelta(hours=13)
    )
    mailbox = intake.open_mailbox(typed_codename=receipt.codename)
    intake.record_check_in(mailbox=mailbox, kind=CheckInKind.SAFE)
    report = alerts.check_overdue(now=start + timedelta(minutes=1))
    assert report.satisfied == 1 and report.alerts == 0
    case.check_in_schedule.refresh_from_db()
    assert case.check_in_schedule.next_due_at > start


# --- the request belongs to the case once it is opened (docs/design.md §2.5) ---------------------


def submit_with_file(story: str) -> intake.Receipt:
    from tests.intake.files import jpeg_with_gps
    from waystation.intake.uploads import clean_upload

    screening.ensure_intake_key(actor_id=None)
    photo = clean_upload(name="IMG.jpg", content_type="image/jpeg", data=jpeg_with_gps())
    return intake.submit_request(
        new=intake.NewRequest(urgency=1, language="ru", country="RU", story=story, files=[photo])
    )


def test_the_request_leaves_the_triage_queue_once_a_case_is_opened(staff, team):
    from waystation.intake import selectors as intake_selectors

    kept, taken = submit(story="Still waiting."), submit(story="Becomes a case.")
    opening.open_case_from_request(
        user=staff.screener, request_id=taken.request_id, team_id=team.pk
    )

    for view in intake_selectors.VIEWS:
        queue = intake_selectors.triage_queue(user=staff.manager, view=view)
        assert taken.request_id not in [row.id for row in queue.rows]
        assert sum(queue.counts.values()) == 1
    queue = intake_selectors.triage_queue(user=staff.screener)
    assert [row.id for row in queue.rows] == [kept.request_id]


def test_only_people_who_may_see_the_case_read_or_answer_its_request(staff, team):
    from waystation.intake.models import Attachment, HelpRequest, MessageKind

    receipt = submit_with_file("Only the case's people read this.")
    attachment_id = Attachment.objects.get(request_id=receipt.request_id).id
    case = opening.open_case_from_request(
        user=staff.screener,
        request_id=receipt.request_id,
        team_id=team.pk,
        assignee_ids=[staff.caseworker.pk],
    )

    # The screener who opened it, a caseworker on other cases, a manager of another team:
    # all hold intake.screen_request, none may see the case.
    for outsider in (staff.screener, staff.other_caseworker, staff.other_manager):
        with pytest.raises(HelpRequest.DoesNotExist):
            screening.open_request(user=outsider, request_id=receipt.request_id)
        with pytest.raises(Attachment.DoesNotExist):
            screening.open_attachment(
                user=outsider, request_id=receipt.request_id, attachment_id=attachment_id
            )
        with pytest.raises(HelpRequest.DoesNotExist):
            screening.answer_request(
                user=outsider, request_id=receipt.request_id, kind=MessageKind.REPLY, text="hi"
            )
    # The assignee and the team's supervisor may.
    for insider in (staff.caseworker, staff.manager):
        opened = screening.open_request(user=insider, request_id=receipt.request_id)
        assert opened.payload["story"] == "Only the case's people read this."
        assert opened.request.case_id == case.id
        screening.open_attachment(
            user=insider, request_id=receipt.request_id, attachment_id=attachment_id
        )
    screening.answer_request(
        user=staff.caseworker, request_id=receipt.request_id, kind=MessageKind.REPLY, text="hi"
    )


def test_a_request_behind_a_case_is_refused_when_nobody_answers_for_the_case(staff, team):
    """Intake cannot decide who sees a case (it sits below cases): it asks, and without
    the cases app's answer it refuses everyone, the case's own people included."""
    from waystation.cases import receivers
    from waystation.intake.models import HelpRequest
    from waystation.intake.signals import checking_need_to_know

    receipt = submit()
    opening.open_case_from_request(
        user=staff.screener,
        request_id=receipt.request_id,
        team_id=team.pk,
        assignee_ids=[staff.caseworker.pk],
    )
    assert screening.open_request(user=staff.caseworker, request_id=receipt.request_id)
    assert checking_need_to_know.disconnect(sender=HelpRequest, dispatch_uid="cases.need_to_know")
    try:
        for insider in (staff.caseworker, staff.manager):
            with pytest.raises(HelpRequest.DoesNotExist):
                screening.open_request(user=insider, request_id=receipt.request_id)
    finally:
        checking_need_to_know.connect(
            receivers.may_see_the_case, sender=HelpRequest, dispatch_uid="cases.need_to_know"
        )
    assert screening.open_request(user=staff.caseworker, request_id=receipt.request_id)


def test_the_case_adopts_the_request_key_and_copies_its_files(staff, team):
    from waystation.cases.models import CaseDocument
    from waystation.intake.models import HelpRequest

    receipt = submit_with_file("A photo of the summons.")
    case = opening.open_case_from_request(
        user=staff.screener,
        request_id=receipt.request_id,
        team_id=team.pk,
        assignee_ids=[staff.caseworker.pk],
    )

    help_request = HelpRequest.objects.get(pk=receipt.request_id)
    assert help_request.data_key_id == case.data_key_id
    assert help_request.case_id == case.id
    document = CaseDocument.objects.get(case=case)
    assert document.data_key_id == case.data_key_id
    assert document.file.content_type == "image/jpeg"
    assert document.file.data[:2] == b"\xff\xd8"
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert {"intake.attachment_opened", "case.document_added", "intake.case_opened"} <= set(actions)


# --- forgetting is real for the request too (docs/design.md §2.8) --------------------------------


def _database_dump_holds(needles: list[bytes]) -> list[str]:
    """Every table read row by row, as a logical dump (``pg_dump``, sqlite ``.dump``)
    would write it: which tables hold any of ``needles``, raw or as hex."""
    from django.db import connection

    forms = [n for needle in needles for n in (needle, needle.hex().encode())]
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes | bytearray):
                        data = bytes(value)
                    elif isinstance(value, str):
                        data = value.encode()
                    else:
                        continue
                    if any(form in data for form in forms):
                        found.append(table)
    return found


@pytest.mark.django_db(transaction=True)
def test_shredding_the_case_erases_its_web_request(staff, team, settings):
    from pathlib import Path

    from waystation.intake import storage
    from waystation.intake.models import (
        Attachment,
        CheckIn,
        HelpRequest,
        MailboxMessage,
        MessageKind,
    )
    from waystation.vault.models import DataKey

    receipt = submit_with_file("Shred me with the case.")
    mailbox = intake.open_mailbox(typed_codename=receipt.codename)
    intake.send_message(mailbox=mailbox, text="One more thing.")
    intake.record_check_in(mailbox=mailbox, kind=CheckInKind.SAFE)
    case = opening.open_case_from_request(
        user=staff.screener,
        request_id=receipt.request_id,
        team_id=team.pk,
        assignee_ids=[staff.caseworker.pk],
    )
    screening.answer_request(
        user=staff.caseworker, request_id=receipt.request_id, kind=MessageKind.REPLY, text="ok"
    )
    row = HelpRequest.objects.get(pk=receipt.request_id)
    ciphertexts = [bytes(row.payload_box)]
    for message in MailboxMessage.objects.filter(request=row):
        for box in (message.from_applicant_box, message.for_applicant_box):
            if box is not None:
                ciphertexts.append(bytes(box))
    files = [
        storage.path_for(name)
        for name in Attachment.objects.filter(request=row).values_list("storage_name", flat=True)
    ]
    assert files and all(path.exists() for path in files)
    assert all(Path(settings.MEDIA_ROOT) in path.parents for path in files)
    assert _database_dump_holds(ciphertexts)  # the positive control

    shredding.shred_case(actor_id=None, case=case)

    assert not HelpRequest.objects.filter(pk=receipt.request_id).exists()
    for model in (MailboxMessage, Attachment, CheckIn):
        assert not model.objects.filter(request_id=receipt.request_id).exists()
    assert not any(path.exists() for path in files)
    assert _database_dump_holds(ciphertexts) == []
    assert DataKey.objects.get(pk=case.data_key_id).wrapped is None
    # Nothing of it opens: not the staff pages' way, not the applicant's mailbox.
    with pytest.raises(HelpRequest.DoesNotExist):
        screening.open_request(user=staff.caseworker, request_id=receipt.request_id)
    assert intake.open_mailbox(typed_codename=receipt.codename) is None
    assert AuditEntry.objects.filter(
        action="intake.request_erased", object_id=receipt.request_id
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_shredding_also_destroys_a_request_key_the_case_did_not_adopt(staff, team):
    """Cases opened before keys were adopted: the request kept a key of its own."""
    from waystation.intake.models import HelpRequest
    from waystation.vault import datakeys
    from waystation.vault.models import DataKey

    receipt = submit()
    case = opening.open_case_from_request(
        user=staff.screener, request_id=receipt.request_id, team_id=team.pk
    )
    own_key = datakeys.create_data_key()
    HelpRequest.objects.filter(pk=receipt.request_id).update(data_key=own_key)

    shredding.shred_case(actor_id=None, case=case)

    assert DataKey.objects.get(pk=own_key.pk).wrapped is None
    assert DataKey.objects.get(pk=case.data_key_id).wrapped is None
    shredded = set(
        AuditEntry.objects.filter(action="vault.data_key_shredded").values_list(
            "object_id", flat=True
        )
    )
    assert shredded == {own_key.pk, case.data_key_id}
