"""What an applicant does on the public page: send a request, open their mailbox, write
again, check in.

These run in the public process, which holds no secret: everything personal is sealed
here to the intake *public* key (``waystation.vault.boxes``) before it reaches the
database or the disk. An applicant has no account; their codename is their identity, so
mailbox functions take the :class:`Mailbox` that :func:`open_mailbox` returned for it.

Nothing here writes the audit log: applicants are not staff, and the rows themselves
are the record. Staff actions on requests are in ``screening.py``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from waystation.ids import random_id
from waystation.intake import codenames, conf, limits, storage
from waystation.intake.models import (
    Attachment,
    CheckIn,
    CheckInKind,
    ConsentRequest,
    Direction,
    HelpRequest,
    IntakeKey,
    MailboxMessage,
    MessageKind,
    Status,
)
from waystation.intake.uploads import CleanFile
from waystation.vault import boxes
from waystation.vault.primitives import OpenFailed

TryLater = limits.TryLater


class IntakeUnavailable(Exception):
    """The intake has no key yet (staff create it when they first unseal)."""


class AlreadyReceived(Exception):
    """This very form was sent before (the "send" button pressed twice, or reloaded)."""


@dataclass(frozen=True)
class NewRequest:
    urgency: int
    language: str
    country: str
    story: str
    city: str = ""
    country_other: str = ""
    contact_channel: str = ""
    contact_handle: str = ""
    files: Sequence[CleanFile] = ()
    form_token: str | None = None

    def sealed_payload(self) -> dict[str, str]:
        return {
            "contact_channel": self.contact_channel,
            "contact_handle": self.contact_handle,
            "country_other": self.country_other,
            "city": self.city,
            "story": self.story,
        }


@dataclass(frozen=True)
class Receipt:
    request_id: str
    codename: str

    def __repr__(self) -> str:  # never print a codename into a log or a traceback
        return f"<Receipt {self.request_id}>"


@dataclass(frozen=True)
class PublicKey:
    id: str
    public: bytes


def current_public_key() -> PublicKey:
    row = (
        IntakeKey.objects.filter(retired_at__isnull=True)
        .order_by("-created_at")
        .values_list("id", "public_key")
        .first()
    )
    if row is None:
        raise IntakeUnavailable()
    return PublicKey(id=row[0], public=bytes(row[1]))


def payload_context(request_id: str) -> bytes:
    return boxes.box_context("intake_helprequest", request_id, "payload_box")


def applicant_message_context(message_id: str) -> bytes:
    return boxes.box_context("intake_mailboxmessage", message_id, "from_applicant_box")


def reply_context(message_id: str) -> bytes:
    return boxes.box_context("intake_mailboxmessage", message_id, "for_applicant_box")


def _seal_files(
    key: PublicKey, request_id: str, message_id: str | None, files: Sequence[CleanFile]
) -> list[Attachment]:
    """Seal and durably write each file; return the rows (not saved) that name them."""
    attachments: list[Attachment] = []
    try:
        for number, clean in enumerate(files, start=1):
            attachment = Attachment(
                id=random_id(),
                request_id=request_id,
                message_id=message_id,
                intake_key_id=key.id,
                storage_name=storage.new_storage_name(),
            )
            label = "photo" if clean.kind == "image" else "document"
            sealed = storage.seal_file(
                public_key=key.public,
                attachment_id=attachment.id,
                content_type=clean.content_type,
                # The applicant's own file name can name a place or a person: not kept.
                name=f"{label}-{number}.{clean.extension}",
                data=clean.data,
            )
            storage.write(attachment.storage_name, sealed)
            attachment.size = len(sealed)
            attachments.append(attachment)
    except BaseException:
        _remove_files(attachments)
        raise
    return attachments


def _remove_files(attachments: Sequence[Attachment]) -> None:
    for attachment in attachments:
        storage.remove(attachment.storage_name)


def admit_request_form() -> None:
    """Raises TryLater when the public page is taking no more requests right now; called
    before the form (and its files) is read."""
    limits.admit_request_form()


def submit_request(*, new: NewRequest) -> Receipt:
    """Seal and store a request; return its codename. The files are on disk and the rows
    committed before this returns, so "received" is only ever said of a stored request."""
    limits.check_new_request()
    limits.check_storage(sum(len(f.data) for f in new.files))
    key = current_public_key()
    codename = codenames.generate()
    help_request = HelpRequest(
        id=random_id(),
        urgency=new.urgency,
        language=new.language,
        country=new.country,
        status=Status.NEW,
        intake_key_id=key.id,
        codename_lookup=boxes.codename_lookup(codename),
        mailbox_public_key=boxes.codename_key_pair(codename).public,
        form_token=new.form_token or None,
    )
    payload = json.dumps(new.sealed_payload(), ensure_ascii=False).encode()
    help_request.payload_box = boxes.seal_to(key.public, payload, payload_context(help_request.id))
    # Files first, outside the transaction: the database write lock is then held only for
    # the few small inserts, not while megabytes are fsynced.
    attachments = _seal_files(key, help_request.id, None, new.files)
    try:
        with transaction.atomic():
            help_request.save(force_insert=True)
            Attachment.objects.bulk_create(attachments)
    except IntegrityError:
        _remove_files(attachments)
        if new.form_token and HelpRequest.objects.filter(form_token=new.form_token).exists():
            raise AlreadyReceived() from None
        raise
    except BaseException:
        _remove_files(attachments)
        raise
    return Receipt(request_id=help_request.id, codename=codename)


# --- the mailbox ------------------------------------------------------------------------


@dataclass(frozen=True)
class Mailbox:
    """An opened mailbox: proof that the visitor knew the codename."""

    request_id: str
    codename: str
    language: str
    status: str
    received_at: datetime

    def __repr__(self) -> str:
        return f"<Mailbox {self.request_id}>"


@dataclass(frozen=True)
class ShownMessage:
    direction: str
    kind: str
    sent_at: datetime
    text: str  # staff replies only; the applicant's own words are not shown back
    files: int


@dataclass(frozen=True)
class ShownConsent:
    """A consent question from staff: "I agree that my file goes to <partner>"."""

    id: str
    question: str
    asked_at: datetime
    answer: bool | None


@dataclass(frozen=True)
class MailboxView:
    mailbox: Mailbox
    messages: list[ShownMessage]
    files_sent: int
    last_check_in: tuple[str, datetime] | None
    consents: list[ShownConsent] = field(default_factory=list)


def open_mailbox(*, typed_codename: str) -> Mailbox | None:
    """The mailbox for a codename, or None. Malformed, unknown and throttled codenames
    all take the same steps (hash, count, look up) and give the same None."""
    normalised = codenames.normalise(typed_codename)
    lookup = boxes.codename_lookup(normalised)
    within_limit = limits.take("mailbox", conf.limits().mailbox_attempts_per_minute)
    row = (
        HelpRequest.objects.filter(codename_lookup=lookup)
        .values_list("id", "language", "status", "received_at")
        .first()
    )
    if row is None or not within_limit or not codenames.is_well_formed(normalised):
        return None
    request_id, language, status, received_at = row
    return Mailbox(
        request_id=request_id,
        codename=normalised,
        language=language,
        status=status,
        received_at=received_at,
    )


def read_mailbox(mailbox: Mailbox) -> MailboxView:
    key_pair = boxes.codename_key_pair(mailbox.codename)
    rows = (
        MailboxMessage.objects.filter(request_id=mailbox.request_id)
        .order_by("sent_at", "id")
        .values_list("id", "direction", "kind", "sent_at", "for_applicant_box")
    )
    file_rows = Attachment.objects.filter(request_id=mailbox.request_id).values_list(
        "message_id", flat=True
    )
    files_per_message: dict[str | None, int] = {}
    for message_id in file_rows:
        files_per_message[message_id] = files_per_message.get(message_id, 0) + 1
    messages: list[ShownMessage] = []
    for message_id, direction, kind, sent_at, box in rows:
        text = ""
        if direction == Direction.TO_APPLICANT and box is not None:
            try:
                text = boxes.open_box(
                    key_pair.private, bytes(box), reply_context(message_id)
                ).decode()
            except OpenFailed:
                text = ""
        messages.append(
            ShownMessage(
                direction=direction,
                kind=kind,
                sent_at=sent_at,
                text=text,
                files=files_per_message.get(message_id, 0),
            )
        )
    last = (
        CheckIn.objects.filter(request_id=mailbox.request_id)
        .order_by("-at")
        .values_list("kind", "at")
        .first()
    )
    return MailboxView(
        mailbox=mailbox,
        messages=messages,
        files_sent=sum(files_per_message.values()),
        last_check_in=(last[0], last[1]) if last else None,
        consents=_consents(mailbox, key_pair.private),
    )


def _consent_context(consent_id: str) -> bytes:
    return boxes.box_context("intake_consentrequest", consent_id, "question_box")


def _consents(mailbox: Mailbox, private_key: bytes) -> list[ShownConsent]:
    rows = (
        ConsentRequest.objects.filter(request_id=mailbox.request_id)
        .order_by("asked_at", "id")
        .values_list("id", "question_box", "asked_at", "answer")
    )
    shown = []
    for consent_id, box, asked_at, answer in rows:
        try:
            question = boxes.open_box(private_key, bytes(box), _consent_context(consent_id))
        except OpenFailed:
            continue
        shown.append(
            ShownConsent(
                id=consent_id, question=question.decode(), asked_at=asked_at, answer=answer
            )
        )
    return shown


class ConsentAlreadyGiven(Exception):
    """This question was answered before: an answer is given once."""


def consent_answer_message(consent_id: str, agree: bool) -> bytes:
    return f"consent\x1f{consent_id}\x1f{'yes' if agree else 'no'}".encode()


def answer_consent(*, mailbox: Mailbox, consent_id: str, agree: bool) -> None:
    """The applicant's yes or no, once. Only a question of this very mailbox is
    answered: the codename was proven by :func:`open_mailbox`, and the answer carries a
    tag made with the mailbox's private key, which staff check (``vault.boxes``)."""
    key = current_public_key()
    tag = boxes.answer_tag(
        boxes.codename_key_pair(mailbox.codename).private,
        key.public,
        consent_answer_message(consent_id, agree),
    )
    updated = ConsentRequest.objects.filter(
        pk=consent_id, request_id=mailbox.request_id, answer__isnull=True
    ).update(answer=agree, answered_at=timezone.now(), answer_key_id=key.id, answer_tag=tag)
    if not updated:
        raise ConsentAlreadyGiven()


def admit_message(mailbox: Mailbox) -> None:
    """Raises TryLater when this mailbox has written enough for now; called before the
    message's files are checked and rebuilt."""
    limits.check_mailbox_message(mailbox.request_id)


def send_message(*, mailbox: Mailbox, text: str, files: Sequence[CleanFile] = ()) -> None:
    """The applicant writes again: sealed to the intake key, like the request."""
    limits.check_mailbox_message(mailbox.request_id)
    limits.check_storage(sum(len(f.data) for f in files))
    key = current_public_key()
    message = MailboxMessage(
        id=random_id(),
        request_id=mailbox.request_id,
        direction=Direction.FROM_APPLICANT,
        kind=MessageKind.MESSAGE,
        intake_key_id=key.id,
    )
    message.from_applicant_box = boxes.seal_to(
        key.public, text.encode(), applicant_message_context(message.id)
    )
    attachments = _seal_files(key, mailbox.request_id, message.id, files)
    try:
        with transaction.atomic():
            message.save(force_insert=True)
            Attachment.objects.bulk_create(attachments)
    except BaseException:
        _remove_files(attachments)
        raise


def record_check_in(*, mailbox: Mailbox, kind: CheckInKind) -> None:
    limits.check_check_in(mailbox.request_id)
    CheckIn.objects.create(id=random_id(), request_id=mailbox.request_id, kind=kind)
