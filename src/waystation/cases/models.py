from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from waystation.ids import RANDOM_ID_LENGTH, random_id
from waystation.vault.fields import (
    BlindIndexField,
    SealedFileField,
    SealedJSONField,
    SealedTextField,
)
from waystation.vault.models import DataKey


class Stage(models.TextChoices):
    REQUEST = "request", _("Request")
    SCREENING = "screening", _("Screening")
    VERIFICATION = "verification", _("Verification")
    PLANNING = "planning", _("Planning")
    IN_TRANSIT = "in_transit", _("In transit")
    ARRIVED = "arrived", _("Arrived")
    RESETTLEMENT = "resettlement", _("Resettlement")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined")
    REFERRED = "referred", _("Referred")
    ON_HOLD = "on_hold", _("On hold")
    LOST_CONTACT = "lost_contact", _("Lost contact")


class Urgency(models.IntegerChoices):
    NOW = 1, _("In danger now")
    DAYS = 2, _("Within days")
    NOT_IMMEDIATE = 3, _("Not immediate")


class Channel(models.TextChoices):
    WEB = "web", _("Web request")
    PHONE = "phone", _("Phone call")
    SIGNAL = "signal", _("Signal")
    EMAIL = "email", _("E-mail")


class Case(models.Model):
    # operational
    id = models.CharField(
        primary_key=True, max_length=RANDOM_ID_LENGTH, default=random_id, editable=False
    )
    data_key = models.OneToOneField(DataKey, on_delete=models.PROTECT, related_name="case")
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.SCREENING)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices, default=Urgency.DAYS)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    country = models.CharField(max_length=2, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # sealed
    full_name = SealedTextField(max_length=300)
    phone = SealedTextField(max_length=64)
    narrative = SealedTextField(max_length=50_000)
    contacts = SealedJSONField()
    # indexed
    phone_index = BlindIndexField(source="phone", kind="phone")

    class Meta:
        indexes = [models.Index(fields=["stage", "urgency", "opened_at"])]

    def __str__(self) -> str:
        return f"case {self.id}"


class CaseDocument(models.Model):
    id = models.CharField(
        primary_key=True, max_length=RANDOM_ID_LENGTH, default=random_id, editable=False
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file = SealedFileField()

    def __str__(self) -> str:
        return f"document {self.id}"


class CaseNameToken(models.Model):
    """Blind indexes of the tokens of a case's name (transliterated), for search and
    for spotting the same person behind several requests."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="name_tokens")
    digest = models.CharField(max_length=32, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "digest"], name="unique_token")]

    def __str__(self) -> str:
        return f"name token of {self.case_id}"
