"""Cases: the rows staff work on, and what hangs off them.

Field classes (docs/design.md §3), visible where each field is defined:

- *operational*: random ids, stage, urgency, team, assignees, dates, coarse country,
  outcome code, checklist ticks; what queues sort and count without any key.
- *sealed*: names, contacts, stories, notes, messages, reasons; every sealed row of a
  case uses the case's own data key (``data_key_id == case.data_key_id``), so shredding
  that one key forgets all of it.
- *indexed*: keyed digests (blind indexes, keyed MinHash bands) for search and similarity matches.

Rules of a single row live here; rules between rows (the workflow, who may see what)
live in ``workflow.py``, ``services/`` and ``selectors/``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from waystation.ids import RANDOM_ID_LENGTH, random_id_field
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
    PARTNER = "partner", _("Partner referral")


class Outcome(models.TextChoices):
    RELOCATED = "relocated", _("Relocated abroad")
    RESETTLED_IN_COUNTRY = "resettled_in_country", _("Safe within the country")
    REFERRED = "referred", _("Referred to another organisation")
    DECLINED = "declined", _("Declined")
    WITHDREW = "withdrew", _("Withdrew")
    NO_CONTACT = "no_contact", _("Contact lost for good")
    OTHER = "other", _("Other")


class ShredCause(models.TextChoices):
    RETENTION = "retention", _("Its retention period ended")
    TWO_PERSON = "two_person", _("Shredded now, by two programme managers")


class Team(models.Model):
    """A group of staff under one supervisor, who sees every case of the team."""

    id = random_id_field()
    name = models.CharField(max_length=100, unique=True)  # operational: "North Caucasus"
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervised_teams"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    # operational
    id = random_id_field()
    data_key = models.OneToOneField(DataKey, on_delete=models.PROTECT, related_name="case")
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.SCREENING)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices, default=Urgency.DAYS)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    country = models.CharField(max_length=2, blank=True)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    stage_changed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    # The web request this case was opened from (intake's random id; intake owns the row).
    source_request_id = models.CharField(
        max_length=RANDOM_ID_LENGTH, null=True, blank=True, unique=True
    )
    # Retention (docs/casework.md "Retention"): when the case is shredded unless someone
    # extends it. Set on closing, from the outcome; cleared on reopening.
    retain_until = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set when the case was shredded: the row is then a tombstone (operational fields
    # only; its data key is destroyed and its sealed rows are gone).
    shredded_at = models.DateTimeField(null=True, blank=True)
    shred_cause = models.CharField(max_length=12, choices=ShredCause.choices, blank=True)
    # verification checklist (operational ticks; what was seen is in sealed notes)
    identity_seen = models.BooleanField(default=False)
    interview_held = models.BooleanField(default=False)
    partner_reference = models.BooleanField(default=False)
    narrative_consistent = models.BooleanField(default=False)
    # keyed MinHash of the story: keyed digests, useless without the blind-index key
    story_signature = models.BinaryField(null=True, blank=True, editable=False)
    # sealed
    full_name = SealedTextField(max_length=300)
    phone = SealedTextField(max_length=64)
    email = SealedTextField(max_length=254)
    handle = SealedTextField(max_length=200)
    birth_year = SealedTextField(max_length=4)
    city = SealedTextField(max_length=200)
    narrative = SealedTextField(max_length=50_000)
    contacts = SealedJSONField()
    # indexed
    phone_index = BlindIndexField(source="phone", kind="phone", region_from="country")
    email_index = BlindIndexField(source="email", kind="email")
    handle_index = BlindIndexField(source="handle", kind="handle")
    birth_year_index = BlindIndexField(source="birth_year", kind="birth_year")

    class Meta:
        indexes = [
            models.Index(fields=["stage", "urgency", "opened_at"]),
            models.Index(fields=["urgency", "opened_at", "id"]),
            models.Index(fields=["team", "stage"]),
        ]
        permissions = [
            ("open_case", "Can open cases, from a web request or by hand"),
            ("work_case", "Can work on the cases they may see: notes, tasks, stages"),
            ("approve_stage", "Can approve what needs a second person"),
            ("grant_access", "Can grant others access to a case they may see"),
            ("break_glass", "Can take emergency access to a case, with a reason"),
            ("manage_teams", "Can create teams and choose their supervisors"),
            ("shred_case", "Can extend a case's retention, and ask for or confirm a shred"),
        ]

    def __str__(self) -> str:
        return f"case {self.id}"

    @property
    def checklist_complete(self) -> bool:
        return (
            self.identity_seen
            and self.interview_held
            and self.partner_reference
            and self.narrative_consistent
        )


class Assignment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_assignments"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    assigned_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="unique_assignment"),
        ]
        indexes = [models.Index(fields=["user", "case"])]

    def __str__(self) -> str:
        return f"assignment {self.user_id} → {self.case_id}"


class AccessGrant(models.Model):
    """Access to one case for someone neither assigned nor supervising, for a stated
    reason, until a date. Break-glass grants are self-granted and short."""

    id = random_id_field()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="grants")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_grants"
    )
    granted_by_id = models.BigIntegerField(null=True, blank=True)
    granted_at = models.DateTimeField(auto_now_add=True)
    until = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    break_glass = models.BooleanField(default=False)
    reason = SealedTextField(max_length=2_000)  # sealed: a reason may name people

    class Meta:
        indexes = [models.Index(fields=["user", "until"])]

    def __str__(self) -> str:
        return f"grant {self.id}"


class StageApproval(models.Model):
    """A move that needs a second person: asked by one, decided by another."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    id = random_id_field()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="approvals")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    from_stage = models.CharField(max_length=16, choices=Stage.choices)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by_id = models.BigIntegerField()
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = SealedTextField(max_length=5_000)

    class Meta:
        constraints = [
            # One open question per case: two pending moves could both be approved.
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="pending"),
                name="one_pending_approval_per_case",
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        return f"approval {self.id}"


class StageChange(models.Model):
    """Every move of a case, with who made it and who approved it (if anyone had to)."""

    id = random_id_field()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stage_changes")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    from_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    approval = models.OneToOneField(
        StageApproval, on_delete=models.PROTECT, null=True, blank=True, related_name="change"
    )
    reason = SealedTextField(max_length=5_000)

    class Meta:
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_stage} → {self.to_stage}"


class PartnerReference(models.Model):
    """What a partner organisation said about an applicant."""

    id = random_id_field()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="references")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)
    supports = models.BooleanField(default=True)  # operational: for or against
    organisation = SealedTextField(max_length=200)  # sealed: a partner can be a target too
    text = SealedTextField(max_length=10_000)

    def __str__(self) -> str:
        return f"reference {self.id}"


class NoteKind(models.TextChoices):
    NOTE = "note", _("Note")
    CREDIBILITY = "credibility", _("Credibility note")


class Note(models.Model):
    id = random_id_field()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=NoteKind.choices, default=NoteKind.NOTE)
    author_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    text = SealedTextField(max_length=20_000)

    class Meta:
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"note {self.id}"


class MessageDirection(models.TextChoices):
    FROM_APPLICANT = "in", _("From the applicant")
    TO_APPLICANT = "out", _("To the applicant")


class CaseMessage(models.Model):
    """A message exchanged with the applicant (typed in from a call, Signal or e-mail,
    or copied from the web mailbox when the case was opened)."""

    id = random_id_field()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=3, choices=MessageDirection.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    at = models.DateTimeField()
    author_id = models.BigIntegerField(null=True, blank=True)
    text = SealedTextField(max_length=20_000)

    class Meta:
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"message {self.id}"


class Task(models.Model):
    id = random_id_field()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="case_tasks",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    title = SealedTextField(max_length=500)

    class Meta:
        indexes = [models.Index(fields=["assignee", "done_at", "due_at"])]

    def __str__(self) -> str:
        return f"task {self.id}"


class RiskAssessment(models.Model):
    """Urgency with its reasons; the newest one sets the case's urgency."""

    id = random_id_field()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_assessments")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices)
    assessed_by_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    reasons = SealedTextField(max_length=10_000)

    def __str__(self) -> str:
        return f"risk assessment {self.id}"


class CheckInSchedule(models.Model):
    """People in transit check in every ``every_hours``; a missed one raises an alert to
    the assignees, and after ``grace_hours`` more, to the team's supervisor."""

    id = random_id_field()
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="check_in_schedule")
    every_hours = models.PositiveSmallIntegerField()
    grace_hours = models.PositiveSmallIntegerField(default=6)
    next_due_at = models.DateTimeField(db_index=True)
    last_check_in_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"check-in schedule of {self.case_id}"


class CaseCheckIn(models.Model):
    """A check-in staff recorded (a call, a Signal message); web check-ins stay in intake."""

    id = random_id_field()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="check_ins")
    at = models.DateTimeField()
    recorded_by_id = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"check-in {self.id}"


class AlertKind(models.TextChoices):
    CHECK_IN_MISSED = "check_in_missed", _("Check-in missed")
    CHECK_IN_ESCALATED = "check_in_escalated", _("Check-in missed, grace period over")
    BREAK_GLASS = "break_glass", _("Emergency access taken")
    APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
    HELP_NOW = "help_now", _("Pressed “I need help now” in the web mailbox")
    APPLICANT_WROTE = "applicant_wrote", _("Wrote from the web mailbox")
    LEG_OVERDUE = "leg_overdue", _("Not arrived or checked in by a leg's planned arrival")
    LEG_ESCALATED = "leg_escalated", _("Leg overdue, grace period over")
    DOCUMENT_EXPIRING = "document_expiring", _("A travel document or visa expires soon")
    PAYMENT_APPROVAL = "payment_approval", _("A payment waits for approval")
    RETENTION_ENDING = "retention_ending", _("The case will be shredded soon (retention)")
    SHRED_REQUESTED = "shred_requested", _("Asked to shred the case now: a second person confirms")


class Alert(models.Model):
    """Something one person must look at. Ids and kinds only: an alert is shown on a
    dashboard and must say nothing about the person behind the case."""

    id = random_id_field()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_alerts"
    )
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="alerts")
    # which missed check-in (or which approval) this is about: makes raising idempotent
    subject = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "case", "subject"], name="one_alert_per_subject"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "resolved_at", "created_at"])]

    def __str__(self) -> str:
        return f"alert {self.id}"


class CaseDocument(models.Model):
    id = random_id_field()
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


class IdentifierKind(models.TextChoices):
    PHONE = "phone", _("Same phone number")
    EMAIL = "email", _("Same e-mail address")
    HANDLE = "handle", _("Same messenger handle")
    NAME_YEAR = "name_year", _("Same name and birth year")
    CONTACT = "contact", _("Same contact named")


class CaseIdentifier(models.Model):
    """Keyed digests behind the similarity matches: the applicant's own identifiers, and those of
    the people they name as contacts. ``kind`` says which list a digest is on; a
    contact's phone, e-mail and handle all go under ``contact``."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=10, choices=IdentifierKind.choices)
    digest = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "digest"], name="unique_identifier"),
        ]
        indexes = [models.Index(fields=["kind", "digest"])]

    def __str__(self) -> str:
        return f"{self.kind} identifier of {self.case_id}"


class StoryBand(models.Model):
    """One LSH band of a story's keyed MinHash: stories sharing a band are candidates
    for "near-duplicate story"."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="story_bands")
    band = models.PositiveSmallIntegerField()
    digest = models.CharField(max_length=16)

    class Meta:
        indexes = [models.Index(fields=["band", "digest"])]

    def __str__(self) -> str:
        return f"story band {self.band} of {self.case_id}"


class RetentionExtension(models.Model):
    """A programme manager kept a closed case longer, with a reason (sealed with the
    case's key: a reason may name people; shredding the case forgets it)."""

    id = random_id_field()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="retention_extensions")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    extended_by_id = models.BigIntegerField()
    at = models.DateTimeField()
    previous_until = models.DateTimeField()
    new_until = models.DateTimeField()
    reason = SealedTextField(max_length=2_000)

    class Meta:
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"retention extension {self.id}"


class ShredRequest(models.Model):
    """ "Shred this case now": asked by one programme manager, confirmed by another, before
    ``expires_at``. The reason is sealed with the case's key, so the shred forgets it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a second programme manager")
        CONFIRMED = "confirmed", _("Confirmed: the case was shredded")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired: nobody confirmed in time")

    id = random_id_field()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="shred_requests")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by_id = models.BigIntegerField()
    requested_at = models.DateTimeField()
    via_command = models.BooleanField(default=False)  # `waystation cases shred`, by an operator
    expires_at = models.DateTimeField()
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = SealedTextField(max_length=2_000)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="pending"),
                name="one_pending_shred_request_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"shred request {self.id}"
