"""Intake key rotation (docs/design.md §2.8): new requests seal to the new key, old ones
still open with the old key while anything needs it, and a retired key is destroyed,
with a KEK rotation, only once nothing does. After that, what stayed sealed to it opens
for nobody, not even from a database copy taken before."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_verified, make_staff
from tests.intake.files import jpeg_with_gps
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.cases.selectors import case_file
from waystation.cases.services import access, opening
from waystation.intake import keys, screening
from waystation.intake import public_services as public
from waystation.intake.models import (
    Attachment,
    ConsentRequest,
    HelpRequest,
    IntakeKey,
    MessageKind,
)
from waystation.intake.uploads import clean_upload
from waystation.vault import runtime
from waystation.vault.datakeys import DataKeyShredded
from waystation.vault.models import DataKey


def submit(story: str = "They found my messages. Please help.") -> public.Receipt:
    return public.submit_request(
        new=public.NewRequest(urgency=2, language="en", country="RU", story=story)
    )


def key_of(receipt: public.Receipt) -> str:
    return HelpRequest.objects.get(pk=receipt.request_id).intake_key_id


def past_grace(key_id: str) -> None:
    """As if the key had been retired long enough ago for every public worker to have
    finished what it started with it."""
    IntakeKey.objects.filter(pk=key_id).update(
        retired_at=timezone.now() - keys.RETIRED_GRACE - timedelta(minutes=1)
    )


@pytest.fixture
def people(db):
    screener = make_staff(Role.SCREENER)
    caseworker = make_staff(Role.CASEWORKER)
    manager = make_staff(Role.PROGRAMME_MANAGER)
    team = access.create_team(actor_id=None, name="North", supervisor_id=manager.pk)
    return screener, caseworker, team


@pytest.fixture
def first_key(db) -> IntakeKey:
    return screening.ensure_intake_key(actor_id=None)


def to_case(people, receipt: public.Receipt):
    screener, caseworker, team = people
    return opening.open_case_from_request(
        user=screener, request_id=receipt.request_id, team_id=team.pk, assignee_ids=[caseworker.pk]
    )


def test_after_rotation_new_requests_seal_to_the_new_key(people, first_key):
    screener = people[0]
    before = submit("Before the rotation.")

    rotated = keys.rotate_intake_key(actor_id=None)
    after = submit("After the rotation.")

    assert key_of(before) == first_key.id
    assert key_of(after) == rotated.new_key_id != first_key.id
    assert public.current_public_key().id == rotated.new_key_id
    assert rotated.retired_key_ids == [first_key.id]
    # The old request still opens, with the old key.
    assert screening.open_request(user=screener, request_id=before.request_id).payload["story"] == (
        "Before the rotation."
    )
    assert screening.open_request(user=screener, request_id=after.request_id).payload["story"] == (
        "After the rotation."
    )
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"intake.key_retired", "intake.key_created"} <= actions


def test_a_key_still_needed_by_an_open_request_is_never_destroyed(people, first_key):
    screener = people[0]
    waiting = submit("Still waiting for an answer.")
    declined = submit("Declined, waiting for its retention clock.")
    screening.answer_request(
        user=screener, request_id=declined.request_id, kind=MessageKind.DECLINE, text="Sorry."
    )
    keys.rotate_intake_key(actor_id=None)
    past_grace(first_key.id)

    assert keys.destroy_unused_intake_keys(actor_id=None) == []

    assert keys.key_still_needed(first_key.id)
    assert IntakeKey.objects.get(pk=first_key.pk).destroyed_at is None
    assert not DataKey.objects.get(pk=first_key.data_key_id).is_shredded
    for receipt in (waiting, declined):
        assert screening.open_request(user=screener, request_id=receipt.request_id).payload


def test_a_key_just_retired_is_kept_for_the_grace_period(first_key):
    """A public worker may have read the old public key a moment before the rotation
    and still be committing a request sealed to it."""
    keys.rotate_intake_key(actor_id=None)

    assert keys.destroy_unused_intake_keys(actor_id=None) == []
    assert keys.key_still_needed(first_key.id)


def test_the_current_key_is_never_destroyed(first_key):
    IntakeKey.objects.filter(pk=first_key.pk).update(
        created_at=timezone.now() - timedelta(days=900)
    )

    assert keys.destroy_unused_intake_keys(actor_id=None) == []
    assert keys.key_still_needed(first_key.id)


def test_once_its_requests_became_cases_the_old_key_is_destroyed_and_unreadable(
    people, first_key, django_capture_on_commit_callbacks
):
    screener, caseworker, _team = people
    receipt = submit("My story, copied into the case.")
    case = to_case(people, receipt)
    keys.rotate_intake_key(actor_id=None)
    past_grace(first_key.id)
    data_key = DataKey.objects.get(pk=first_key.data_key_id)
    kek_before = data_key.kek_version

    with django_capture_on_commit_callbacks(execute=True):  # the old KEKs go at commit
        assert keys.destroy_unused_intake_keys(actor_id=None) == [first_key.id]

    assert IntakeKey.objects.get(pk=first_key.pk).destroyed_at is not None
    data_key.refresh_from_db()
    assert data_key.is_shredded
    # A database copy from before holds the key wrapped under a KEK that is gone.
    assert kek_before not in runtime.keyring().keks
    # What stayed sealed to it opens for nobody; the case keeps its own copy.
    with pytest.raises(screening.IntakeKeyDestroyed):
        screening.open_request(user=caseworker, request_id=receipt.request_id)
    with pytest.raises(DataKeyShredded):
        IntakeKey.objects.get(pk=first_key.pk).private_key  # noqa: B018  (the opening is the test)
    opened = case_file.open_case(user=caseworker, case_id=case.id)
    assert opened.narrative == "My story, copied into the case."
    assert list(
        AuditEntry.objects.filter(action="intake.key_destroyed").values_list("object_id", flat=True)
    ) == [first_key.id]
    # The scheduled run may come again: nothing more to do, nothing breaks.
    assert keys.destroy_unused_intake_keys(actor_id=None) == []
    assert screener.pk  # the screener took part through to_case


def test_a_message_sent_after_the_case_was_opened_keeps_its_key(people, first_key):
    """The case copied the mailbox when it was opened; later messages it reads with the
    intake key, so that key must outlive the rotation."""
    caseworker = people[1]
    receipt = submit()
    case = to_case(people, receipt)
    mailbox = public.open_mailbox(typed_codename=receipt.codename)
    assert mailbox is not None
    public.send_message(mailbox=mailbox, text="I have moved to a new flat.")
    keys.rotate_intake_key(actor_id=None)
    past_grace(first_key.id)

    assert keys.destroy_unused_intake_keys(actor_id=None) == []

    shown = screening.open_case_mailbox(user=caseworker, case_id=case.id)
    assert [m.text for m in shown.messages] == ["I have moved to a new flat."]


def test_a_request_converted_at_an_unknown_time_keeps_its_key(people, first_key):
    """Converted before ``case_opened_at`` was kept, and not in the audit log: nothing
    says which of its messages the case copied, so none may be lost."""
    receipt = submit()
    to_case(people, receipt)
    mailbox = public.open_mailbox(typed_codename=receipt.codename)
    assert mailbox is not None
    public.send_message(mailbox=mailbox, text="Are you there?")
    HelpRequest.objects.filter(pk=receipt.request_id).update(case_opened_at=None)
    keys.rotate_intake_key(actor_id=None)
    past_grace(first_key.id)

    assert keys.destroy_unused_intake_keys(actor_id=None) == []


def test_rotating_while_sealed_is_refused_and_changes_nothing(first_key, vault):
    vault.seal()

    with pytest.raises(CommandError, match="sealed"):
        call_command("intake", "rotate-key")

    assert list(IntakeKey.objects.values_list("id", "retired_at")) == [(first_key.id, None)]


def test_the_commands_rotate_list_and_destroy(people, first_key):
    receipt = submit()
    to_case(people, receipt)
    out = StringIO()

    call_command("intake", "rotate-key", "--destroy-unused", stdout=out)
    assert "New intake key" in out.getvalue()
    assert "No retired intake key can be destroyed yet." in out.getvalue()
    past_grace(first_key.id)
    out = StringIO()
    call_command("intake", "destroy-unused-keys", stdout=out)
    assert first_key.id in out.getvalue()
    out = StringIO()
    call_command("intake", "keys", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "current" in lines[0] and "destroyed" in lines[1]


def test_the_pages_of_a_request_whose_key_was_destroyed_say_not_found(people, first_key):
    """Its page and its file answer 404 with the reason, never a server error; the case
    page holds what was copied."""
    caseworker = people[1]
    photo = clean_upload(name="IMG.jpg", content_type="image/jpeg", data=jpeg_with_gps())
    receipt = public.submit_request(
        new=public.NewRequest(
            urgency=2, language="en", country="RU", story="With a photo.", files=[photo]
        )
    )
    to_case(people, receipt)
    attachment = Attachment.objects.get(request_id=receipt.request_id)
    # Sent days before the case was opened, so surely among what the case copied.
    Attachment.objects.filter(pk=attachment.pk).update(
        received_at=timezone.now() - timedelta(days=3)
    )
    keys.rotate_intake_key(actor_id=None)
    past_grace(first_key.id)
    assert keys.destroy_unused_intake_keys(actor_id=None) == [first_key.id]
    client = Client()
    login_verified(client, caseworker)

    page = client.get(reverse("intake:detail", args=[receipt.request_id]))
    file = client.get(reverse("intake:attachment", args=[receipt.request_id, attachment.id]))

    assert page.status_code == 404
    assert file.status_code == 404


def test_a_consent_answer_moves_to_the_new_key_and_still_counts(people, first_key):
    receipt = submit()
    case = to_case(people, receipt)
    consent_id = screening.ask_consent(
        actor_id=None, case_id=case.id, referral_id="r" * 16, partner_name="Harbour Line"
    )
    forged_id = screening.ask_consent(
        actor_id=None, case_id=case.id, referral_id="f" * 16, partner_name="Other Shore"
    )
    mailbox = public.open_mailbox(typed_codename=receipt.codename)
    assert mailbox is not None
    public.answer_consent(mailbox=mailbox, consent_id=consent_id, agree=True)
    # A "yes" written into the database without the codename: its tag does not check out.
    ConsentRequest.objects.filter(pk=forged_id).update(
        answer=True, answered_at=timezone.now(), answer_key=first_key, answer_tag=bytes(32)
    )
    rotated = keys.rotate_intake_key(actor_id=None)
    past_grace(first_key.id)

    assert keys.destroy_unused_intake_keys(actor_id=None) == [first_key.id]

    moved = screening.consent_answer(consent_id=consent_id, case_id=case.id)
    assert moved.answer is True
    assert ConsentRequest.objects.get(pk=consent_id).answer_key_id == rotated.new_key_id
    assert screening.consent_answer(consent_id=forged_id, case_id=case.id).answer is None
