"""Evidence dossiers: for one case and one purpose, the person's statement and its
translation, the exhibits chosen, the timeline entries chosen and a cover letter,
exported once as one signed PDF sealed to the recipient's age key.

Which key seals what (docs/design.md §3; docs/dossiers.md says why):

- Everything a dossier holds about the person is sealed with **the case's data key**
  (``data_key_id == case.data_key_id``): the statement, its translation and the
  translator's name, the cover letter, the timeline entries chosen, each exhibit's name
  and its stored copy, the consent note. Shredding the case forgets the dossier with it.
- The organisation's **signing key** (the private half of the certificate that signs
  every exported PDF) is sealed with a data key of its own, like the intake private
  key: it outlives every case.

Operational (in clear): ids, the purpose and the country of an asylum claim, the
recipient's language, states and dates, who did what (staff ids), the recipient's age
*public* key and fingerprint, each exhibit's number, content type, sizes and SHA-256
digests (as received and as stored) and what was stripped, the custody events (which
action, when, by whom), the SHA-256 of the exported PDF and of its age file.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from waystation.cases.models import Case
from waystation.ids import random_id_field
from waystation.vault.fields import SealedFileField, SealedJSONField, SealedTextField
from waystation.vault.models import DataKey


class Purpose(models.TextChoices):
    ASYLUM = "asylum", _("Asylum claim")
    RESETTLEMENT = "resettlement", _("Resettlement referral")
    SPONSORSHIP = "sponsorship", _("Private sponsorship application")
    HUMANITARIAN_VISA = "humanitarian_visa", _("Humanitarian visa")


class Language(models.TextChoices):
    """The recipient's language: the PDF's own words are in it (the statement is in
    the person's language and its translation, whatever this is)."""

    EN = "en", _("English")
    FR = "fr", _("French")


class DossierState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved for export")
    EXPORTED = "exported", _("Exported")
    CANCELLED = "cancelled", _("Cancelled")


class ConsentKind(models.TextChoices):
    STAFF = "staff", _("Given to staff (typed from a call or meeting)")


class Dossier(models.Model):
    id = random_id_field()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="dossiers")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    country = models.CharField(max_length=2, blank=True)  # where asylum is claimed
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    statement_language = models.CharField(max_length=12, blank=True)  # e.g. "ru"
    state = models.CharField(
        max_length=10, choices=DossierState.choices, default=DossierState.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField()
    # the recipient: a partner's approved key, or one typed for this export (public)
    recipient = models.CharField(max_length=100, blank=True)
    recipient_fingerprint = models.CharField(max_length=48, blank=True)
    recipient_partner_id = models.CharField(max_length=32, blank=True)
    # the age recipients the approval was given for; the export refuses any other
    approved_recipients = models.JSONField(default=list)
    # consent, as for referrals: who recorded it and when in clear, the note sealed
    consent_kind = models.CharField(max_length=8, choices=ConsentKind.choices, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_recorded_by_id = models.BigIntegerField(null=True, blank=True)
    # who asked for the export, and the programme manager (another one) who approved
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    approved_by_id = models.BigIntegerField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    # offered once
    exported_at = models.DateTimeField(null=True, blank=True)
    exported_by_id = models.BigIntegerField(null=True, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)  # of the signed PDF
    package_sha256 = models.CharField(max_length=64, blank=True)  # of its age file
    package_size = models.PositiveIntegerField(null=True, blank=True)
    # sealed with the case's key
    statement = SealedTextField(max_length=60_000)  # in the person's language
    translation = SealedTextField(max_length=60_000)
    translator = SealedTextField(max_length=300)
    cover_letter = SealedTextField(max_length=20_000)
    timeline = SealedJSONField()  # the entries chosen: [{"at", "label", "text"}]
    consent_note = SealedTextField(max_length=1_000)
    manifest = SealedJSONField()  # the manifest of the export, once exported

    class Meta:
        permissions = [
            ("build_dossier", "Can build evidence dossiers of the cases they work on"),
            ("approve_dossier", "Can approve the export of a dossier asked for by another"),
        ]
        indexes = [models.Index(fields=["case"])]

    def __str__(self) -> str:
        return f"dossier {self.id}"


class Channel(models.TextChoices):
    CASE_FILE = "case_file", _("A file of the case")
    UPLOAD = "upload", _("Uploaded to the dossier by staff")


class Exhibit(models.Model):
    """One file of a dossier, copied in (sealed under the case's key) as it was when
    chosen, with the digests of its chain of custody."""

    id = random_id_field()
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="exhibits")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    case_document_id = models.CharField(max_length=32, blank=True)
    content_type = models.CharField(max_length=40)
    # As it first entered Waystation. Empty for a case file: the intake rebuilt it at
    # the edge and never kept what was sent (docs/dossiers.md, "Chain of custody").
    received_sha256 = models.CharField(max_length=64, blank=True)
    received_size = models.PositiveIntegerField(null=True, blank=True)
    received_at = models.DateTimeField()
    received_by_id = models.BigIntegerField(null=True, blank=True)
    stored_sha256 = models.CharField(max_length=64)
    stored_size = models.PositiveIntegerField()
    stripped = models.CharField(max_length=200)  # what the rebuild removed, in words
    added_at = models.DateTimeField(auto_now_add=True)
    added_by_id = models.BigIntegerField()
    title = SealedTextField(max_length=300)  # its name: may name the person
    file = SealedFileField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dossier", "number"], name="one_exhibit_per_number")
        ]

    def __str__(self) -> str:
        return f"exhibit {self.id}"


class CustodyAction(models.TextChoices):
    RECEIVED = "received", _("Received")
    ADDED = "added", _("Added to the dossier")
    VIEWED = "viewed", _("Viewed")
    EXPORTED = "exported", _("Exported")


class CustodyEvent(models.Model):
    """One step of an exhibit's chain of custody: the manifest lists them. Each is also
    an audit entry (the hash chain holds them); this row is what the manifest reads."""

    id = random_id_field()
    exhibit = models.ForeignKey(Exhibit, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10, choices=CustodyAction.choices)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["exhibit", "at"])]

    def __str__(self) -> str:
        return f"custody event {self.id}"


class SigningKey(models.Model):
    """The organisation's key that signs exported dossiers, with its certificate (in
    clear: a certificate is public). Self-issued on first use, or imported from the
    organisation's CA (``waystation dossier signing-key import``)."""

    id = random_id_field()
    data_key = models.OneToOneField(DataKey, on_delete=models.PROTECT, related_name="+")
    certificate = models.TextField()  # PEM, the signer's first, then its chain
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the signer's DER
    self_issued = models.BooleanField(default=True)
    private_key = SealedTextField(max_length=10_000)  # PKCS#8 PEM
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"signing key {self.fingerprint[:16]}"
