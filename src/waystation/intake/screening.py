"""What screeners do with web requests, on the staff side: open them, reply, ask for
more, decline. Each action runs in one transaction with its audit entry inside, and
checks the actor's permission itself, so no view can forget to.

Opening a request needs the intake *private* key, which is sealed under a vault data key:
while the vault is sealed nothing here works (``VaultSealed``), while the public page
keeps accepting requests.

A reply is sealed twice: to the applicant's codename-derived public key (their mailbox),
and under the request's own data key (the staff copy). That data key is created the
first time a screener opens the request; a case opened from the request adopts it as
the case's own key, so shredding the case forgets every staff copy at once.

Once a case is opened from a request (``HelpRequest.case_id``), the request is part of
that case: it leaves the triage queue, and it opens, takes answers and serves its files
only for people who may see the case (docs/design.md §2.5). For everyone else it does not exist,
the same answer as a wrong id. Who may see a case is the cases app's to decide: intake
asks through ``signals.checking_need_to_know``, which cases answers, since intake sits
below cases and never imports it. The cases app in turn reaches intake only through the
functions here, never its rows' sealed fields. Shredding the case erases the request
with it (:func:`erase_request`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waystation.accounts.models import Actor
from waystation.accounts.templatetags.staff_format import local_number
from waystation.audit import services as audit
from waystation.ids import random_id
from waystation.intake import public_services as public
from waystation.intake import signals, storage
from waystation.intake.models import (
    Attachment,
    Channel,
    CheckIn,
    ConsentRequest,
    Direction,
    HelpRequest,
    IntakeKey,
    MailboxMessage,
    MessageKind,
    Status,
    Urgency,
)
from waystation.intake.replies import consent_question
from waystation.intake.uploads import CleanFile, UploadRefused, clean_upload
from waystation.vault import boxes, datakeys, ledger

SCREEN_PERMISSION = "intake.screen_request"


class ScreeningError(Exception):
    """An action was refused; the message is for the screener."""


def require_screener(user: Actor) -> None:
    if not user.has_perm(SCREEN_PERMISSION):
        raise PermissionDenied("not allowed to screen requests")


def _may_see_case(user: Actor, case_id: str) -> bool:
    answers: Sequence[tuple[Any, object]] = signals.checking_need_to_know.send(
        sender=HelpRequest, user=user, case_id=case_id
    )
    return bool(answers) and all(answer is True for _receiver, answer in answers)


def _require_need_to_know(user: Actor, help_request: HelpRequest) -> None:
    """A request that became a case is the case's: only people who may see the case may
    read or answer it. Anyone else gets ``DoesNotExist``, exactly as for a wrong id."""
    if help_request.case_id is not None and not _may_see_case(user, help_request.case_id):
        raise HelpRequest.DoesNotExist("no such request")


# --- the intake key ----------------------------------------------------------------------


@transaction.atomic
def ensure_intake_key(*, actor_id: int | None) -> IntakeKey:
    """The current intake key, made if there is none (needs the vault unsealed)."""
    current = IntakeKey.objects.filter(retired_at__isnull=True).order_by("-created_at").first()
    if current is not None:
        return current
    pair = boxes.new_key_pair()
    key = IntakeKey(id=random_id(), public_key=pair.public, data_key=datakeys.create_data_key())
    key.private_key = pair.private.hex()
    key.save(force_insert=True)
    audit.record(
        actor_id=actor_id, action="intake.key_created", object_type="intake_key", object_id=key.id
    )
    return key


class IntakeKeyDestroyed(ScreeningError):
    """What was sealed to this intake key opens for nobody any more: the key was
    destroyed after a rotation, once no open request needed it."""


def intake_private_key(intake_key_id: str) -> bytes:
    # Opens through the vault's sealed field: VaultSealed when sealed. Not cached here,
    # so "seal now" (which drops the data key from the keyring) takes effect at once.
    key = IntakeKey.objects.get(pk=intake_key_id)
    if key.destroyed_at is not None:
        raise IntakeKeyDestroyed(
            _(
                "This request was sealed to an intake key that has since been destroyed: "
                "it cannot be read any more. What its case copied is on the case."
            )
        )
    return bytes.fromhex(key.private_key)


def open_payload(*, private_key: bytes, request_id: str, box: bytes) -> dict[str, str]:
    """The applicant's own words and contacts, as the public page sealed them."""
    opened = json.loads(boxes.open_box(private_key, box, public.payload_context(request_id)))
    return {str(k): str(v) for k, v in opened.items()}


def export_public_key() -> bytes:
    return public.current_public_key().public


# --- reading a request -------------------------------------------------------------------


@dataclass(frozen=True)
class ShownAttachment:
    id: str
    message_id: str | None


@dataclass(frozen=True)
class StaffMessage:
    id: str
    direction: str
    kind: str
    sent_at: datetime
    text: str
    attachments: list[ShownAttachment]


@dataclass(frozen=True)
class OpenedRequest:
    request: HelpRequest
    payload: dict[str, str]
    messages: list[StaffMessage]
    attachments: list[ShownAttachment]
    check_ins: list[tuple[str, datetime]]


def _open_messages(
    rows: Iterable[MailboxMessage], attachments: list[ShownAttachment]
) -> list[StaffMessage]:
    """The applicant's messages opened with the intake key, staff replies from their
    staff copy. The caller writes the audit entry for the reading."""
    private_keys: dict[str, bytes] = {}
    opened = []
    for message in rows:
        if message.direction == Direction.FROM_APPLICANT:
            assert message.intake_key_id is not None and message.from_applicant_box is not None
            if message.intake_key_id not in private_keys:
                private_keys[message.intake_key_id] = intake_private_key(message.intake_key_id)
            text = boxes.open_box(
                private_keys[message.intake_key_id],
                bytes(message.from_applicant_box),
                public.applicant_message_context(message.id),
            ).decode()
        else:
            text = message.staff_copy or ""
        opened.append(
            StaffMessage(
                id=message.id,
                direction=message.direction,
                kind=message.kind,
                sent_at=message.sent_at,
                text=text,
                attachments=[a for a in attachments if a.message_id == message.id],
            )
        )
    return opened


@transaction.atomic
def open_request(*, user: Actor, request_id: str) -> OpenedRequest:
    """Decrypt a request for a screener; the reading is on the audit record."""
    require_screener(user)
    help_request = HelpRequest.objects.select_for_update().get(pk=request_id)
    _require_need_to_know(user, help_request)
    if help_request.data_key_id is None:
        help_request.data_key = datakeys.create_data_key()
        help_request.screened_at = timezone.now()
        help_request.save(update_fields=["data_key", "screened_at"])
    payload = open_payload(
        private_key=intake_private_key(help_request.intake_key_id),
        request_id=help_request.id,
        box=bytes(help_request.payload_box),
    )
    attachments = [
        ShownAttachment(id=a, message_id=m)
        for a, m in Attachment.objects.filter(request=help_request)
        .order_by("received_at", "id")
        .values_list("id", "message_id")
    ]
    messages = _open_messages(
        MailboxMessage.objects.filter(request=help_request).order_by("sent_at", "id"), attachments
    )
    check_ins = list(
        CheckIn.objects.filter(request=help_request).order_by("-at").values_list("kind", "at")
    )
    audit.record(
        actor_id=user.pk,
        action="intake.request_opened",
        object_type="request",
        object_id=request_id,
    )
    return OpenedRequest(
        request=help_request,
        payload=payload,
        messages=messages,
        attachments=[a for a in attachments if a.message_id is None],
        check_ins=check_ins,
    )


@dataclass(frozen=True)
class OpenedFile:
    name: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"<OpenedFile {self.content_type} {len(self.data)} bytes>"


@transaction.atomic
def open_attachment(*, user: Actor, request_id: str, attachment_id: str) -> OpenedFile:
    require_screener(user)
    attachment = Attachment.objects.select_related("request").get(
        pk=attachment_id, request_id=request_id
    )
    try:
        _require_need_to_know(user, attachment.request)
    except HelpRequest.DoesNotExist:
        raise Attachment.DoesNotExist("no such file") from None
    name, content_type, data = storage.open_file(
        private_key=intake_private_key(attachment.intake_key_id),
        attachment_id=attachment.id,
        storage_name=attachment.storage_name,
    )
    audit.record(
        actor_id=user.pk,
        action="intake.attachment_opened",
        object_type="attachment",
        object_id=attachment.id,
    )
    return OpenedFile(name=name, content_type=content_type, data=data)


# --- answering ---------------------------------------------------------------------------

_STATUS_AFTER = {
    MessageKind.REPLY: Status.ANSWERED,
    MessageKind.MORE_INFO: Status.WAITING,
    MessageKind.DECLINE: Status.DECLINED,
}
_AUDIT_ACTION = {
    MessageKind.REPLY: "intake.reply_sent",
    MessageKind.MORE_INFO: "intake.more_info_asked",
    MessageKind.DECLINE: "intake.request_declined",
}
MAX_REPLY_CHARS = 20_000


@transaction.atomic
def answer_request(*, user: Actor, request_id: str, kind: MessageKind, text: str) -> MailboxMessage:
    """Send a reply, a request for more information, or a decline to the applicant."""
    require_screener(user)
    text = _reply_text(text)
    if kind not in _STATUS_AFTER:
        raise ScreeningError(_("Unknown kind of answer."))
    help_request = HelpRequest.objects.select_for_update().get(pk=request_id)
    _require_need_to_know(user, help_request)
    if help_request.status == Status.DECLINED:
        raise ScreeningError(_("This request was declined; it takes no further answers."))
    if help_request.channel == Channel.PARTNER:
        # Nobody holds this mailbox: an answer would be sealed to a key that was thrown away.
        raise ScreeningError(
            _("This request was referred by a partner: answer the partner by your agreed route.")
        )
    return _send_answer(help_request, author_id=user.pk, kind=kind, text=text)


def _reply_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ScreeningError(_("The message is empty."))
    if len(text) > MAX_REPLY_CHARS:
        raise ScreeningError(
            _("The message is limited to %(limit)s characters.")
            % {"limit": local_number(MAX_REPLY_CHARS)}
        )
    return text


def _send_answer(
    help_request: HelpRequest, *, author_id: int | None, kind: MessageKind, text: str
) -> MailboxMessage:
    """Seal an answer to the codename (the mailbox) and under the request's data key (the
    staff copy); the caller holds the request's row lock and has checked who may send."""
    if help_request.data_key_id is None:
        help_request.data_key = datakeys.create_data_key()
        help_request.screened_at = timezone.now()
    message = MailboxMessage(
        id=random_id(),
        request=help_request,
        direction=Direction.TO_APPLICANT,
        kind=kind,
        author_id=author_id,
        data_key_id=help_request.data_key_id,
    )
    message.for_applicant_box = boxes.seal_to(
        bytes(help_request.mailbox_public_key), text.encode(), public.reply_context(message.id)
    )
    message.staff_copy = text
    message.save(force_insert=True)
    help_request.status = _STATUS_AFTER[kind]
    help_request.save(update_fields=["status", "data_key", "screened_at"])
    audit.record(
        actor_id=author_id,
        action=_AUDIT_ACTION[kind],
        object_type="request",
        object_id=help_request.id,
    )
    return message


# --- the case opened from a request --------------------------------------------------------


@transaction.atomic
def mark_case_opened(*, actor_id: int | None, request_id: str, case_id: str) -> None:
    """The cases app tells intake that a case now holds this request (called inside
    ``cases.services.opening.open_case_from_request``'s transaction). From here on the request is
    off the queue and behind the case's need to know."""
    updated = HelpRequest.objects.filter(pk=request_id, case_id__isnull=True).update(
        case_id=case_id, case_opened_at=timezone.now()
    )
    if not updated:
        raise ScreeningError(_("A case was already opened from this request."))
    audit.record(
        actor_id=actor_id, action="intake.case_opened", object_type="request", object_id=request_id
    )


@dataclass(frozen=True)
class CaseMailbox:
    """The web mailbox as a case shows it: what the case does not hold itself."""

    messages: list[StaffMessage]
    check_ins: list[tuple[str, datetime]]


CASE_MAILBOX_LIMIT = 200


def open_case_mailbox(
    *, user: Actor, case_id: str, copied: Collection[tuple[str, datetime]] = ()
) -> CaseMailbox:
    """The web mailbox of the request a case was opened from, for someone who may see
    the case: messages written since (opened with the intake key, as the request page
    opens them), staff replies, and check-ins. ``copied`` names the messages copied into
    the case when it was opened, by direction and time; those are not opened again.

    Writes no audit entry: the mailbox is read as part of the case, under the case
    page's one ``case.opened`` entry (``cases.selectors.case_file.open_case``)."""
    if not _may_see_case(user, case_id):
        raise HelpRequest.DoesNotExist("no such request")
    help_request = HelpRequest.objects.filter(case_id=case_id).first()
    if help_request is None:  # opened by hand, or erased with a shredded case
        return CaseMailbox(messages=[], check_ins=[])
    skip = set(copied)
    newest = MailboxMessage.objects.filter(request=help_request).order_by("-sent_at", "-id")
    rows = [m for m in newest[:CASE_MAILBOX_LIMIT] if (m.direction, m.sent_at) not in skip]
    rows.reverse()
    attachments = [
        ShownAttachment(id=a, message_id=m)
        for a, m in Attachment.objects.filter(request=help_request, message__in=rows)
        .order_by("received_at", "id")
        .values_list("id", "message_id")
    ]
    check_ins = list(
        CheckIn.objects.filter(request=help_request)
        .order_by("-at")
        .values_list("kind", "at")[:CASE_MAILBOX_LIMIT]
    )
    return CaseMailbox(messages=_open_messages(rows, attachments), check_ins=check_ins)


@transaction.atomic
def answer_from_case(*, actor_id: int | None, case_id: str, text: str) -> MailboxMessage:
    """A reply to the applicant's web mailbox written on the case page. Checks nobody's
    permission: it is for ``cases.services.daily_work.reply_to_applicant``, which has checked that
    the actor may see and work on the case. Readable only with the codename."""
    help_request = HelpRequest.objects.select_for_update().filter(case_id=case_id).first()
    if help_request is None:
        raise ScreeningError(_("This case did not come through the web: it has no mailbox."))
    return _send_answer(
        help_request, author_id=actor_id, kind=MessageKind.REPLY, text=_reply_text(text)
    )


@dataclass(frozen=True)
class ErasedRequest:
    storage_names: list[str]  # attachment files to delete once the erasure commits
    data_key_id: str | None  # the request's own data key, for the caller to shred


def erase_request(*, request_id: str) -> ErasedRequest:
    """Delete a request with everything it holds: the sealed payload, the applicant's
    messages, staff replies, check-ins and attachment rows (docs/design.md §2.8).

    Its ciphertexts are sealed to the intake key, which lives on for every other request,
    so destroying a key cannot forget them: the rows must go. Runs inside the caller's
    transaction (a case's shred); the caller deletes the files after commit and shreds
    the data key, because a file deleted before a rollback would be lost for good.
    Checks nobody's permission: it is for ``cases.services.shredding.shred_case`` only."""
    help_request = HelpRequest.objects.select_for_update().filter(pk=request_id).first()
    if help_request is None:
        return ErasedRequest(storage_names=[], data_key_id=None)
    storage_names = list(
        Attachment.objects.filter(request=help_request).values_list("storage_name", flat=True)
    )
    Attachment.objects.filter(request=help_request).delete()
    MailboxMessage.objects.filter(request=help_request).delete()
    CheckIn.objects.filter(request=help_request).delete()
    data_key_id = help_request.data_key_id
    help_request.delete()
    audit.record(
        actor_id=None, action="intake.request_erased", object_type="request", object_id=request_id
    )
    ledger.record_shred("request", request_id)  # after commit: a restore re-applies it
    return ErasedRequest(storage_names=storage_names, data_key_id=data_key_id)


def remove_files(storage_names: list[str]) -> None:
    for name in storage_names:
        storage.remove(name)


# --- requests referred by a partner organisation -------------------------------------------


@dataclass(frozen=True)
class PartnerFile:
    """A file a partner sent with a referral, as it came (checked and rebuilt here)."""

    name: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"<PartnerFile {self.content_type} {len(self.data)} bytes>"


@dataclass(frozen=True)
class PartnerReferral:
    """What the partners app hands the triage queue: the same sealed payload a web
    request has (contact channel and handle, city, story), so that screening, opening a
    case and its similarity signals treat both alike."""

    partner_name: str
    urgency: int
    language: str
    country: str
    story: str
    city: str = ""
    contact_channel: str = ""
    contact_handle: str = ""
    files: Sequence[PartnerFile] = ()
    partner_id: str = ""  # the partner's random id, for the audit log (never its name)

    def __repr__(self) -> str:
        return f"<PartnerReferral {len(self.files)} files>"


def clean_partner_files(files: Sequence[PartnerFile]) -> list[CleanFile]:
    """Each file checked and rebuilt like an applicant's upload (no metadata, photos and
    PDFs only), or :class:`ScreeningError` naming the file by its place in the package."""
    cleaned = []
    for number, file in enumerate(files, start=1):
        try:
            cleaned.append(
                clean_upload(name=file.name, content_type=file.content_type, data=file.data)
            )
        except UploadRefused as exc:
            raise ScreeningError(
                _("File %(number)s of the package was refused: %(why)s")
                % {"number": number, "why": str(exc)}
            ) from exc
    return cleaned


def receive_partner_referral(*, actor_id: int | None, referral: PartnerReferral) -> HelpRequest:
    """A referral from a partner, into the one triage queue as a request of the channel
    "partner referral". Sealed to the intake public key exactly as the public page seals
    a request; the files are rebuilt first. The mailbox gets a key pair nobody keeps:
    there is no applicant codename, and replies are for the partner, not sent here. The
    caller (the partners app) runs this inside its own transaction and audit entry."""
    if referral.urgency not in Urgency.values:
        raise ScreeningError(_("The referral's urgency is not one of 1, 2 or 3."))
    files = clean_partner_files(referral.files)
    key = public.current_public_key()
    nobody = boxes.new_key_pair()
    help_request = HelpRequest(
        id=random_id(),
        urgency=referral.urgency,
        language=referral.language,
        country=referral.country,
        status=Status.NEW,
        channel=Channel.PARTNER,
        referred_by=referral.partner_name,
        intake_key_id=key.id,
        # Looks like any mailbox's lookup, and opens for no codename.
        codename_lookup=secrets.token_hex(32),
        mailbox_public_key=nobody.public,
    )
    payload = {
        "contact_channel": referral.contact_channel,
        "contact_handle": referral.contact_handle,
        "country_other": "",
        "city": referral.city,
        "story": referral.story,
    }
    help_request.payload_box = boxes.seal_to(
        key.public,
        json.dumps(payload, ensure_ascii=False).encode(),
        public.payload_context(help_request.id),
    )
    attachments = public._seal_files(key, help_request.id, None, files)
    try:
        with transaction.atomic():
            help_request.save(force_insert=True)
            Attachment.objects.bulk_create(attachments)
            # The log says who sent it. Sent by the partner itself (no member of staff),
            # the entry's actor is the partner; imported by staff, the actor is who
            # imported it (the request page shows them), and the next entry names the
            # partner the file came from.
            audit.record(
                actor_id=actor_id,
                action="intake.partner_referral_received",
                object_type="request",
                object_id=help_request.id,
                actor_partner_id=referral.partner_id if actor_id is None else "",
            )
            if actor_id is not None and referral.partner_id:
                audit.record(
                    actor_id=actor_id,
                    action="intake.partner_referral_from",
                    object_type="partner",
                    object_id=referral.partner_id,
                )
    except BaseException:
        public._remove_files(attachments)
        raise
    return help_request


# --- consent in the web mailbox --------------------------------------------------------------


def consent_context(consent_id: str) -> bytes:
    return public._consent_context(consent_id)


@transaction.atomic
def ask_consent(*, actor_id: int | None, case_id: str, referral_id: str, partner_name: str) -> str:
    """Put a yes-or-no question in the web mailbox of the request this case came from:
    "I agree that my file goes to <partner>". The question is sealed to the codename, so
    only the applicant reads which partner it names. For the partners app, which has
    checked that the actor may see and work on the case. Returns the question's id."""
    help_request = HelpRequest.objects.select_for_update().filter(case_id=case_id).first()
    if help_request is None or help_request.channel != Channel.WEB:
        raise ScreeningError(
            _("This case did not come through the web: record the person's consent by hand.")
        )
    consent = ConsentRequest(
        id=random_id(), request=help_request, referral_id=referral_id, asked_by_id=actor_id
    )
    question = consent_question(help_request.language, partner_name)
    consent.question_box = boxes.seal_to(
        bytes(help_request.mailbox_public_key), question.encode(), consent_context(consent.id)
    )
    consent.save(force_insert=True)
    audit.record(
        actor_id=actor_id,
        action="intake.consent_asked",
        object_type="request",
        object_id=help_request.id,
    )
    return consent.id


@dataclass(frozen=True)
class ConsentAnswer:
    answer: bool | None
    answered_at: datetime | None


def consent_answer(*, consent_id: str, case_id: str) -> ConsentAnswer:
    """What the applicant answered to a consent question of this case's request. An
    answer whose tag does not check out (written without the codename, by whoever took
    over the public process or the database) counts as no answer."""
    consent = (
        ConsentRequest.objects.filter(pk=consent_id, request__case_id=case_id)
        .select_related("request")
        .first()
    )
    if consent is None or consent.answer is None:
        return ConsentAnswer(answer=None, answered_at=None)
    if consent.answer_key_id is None or consent.answer_tag is None:
        return ConsentAnswer(answer=None, answered_at=None)
    try:
        answer_key = intake_private_key(consent.answer_key_id)
    except IntakeKeyDestroyed:
        # Every tag that checked out moved to a newer key before this one was destroyed
        # (intake/keys.py): one left behind never counted.
        return ConsentAnswer(answer=None, answered_at=None)
    checks = boxes.answer_tag_checks(
        answer_key,
        bytes(consent.request.mailbox_public_key),
        public.consent_answer_message(consent.id, bool(consent.answer)),
        bytes(consent.answer_tag),
    )
    if not checks:
        return ConsentAnswer(answer=None, answered_at=None)
    return ConsentAnswer(answer=consent.answer, answered_at=consent.answered_at)
