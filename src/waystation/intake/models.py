"""What the public side stores, and what the staff side adds while screening.

Field classes (docs/design.md §3), visible where each field is defined:

- *operational*: random ids, dates, urgency, language, a coarse country code, status;
  what the triage queue sorts and counts without any key.
- *sealed to the intake key* (``…_box``): ciphertexts made by
  ``waystation.vault.boxes.seal_to`` at the public edge with the intake *public* key;
  only a process holding the unwrapped intake private key can open them.
- *sealed to the codename* (``for_applicant_box``): staff replies, opened only with the
  applicant's codename; the database holds the derived public key, never the codename.
- *sealed* (vault field types): the intake private key, and staff copies of replies
  under the request's own data key.

Applicants have no accounts and the public process has no staff tables: staff are
referred to by id (``author_id``), like the audit log does.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from waystation.ids import RANDOM_ID_LENGTH, random_id_field
from waystation.vault.fields import SealedTextField
from waystation.vault.models import DataKey


class Urgency(models.IntegerChoices):
    # Values match waystation.cases.models.Urgency, so a case opened from a request keeps it.
    NOW = 1, _("I am in danger now")
    DAYS = 2, _("Within days")
    NOT_IMMEDIATE = 3, _("Not immediate")


class Status(models.TextChoices):
    NEW = "new", _("New")
    ANSWERED = "answered", _("Answered")
    WAITING = "waiting", _("Waiting for more information")
    DECLINED = "declined", _("Declined")


class Channel(models.TextChoices):
    """How a request reached the queue. Both land in the same triage queue."""

    WEB = "web", _("Web request")
    PARTNER = "partner", _("Partner referral")


class IntakeKey(models.Model):
    """The intake's X25519 key pair. The public half is all the public process reads; the
    private half is sealed under a vault data key, so it opens only while unsealed.

    One key is current (``retired_at`` empty): the public side seals to it. A rotation
    retires it; once no request needs a retired key any more its data key is shredded
    (``destroyed_at``), and what was sealed to it opens for nobody (``intake/keys.py``)."""

    id = random_id_field()
    public_key = models.BinaryField()  # operational: public by definition
    data_key = models.OneToOneField(DataKey, on_delete=models.PROTECT, related_name="+")
    private_key = SealedTextField(max_length=64)  # sealed: hex of the raw X25519 key
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["retired_at", "created_at"])]

    def __str__(self) -> str:
        return f"intake key {self.id}"


class HelpRequest(models.Model):
    """One request for help from the public page."""

    id = random_id_field()
    # operational
    received_at = models.DateTimeField(default=timezone.now)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices)
    language = models.CharField(max_length=8)
    country = models.CharField(max_length=2, blank=True)  # ISO 3166-1 alpha-2, "ZZ" = other
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.NEW)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.WEB)
    # A partner referral: the partner organisation's name (an organisation, never a
    # person), as it was when the package was imported. Empty for web requests.
    referred_by = models.CharField(max_length=120, blank=True, default="")
    # sealed to the intake key: JSON with contact channel and handle, city, story
    intake_key = models.ForeignKey(IntakeKey, on_delete=models.PROTECT, related_name="+")
    payload_box = models.BinaryField()
    # the mailbox: found by a hash of the codename, replies sealed to a codename-derived key
    codename_lookup = models.CharField(max_length=64, unique=True)
    mailbox_public_key = models.BinaryField()
    # one submission of the form, so that pressing "send" twice stores one request
    form_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # staff side: the request's own data key, made when a screener first opens it
    data_key = models.OneToOneField(
        DataKey, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    screened_at = models.DateTimeField(null=True, blank=True)
    # operational: the case opened from this request (the cases app's random id; it owns
    # that row). Once set, the request leaves the triage queue and opens only for people
    # who may see the case (need to know, docs/design.md §2.5). Written by
    # ``screening.mark_case_opened``; the public role may neither read nor write it.
    case_id = models.CharField(max_length=RANDOM_ID_LENGTH, null=True, blank=True, unique=True)
    # operational: when ``case_id`` was set. What the applicant sent before was copied into
    # the case under the case's key; what came after is read with the intake key, which
    # must then outlive a rotation (``intake/keys.py``). Empty on requests converted
    # before this was kept: their keys are then kept as if nothing had been copied.
    case_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["received_at"]),
            models.Index(fields=["status", "urgency", "received_at"]),
        ]
        permissions = [("screen_request", "Can read, answer and decline web requests")]

    def __str__(self) -> str:
        return f"request {self.id}"


class Direction(models.TextChoices):
    FROM_APPLICANT = "in", _("From the applicant")
    TO_APPLICANT = "out", _("To the applicant")


class MessageKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    REPLY = "reply", _("Reply")
    MORE_INFO = "more_info", _("Request for more information")
    DECLINE = "decline", _("Decline")


class MailboxMessage(models.Model):
    id = random_id_field()
    # operational
    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    author_id = models.BigIntegerField(null=True, blank=True)  # staff user id, outgoing only
    # incoming: sealed to the intake key
    intake_key = models.ForeignKey(
        IntakeKey, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_applicant_box = models.BinaryField(null=True, blank=True)
    # outgoing: sealed to the codename, and a staff copy under the request's data key
    for_applicant_box = models.BinaryField(null=True, blank=True)
    data_key = models.ForeignKey(
        DataKey, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    staff_copy = SealedTextField(max_length=20_000)

    class Meta:
        indexes = [models.Index(fields=["request", "direction", "sent_at"])]

    def __str__(self) -> str:
        return f"message {self.id}"


class Attachment(models.Model):
    """A cleaned file, sealed to the intake key, on disk under a random name."""

    id = random_id_field()
    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        MailboxMessage, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    intake_key = models.ForeignKey(IntakeKey, on_delete=models.PROTECT, related_name="+")
    storage_name = models.CharField(max_length=64, unique=True)
    size = models.PositiveIntegerField()  # bytes on disk, for the storage cap
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"attachment {self.id}"


class ConsentRequest(models.Model):
    """A question put in the applicant's web mailbox: may their file go to a partner?
    The question (which names the partner) is sealed to the codename, like replies; the
    answer is a yes or a no and when. The referral it is for is the partners app's row
    (``referral_id``); intake never reads it."""

    id = random_id_field()
    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="consents")
    referral_id = models.CharField(max_length=RANDOM_ID_LENGTH)
    question_box = models.BinaryField()  # sealed to the codename-derived key
    asked_at = models.DateTimeField(default=timezone.now)
    asked_by_id = models.BigIntegerField(null=True, blank=True)
    answer = models.BooleanField(null=True, blank=True)  # None: not answered yet
    answered_at = models.DateTimeField(null=True, blank=True)
    # Proof that the answer was given with the codename (``vault.boxes.answer_tag``, made
    # with the intake key ``answer_key``): a "yes" written without it does not count.
    answer_key = models.ForeignKey(
        IntakeKey, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answer_tag = models.BinaryField(null=True, blank=True)

    def __str__(self) -> str:
        return f"consent request {self.id}"


class CheckInKind(models.TextChoices):
    SAFE = "safe", _("I am safe")
    NEED_HELP = "need_help", _("I need help now")


class CheckIn(models.Model):
    id = random_id_field()
    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="check_ins")
    kind = models.CharField(max_length=10, choices=CheckInKind.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["request", "at"])]

    def __str__(self) -> str:
        return f"check-in {self.id}"


class ThrottleWindow(models.Model):
    """A counter per limit and minute, shared by every public worker. It counts actions,
    never who took them: no address, no codename, no browser detail."""

    key = models.CharField(max_length=48, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
