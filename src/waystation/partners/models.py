"""Partner organisations, their age keys, and referrals out to them and in from them.

Which key seals what (docs/design.md §3; docs/partners.md says why):

- A partner's **contacts** (the people there and how to reach them) are sealed with the
  partner's own data key: a partner outlives every case referred to it, so no case key
  may hold them (like a safe house's, docs/relocation.md).
- A **referral out** belongs to its case: its purpose, the parts chosen, the consent
  note, the notes of its state changes and the copy of what was sent are sealed with
  **the case's data key** (``data_key_id == case.data_key_id``), so shredding the case
  forgets what was sent and to whom it was said.
- The installation's own **age identity** is sealed with a data key of its own, like the
  intake private key.

Operational (in clear): ids, the partner's name (an organisation, never a person),
country, kinds of work, age *public* keys and their fingerprints, states, dates, which
parts a referral carries (their names, not their contents), the SHA-256 of a package.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from waystation.cases.models import Case
from waystation.ids import RANDOM_ID_LENGTH, random_id_field
from waystation.vault.fields import SealedFileField, SealedJSONField, SealedTextField
from waystation.vault.models import DataKey


class WorkKind(models.TextChoices):
    SHELTER = "shelter", _("Shelter")
    RELOCATION = "relocation", _("Relocation")
    LEGAL_AID = "legal_aid", _("Legal aid")
    RESETTLEMENT = "resettlement", _("Resettlement")
    MEDICAL = "medical", _("Medical")
    UNHCR_LIAISON = "unhcr_liaison", _("UNHCR liaison")


class Partner(models.Model):
    id = random_id_field()
    data_key = models.OneToOneField(DataKey, on_delete=models.PROTECT, related_name="partner")
    name = models.CharField(max_length=120, unique=True)  # an organisation's public name
    country = models.CharField(max_length=2, blank=True)
    kinds = models.JSONField(default=list)  # WorkKind values
    active = models.BooleanField(default=True)
    # Bumped whenever the set of active keys changes: a referral approved under another
    # version was approved for other keys, and must be approved again.
    key_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    contacts = SealedTextField(max_length=2_000)  # sealed, with the partner's own key
    # The last deactivation or reactivation (``active`` says which), for the page. The
    # reason is free text a programme manager typed: sealed like the contacts.
    active_changed_at = models.DateTimeField(null=True, blank=True)
    active_changed_by_id = models.BigIntegerField(null=True, blank=True)
    active_reason = SealedTextField(max_length=1_000)

    class Meta:
        permissions = [
            ("manage_partners", "Can add partners and propose or approve their keys"),
            ("make_referral", "Can refer a case they work on to a partner, import referrals"),
            ("approve_referral", "Can approve a referral made by someone else"),
        ]

    def __str__(self) -> str:
        return self.name


class KeyChangeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a second programme manager")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class KeyChange(models.Model):
    """A proposed key for a partner (and, if ``replaces`` is set, the key it retires).
    Proposed by one programme manager, approved by another: only then is it active."""

    id = random_id_field()
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="key_changes")
    recipient = models.CharField(max_length=100)  # an age public key: public by definition
    fingerprint = models.CharField(max_length=48)
    replaces = models.ForeignKey(
        "PartnerKey", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=KeyChangeStatus.choices, default=KeyChangeStatus.PENDING
    )
    proposed_by_id = models.BigIntegerField()
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"key change {self.id}"


class PartnerKey(models.Model):
    """An approved age recipient of a partner; active until ``retired_at``."""

    id = random_id_field()
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="keys")
    recipient = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=48)
    change = models.OneToOneField(KeyChange, on_delete=models.PROTECT, related_name="key")
    activated_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "recipient"],
                condition=models.Q(retired_at__isnull=True),
                name="one_active_row_per_partner_key",
            )
        ]

    def __str__(self) -> str:
        return f"key {self.fingerprint} of {self.partner_id}"


class KeyAlert(models.Model):
    """A key was approved for a partner: every programme manager is told, with the
    partner and the new key's fingerprint, so that one who did not take part notices a
    change made by two accounts of one person (docs/partners.md, "Known limits")."""

    id = random_id_field()
    recipient_id = models.BigIntegerField(db_index=True)
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    change = models.ForeignKey(KeyChange, on_delete=models.CASCADE, related_name="alerts")
    fingerprint = models.CharField(max_length=48)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"key alert {self.id}"


class InstallationIdentity(models.Model):
    """This installation's age identity: partners encrypt what they send to its public
    half. The private half is sealed under a data key of its own."""

    id = random_id_field()
    recipient = models.CharField(max_length=100)  # public by definition
    data_key = models.OneToOneField(DataKey, on_delete=models.PROTECT, related_name="+")
    secret = SealedTextField(max_length=200)  # AGE-SECRET-KEY-1…
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"installation identity {self.id}"


# --- referrals out -----------------------------------------------------------------------


class ReferralState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received by the partner")
    ACCEPTED = "accepted", _("Accepted by the partner")
    DECLINED = "declined", _("Declined by the partner")
    ARRIVED = "arrived", _("Arrived with the partner")
    CANCELLED = "cancelled", _("Cancelled")


class Part(models.TextChoices):
    SUMMARY = "summary", _("Summary")
    CONTACT_ROUTE = "contact_route", _("Contact route")
    DOCUMENTS = "documents", _("Documents held")
    FILES = "files", _("Chosen files")
    RELOCATION_NEEDS = "relocation_needs", _("Relocation needs")


class ConsentKind(models.TextChoices):
    STAFF = "staff", _("Given to staff (typed from a call or meeting)")
    MAILBOX = "mailbox", _("Given in the web mailbox")


class Referral(models.Model):
    id = random_id_field()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="referrals")
    state = models.CharField(
        max_length=10, choices=ReferralState.choices, default=ReferralState.DRAFT
    )
    parts = models.JSONField(default=list)  # names of the parts chosen, never their contents
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField()
    # consent (operational: who recorded it and when; the note is sealed)
    consent_kind = models.CharField(max_length=8, choices=ConsentKind.choices, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_recorded_by_id = models.BigIntegerField(null=True, blank=True)
    # the intake's consent question in the web mailbox (intake's random id)
    consent_request_id = models.CharField(max_length=RANDOM_ID_LENGTH, blank=True)
    # approval
    approved_by_id = models.BigIntegerField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_key_version = models.PositiveIntegerField(null=True, blank=True)
    # set when the partner's keys change while the referral waits to be sent
    key_changed_at = models.DateTimeField(null=True, blank=True)
    # sending: offered once
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by_id = models.BigIntegerField(null=True, blank=True)
    package_sha256 = models.CharField(max_length=64, blank=True)  # of the age ciphertext
    package_size = models.PositiveIntegerField(null=True, blank=True)
    # sealed with the case's key
    purpose = SealedTextField(max_length=2_000)
    content = SealedJSONField()  # the chosen parts only
    consent_note = SealedTextField(max_length=1_000)  # who gave it, how
    sent_copy = SealedFileField()  # the zip that was sent, before age encryption

    class Meta:
        indexes = [models.Index(fields=["partner", "state"]), models.Index(fields=["case"])]

    def __str__(self) -> str:
        return f"referral {self.id}"


class ReferralEvent(models.Model):
    """One change of a referral's state: the case timeline shows these."""

    id = random_id_field()
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    # The partner made this move itself, with its API token (no member of staff did).
    by_partner = models.BooleanField(default=False)
    note = SealedTextField(max_length=2_000)

    class Meta:
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"referral event {self.id}"


# --- referrals in ----------------------------------------------------------------------


class IncomingReferral(models.Model):
    """A package a partner sent, imported into the triage queue as a request."""

    id = random_id_field()
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="incoming")
    request_id = models.CharField(max_length=RANDOM_ID_LENGTH)  # intake's HelpRequest
    sender_referral_id = models.CharField(max_length=64)  # the partner's own id for it
    package_sha256 = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)
    received_by_id = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"incoming referral {self.id}"
