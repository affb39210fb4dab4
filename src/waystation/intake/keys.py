"""The intake key pairs over time: rotating to a new one, and destroying the old ones
once no request needs them (docs/design.md §2.8).

Everything the public side seals (requests, applicants' messages, their files) is sealed
to the *current* intake public key. A rotation makes a new key pair current and retires
the old one; the old private key stays, sealed in the vault, for as long as something
sealed to it must still be read. Then its data key is shredded, with a KEK rotation, so
that even a backup taken before cannot open what was sealed to it: a web request erased
since (by a case's shred, or by its retention clock) is then gone from old backups too.

A retired key is *needed* while any of these holds:

- a request not turned into a case was sealed to it, or a message or file of such a
  request (declined requests included: they wait for their own retention clock);
- a request turned into a case received a message or a file sealed to it *after* the
  case was opened (``HelpRequest.case_opened_at``, less :data:`COPY_MARGIN`): the case
  copied what came before under its own key, and reads what came after through the
  intake key. A request converted at an unknown time counts all its messages and files;
- it was retired less than :data:`RETIRED_GRACE` ago: a public worker that read the old
  public key a moment before the rotation may still be committing a request sealed to it.

A consent answer's tag (``ConsentRequest.answer_key``) does not hold a key back: before
destroying one, :func:`destroy_unused_intake_keys` checks each tag made with it and makes
it again with the current key. That is the X25519 secret the applicant's mailbox key
shares with the intake key, so nothing is weakened: whoever holds an intake private key
could make such a tag anyway. A tag that does not check out counted as no answer before,
is left, and counts as no answer after.

What is left sealed to a destroyed key (a converted request's own payload and early
messages) opens for nobody: ``screening.IntakeKeyDestroyed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Q
from django.utils import timezone

from waystation.audit import services as audit
from waystation.ids import random_id
from waystation.intake import public_services as public
from waystation.intake.models import (
    Attachment,
    ConsentRequest,
    HelpRequest,
    IntakeKey,
    MailboxMessage,
)
from waystation.vault import boxes, datakeys
from waystation.vault import services as vault

# A public worker reads the current public key, seals, writes files and commits within
# seconds; an hour leaves room for a stalled one.
RETIRED_GRACE = timedelta(hours=1)
# Opening a case reads the mailbox a moment before ``case_opened_at`` is set (and copies
# files in between): what arrived in that window was not copied, so it counts as after.
COPY_MARGIN = timedelta(hours=1)


class IntakeKeyError(Exception):
    """A refusal an operator can read."""


@dataclass(frozen=True)
class RotatedKey:
    new_key_id: str
    fingerprint: str
    retired_key_ids: list[str]


@transaction.atomic
def rotate_intake_key(*, actor_id: int | None) -> RotatedKey:
    """Make a new intake key pair current and retire the current one. New requests are
    sealed to the new public key from the next one on (the public side reads the
    current key for every request). Needs the vault unsealed."""
    now = timezone.now()
    current = list(
        IntakeKey.objects.select_for_update().filter(retired_at__isnull=True).order_by("pk")
    )
    pair = boxes.new_key_pair()
    key = IntakeKey(id=random_id(), public_key=pair.public, data_key=datakeys.create_data_key())
    key.private_key = pair.private.hex()
    for old in current:
        old.retired_at = now
        old.save(update_fields=["retired_at"])
        audit.record(
            actor_id=actor_id,
            action="intake.key_retired",
            object_type="intake_key",
            object_id=old.id,
        )
    # After the old ones are retired and with a later creation time: the public side
    # takes the newest key that is not retired.
    key.created_at = timezone.now()
    key.save(force_insert=True)
    audit.record(
        actor_id=actor_id, action="intake.key_created", object_type="intake_key", object_id=key.id
    )
    return RotatedKey(
        new_key_id=key.id,
        fingerprint=boxes.fingerprint(pair.public),
        retired_key_ids=[old.id for old in current],
    )


def key_still_needed(key_id: str) -> bool:
    """True while something must still be opened with this key (see the module's list)."""
    key = IntakeKey.objects.filter(pk=key_id).first()
    if key is None or key.destroyed_at is not None:
        return False
    if key.retired_at is None or key.retired_at > timezone.now() - RETIRED_GRACE:
        return True
    if HelpRequest.objects.filter(intake_key_id=key_id, case_id__isnull=True).exists():
        return True
    open_request = Q(request__case_id__isnull=True)
    converted_at_unknown = Q(request__case_opened_at__isnull=True)
    if (
        MailboxMessage.objects.filter(intake_key_id=key_id)
        .filter(open_request | converted_at_unknown | _after_opening("sent_at"))
        .exists()
    ):
        return True
    return bool(
        Attachment.objects.filter(intake_key_id=key_id)
        .filter(open_request | converted_at_unknown | _after_opening("received_at"))
        .exists()
    )


def _move_consent_answers(retired: IntakeKey, current: IntakeKey) -> None:
    """Re-tag the consent answers made with ``retired`` under ``current`` (see above)."""
    old_private = bytes.fromhex(retired.private_key)
    new_private = bytes.fromhex(current.private_key)
    for consent in (
        ConsentRequest.objects.select_for_update()
        .filter(answer_key=retired, answer__isnull=False, answer_tag__isnull=False)
        .select_related("request")
    ):
        message = public.consent_answer_message(consent.id, bool(consent.answer))
        mailbox_public = bytes(consent.request.mailbox_public_key)
        assert consent.answer_tag is not None  # filtered above
        if not boxes.answer_tag_checks(
            old_private, mailbox_public, message, bytes(consent.answer_tag)
        ):
            continue
        consent.answer_key = current
        consent.answer_tag = boxes.answer_tag(new_private, mailbox_public, message)
        consent.save(update_fields=["answer_key", "answer_tag"])


def _after_opening(field: str) -> Q:
    since = ExpressionWrapper(
        F("request__case_opened_at") - COPY_MARGIN, output_field=DateTimeField()
    )
    return Q(**{f"{field}__gte": since})


def destroy_unused_intake_keys(*, actor_id: int | None) -> list[str]:
    """Destroy every retired intake key that nothing needs any more; returns their ids.
    For a scheduled run and ``waystation intake destroy-unused-keys``: safe to repeat,
    and a key still needed is never touched. One KEK rotation covers them all."""
    with transaction.atomic():
        candidates = list(
            IntakeKey.objects.select_for_update()
            .filter(retired_at__isnull=False, destroyed_at__isnull=True)
            .order_by("retired_at", "pk")
        )
        unused = [key for key in candidates if not key_still_needed(key.id)]
        if not unused:
            return []
        current = IntakeKey.objects.filter(retired_at__isnull=True).order_by("-created_at").first()
        if current is None:
            raise IntakeKeyError("There is no current intake key: run `intake rotate-key`.")
        for key in unused:
            _move_consent_answers(key, current)
        now = timezone.now()
        for key in unused:
            key.destroyed_at = now
            key.save(update_fields=["destroyed_at"])
            audit.record(
                actor_id=actor_id,
                action="intake.key_destroyed",
                object_type="intake_key",
                object_id=key.id,
            )
        # The data keys go with the marks, in this transaction; the KEK rotation that makes
        # older database copies unopenable follows once it commits.
        vault.shred_data_key(
            actor_id=actor_id,
            data_key_id=unused[0].data_key_id,
            also_shred=[key.data_key_id for key in unused[1:]],
        )
    return [key.id for key in unused]


@dataclass(frozen=True)
class KeyState:
    id: str
    fingerprint: str
    created_at: datetime
    retired_at: datetime | None
    destroyed_at: datetime | None
    needed: bool


def intake_keys() -> list[KeyState]:
    """Every intake key, newest first, for the operator (operational columns only)."""
    return [
        KeyState(
            id=key.id,
            fingerprint=boxes.fingerprint(bytes(key.public_key)),
            created_at=key.created_at,
            retired_at=key.retired_at,
            destroyed_at=key.destroyed_at,
            needed=key_still_needed(key.id),
        )
        for key in IntakeKey.objects.order_by("-created_at", "-pk")
    ]
