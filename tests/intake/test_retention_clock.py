"""Web requests that never became cases follow their own clock (docs/casework.md
"Retention"): declined ones and answered-but-abandoned ones are erased a while after
the last contact; one nobody answered yet is never erased by the clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import make_staff
from tests.intake.test_staff_pages import new_request
from tests.vault.plaintext import read_from_another_process
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.cases.services import retention as case_retention
from waystation.intake import public_services, retention, screening
from waystation.intake.models import HelpRequest, MailboxMessage, MessageKind
from waystation.vault.models import DataKey

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@pytest.fixture
def screener(intake_key):
    return make_staff(Role.SCREENER, "clockscreener")


def _aged(receipt: public_services.Receipt, days: int) -> HelpRequest:
    """Every date of the request moved back: its last contact was ``days`` ago."""
    then = timezone.now() - days * DAY
    HelpRequest.objects.filter(pk=receipt.request_id).update(received_at=then)
    MailboxMessage.objects.filter(request_id=receipt.request_id).update(sent_at=then)
    return HelpRequest.objects.get(pk=receipt.request_id)


def _answered(screener, kind: MessageKind, days: int) -> HelpRequest:
    receipt = new_request()
    screening.answer_request(
        user=screener, request_id=receipt.request_id, kind=kind, text="We cannot help, sorry."
    )
    return _aged(receipt, days)


def _exists(request: HelpRequest) -> bool:
    return HelpRequest.objects.filter(pk=request.pk).exists()


def test_a_declined_request_is_erased_after_its_period_with_its_key(screener):
    old = _answered(screener, MessageKind.DECLINE, 91)
    recent = _answered(screener, MessageKind.DECLINE, 89)
    assert old.data_key_id is not None

    report = case_retention.run_retention()

    assert report.requests_erased == 1
    assert not _exists(old) and _exists(recent)
    assert not MailboxMessage.objects.filter(request_id=old.pk).exists()
    assert DataKey.objects.get(pk=old.data_key_id).wrapped is None
    assert AuditEntry.objects.filter(action="intake.request_erased", object_id=old.pk).exists()


def test_the_clock_runs_from_the_last_contact(screener):
    declined = _answered(screener, MessageKind.DECLINE, 200)
    MailboxMessage.objects.filter(request=declined).order_by("-sent_at").update(
        sent_at=timezone.now() - 10 * DAY  # the applicant (or staff) wrote since
    )
    assert retention.erase_expired_requests(now=timezone.now()).erased == []
    assert _exists(declined)


def test_an_answered_request_nobody_followed_up_is_erased_later(screener):
    abandoned = _answered(screener, MessageKind.MORE_INFO, 181)
    waiting = _answered(screener, MessageKind.REPLY, 179)
    assert retention.erase_expired_requests(now=timezone.now()).erased == [abandoned.pk]
    assert _exists(waiting)


def test_an_unanswered_request_and_one_that_became_a_case_are_never_erased(screener):
    unanswered = _aged(new_request(), 5000)
    became_case = _answered(screener, MessageKind.DECLINE, 5000)
    HelpRequest.objects.filter(pk=became_case.pk).update(case_id="c" * 16)
    assert retention.erase_expired_requests(now=timezone.now()).erased == []
    assert _exists(unanswered) and _exists(became_case)


def test_the_request_clock_is_idempotent(screener):
    _answered(screener, MessageKind.DECLINE, 100)
    assert len(retention.erase_expired_requests(now=timezone.now()).erased) == 1
    entries = AuditEntry.objects.count()
    assert retention.erase_expired_requests(now=timezone.now()).erased == []
    assert AuditEntry.objects.count() == entries


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's file; for PostgreSQL see docs/casework.md"
)
@pytest.mark.django_db(transaction=True)  # a checkpoint cannot run inside a transaction
def test_an_erased_request_s_ciphertext_is_not_left_in_the_sqlite_file(screener):
    """Its payload is sealed to the intake key, which lives on for every other request:
    bytes left in a free page of the file would still open. Secure delete zeroes them."""
    declined = _answered(screener, MessageKind.DECLINE, 100)
    box = bytes(declined.payload_box)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone()[0] == 1
    assert box in _sqlite_file_after_checkpoint()

    retention.erase_expired_requests(now=timezone.now())

    assert box not in _sqlite_file_after_checkpoint()


def _sqlite_file_after_checkpoint() -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return read_from_another_process(Path(connection.settings_dict["NAME"]))
