"""Relocation: where a person sleeps, how they travel, the papers they need and the
money paid out for them.

Which key seals what (docs/design.md §3; docs/relocation.md says why):

- Rows about one person (placements, plans, legs, travel documents, payments) are sealed
  with **the case's data key** (``data_key_id == case.data_key_id``): shredding the case
  forgets where they slept, the route they took and who was paid for them.
- A safe house's address and contacts are sealed with **the house's own data key**. A
  house outlives every case placed in it and is shared by many, so no case key may hold
  it; closing a house for good shreds its key. Who may open it is decided in
  ``selectors.may_open_house``: its keyholders, and the assignees of a case with a
  current or coming stay there.

Operational (in clear, for queues, occupancy and the numbers managers need): dates,
bed counts, house labels, pathway, coarse countries, transport mode, statuses, amounts,
currencies, rates and budget categories. Nothing operational may name a person or a
place finer than a country.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from waystation.cases.models import Case
from waystation.ids import random_id_field
from waystation.vault.fields import BlindIndexField, SealedTextField
from waystation.vault.models import DataKey

# --- safe houses ---------------------------------------------------------------------------------


class SafeHouse(models.Model):
    id = random_id_field()
    data_key = models.OneToOneField(DataKey, on_delete=models.PROTECT, related_name="safe_house")
    # operational: a label that says nothing about where the house is ("House 3")
    label = models.CharField(max_length=60, unique=True)
    country = models.CharField(max_length=2, blank=True)
    beds = models.PositiveSmallIntegerField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    # sealed with the house's own key
    address = SealedTextField(max_length=1_000)
    contacts = SealedTextField(max_length=2_000)
    notes = SealedTextField(max_length=5_000)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(beds__gte=1), name="safe_house_has_a_bed"),
        ]
        permissions = [
            ("manage_safe_houses", "Can add safe houses, change their beds and keyholders"),
        ]

    def __str__(self) -> str:
        return self.label


class SafeHouseKeyholder(models.Model):
    """Someone who may open a house's address and contacts, whatever cases they hold."""

    house = models.ForeignKey(SafeHouse, on_delete=models.CASCADE, related_name="keyholders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safe_house_keys"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    added_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["house", "user"], name="one_key_per_keyholder"),
        ]

    def __str__(self) -> str:
        return f"keyholder {self.user_id} of {self.house_id}"


class PlacementStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    STAYING = "staying", _("Staying")
    LEFT = "left", _("Left")
    CANCELLED = "cancelled", _("Cancelled")


class Placement(models.Model):
    """A stay in a safe house: nights from ``arrives_on`` up to (not including)
    ``leaves_on``. ``beds`` is more than one when a family stays together."""

    id = random_id_field()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="placements")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(SafeHouse, on_delete=models.PROTECT, related_name="placements")
    arrives_on = models.DateField()
    leaves_on = models.DateField()
    beds = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=PlacementStatus.choices, default=PlacementStatus.PLANNED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    notes = SealedTextField(max_length=5_000)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(leaves_on__gt=F("arrives_on")), name="placement_leaves_after_arriving"
            ),
            models.CheckConstraint(condition=Q(beds__gte=1), name="placement_takes_a_bed"),
        ]
        indexes = [
            models.Index(fields=["house", "arrives_on", "leaves_on"]),
            models.Index(fields=["case", "arrives_on"]),
        ]

    def __str__(self) -> str:
        return f"placement {self.id}"


# --- relocation plan and travel ----------------------------------------------------------------


class Pathway(models.TextChoices):
    IN_COUNTRY = "in_country", _("Move within the country")
    THIRD_COUNTRY_VISA = "third_country_visa", _("Third country by visa")
    UNHCR = "unhcr", _("UNHCR registration")
    PRIVATE_SPONSORSHIP = "private_sponsorship", _("Private sponsorship")
    GOVERNMENT_RESETTLEMENT = "government_resettlement", _("Government resettlement")
    HUMANITARIAN_VISA = "humanitarian_visa", _("Humanitarian visa")


class RelocationPlan(models.Model):
    id = random_id_field()
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="relocation_plan")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    pathway = models.CharField(max_length=24, choices=Pathway.choices)
    destination_country = models.CharField(max_length=2, blank=True)  # coarse: operational
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    destination = SealedTextField(max_length=500)  # city, host organisation, sponsor
    notes = SealedTextField(max_length=10_000)

    def __str__(self) -> str:
        return f"relocation plan of {self.case_id}"


class TransportMode(models.TextChoices):
    BUS = "bus", _("Bus")
    TRAIN = "train", _("Train")
    CAR = "car", _("Car")
    PLANE = "plane", _("Plane")
    BOAT = "boat", _("Boat")
    ON_FOOT = "on_foot", _("On foot")
    OTHER = "other", _("Other")


class LegStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    UNDER_WAY = "under_way", _("Under way")
    ARRIVED = "arrived", _("Arrived")
    CANCELLED = "cancelled", _("Cancelled")


class Leg(models.Model):
    """One stretch of the journey. Its planned arrival is a check-in deadline: by then
    the person has arrived or checked in, or the assignees are alerted, and the team's
    supervisor ``grace_hours`` later."""

    id = random_id_field()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="legs")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    mode = models.CharField(max_length=8, choices=TransportMode.choices)
    from_country = models.CharField(max_length=2, blank=True)
    to_country = models.CharField(max_length=2, blank=True)
    planned_departure = models.DateTimeField()
    planned_arrival = models.DateTimeField()
    actual_departure = models.DateTimeField(null=True, blank=True)
    actual_arrival = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=LegStatus.choices, default=LegStatus.PLANNED)
    grace_hours = models.PositiveSmallIntegerField(default=6)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    # sealed: places and people
    origin = SealedTextField(max_length=300)
    destination = SealedTextField(max_length=300)
    escort = SealedTextField(max_length=300)
    notes = SealedTextField(max_length=5_000)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_arrival__gt=F("planned_departure")),
                name="leg_arrives_after_leaving",
            ),
            models.CheckConstraint(
                condition=Q(actual_arrival__isnull=True)
                | Q(actual_departure__isnull=True)
                | Q(actual_arrival__gte=F("actual_departure")),
                name="leg_actually_arrives_after_leaving",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "position"]),
            models.Index(fields=["status", "planned_arrival"]),
        ]

    def __str__(self) -> str:
        return f"leg {self.position} of {self.case_id}"


class DocumentKind(models.TextChoices):
    INTERNAL_ID = "internal_id", _("Internal ID")
    PASSPORT = "passport", _("Passport")
    VISA = "visa", _("Visa")
    TICKET = "ticket", _("Ticket")


class DocumentStatus(models.TextChoices):
    NEEDED = "needed", _("Needed")
    APPLIED = "applied", _("Applied for")
    ISSUED = "issued", _("Issued")
    REFUSED = "refused", _("Refused")
    EXPIRED = "expired", _("Expired")
    USED = "used", _("Used")


class TravelDocument(models.Model):
    """An identity or travel document, a visa or a ticket. Its number is sealed and
    blind-indexed (the same passport behind two cases is a match); its expiry raises
    an alert ``settings.WAYSTATION_DOCUMENT_WARNING_DAYS`` ahead."""

    id = random_id_field()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="travel_documents")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    status = models.CharField(
        max_length=8, choices=DocumentStatus.choices, default=DocumentStatus.NEEDED
    )
    country = models.CharField(max_length=2, blank=True)  # issuing country, or the visa's
    visa_type = models.CharField(max_length=40, blank=True)  # "humanitarian", "D national"
    leg = models.ForeignKey(
        Leg, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    applied_on = models.DateField(null=True, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    number = SealedTextField(max_length=100)
    notes = SealedTextField(max_length=5_000)
    number_index = BlindIndexField(source="number", kind="document")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(issued_on__isnull=True)
                | Q(expires_on__gt=F("issued_on")),
                name="document_expires_after_issue",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "kind"]),
            models.Index(fields=["expires_on", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


# --- money -------------------------------------------------------------------------------------


class BudgetCategory(models.TextChoices):
    SOCIAL_WORK = "social_work", _("Social work")
    DOMESTIC_TRAVEL = "domestic_travel", _("Travel within the country")
    VISAS_DEPARTURE = "visas_departure", _("Visas and departure")
    HOUSING = "housing", _("Housing")
    FOOD = "food", _("Food")
    MEDICAL = "medical", _("Medical")
    DOCUMENTS = "documents", _("Documents")
    ADVOCACY = "advocacy", _("Advocacy")
    STAFF = "staff", _("Staff")


class Programme(models.Model):
    """A funded programme: payments are charged to one, budgets are set per one.
    ``approval_threshold_minor`` (reporting currency, minor units): a payment worth more
    waits for a second approver."""

    id = random_id_field()
    name = models.CharField(max_length=100, unique=True)
    approval_threshold_minor = models.BigIntegerField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(approval_threshold_minor__gte=0), name="threshold_not_negative"
            ),
        ]
        permissions = [
            ("record_payment", "Can record payments and exchange rates"),
            ("approve_payment", "Can approve payments above the threshold (never their own)"),
            ("manage_budgets", "Can set programmes, thresholds and budgets"),
            ("view_numbers", "Can see aggregate figures and download the donor report"),
        ]

    def __str__(self) -> str:
        return self.name


class Budget(models.Model):
    """What a programme may spend on one category in one period, in the reporting
    currency's minor units."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="budgets")
    category = models.CharField(max_length=16, choices=BudgetCategory.choices)
    period_start = models.DateField()
    period_end = models.DateField()  # inclusive
    amount_minor = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "category", "period_start"], name="one_budget_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="budget_period_in_order"
            ),
            models.CheckConstraint(condition=Q(amount_minor__gte=0), name="budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"budget {self.programme_id}/{self.category}/{self.period_start}"


class ExchangeRate(models.Model):
    """Units of the reporting currency for one unit of ``currency`` on ``day``, as the
    organisation's bank or exchange gave it; typed in by staff, never fetched."""

    currency = models.CharField(max_length=3)
    day = models.DateField()
    rate = models.DecimalField(max_digits=24, decimal_places=10)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["currency", "day"], name="one_rate_per_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} on {self.day}"


class PaymentStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


class Payment(models.Model):
    """Money paid out for a case. Amounts are integers in the currency's minor units
    (kopecks, cents), so sums are exact on every database; ``reporting_minor`` is the
    amount at ``rate`` on ``paid_on``, rounded half to even, fixed when recorded.
    Only approved payments count in totals."""

    id = random_id_field()
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="payments")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="payments")
    category = models.CharField(max_length=16, choices=BudgetCategory.choices)
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    rate = models.DecimalField(max_digits=24, decimal_places=10)
    reporting_minor = models.BigIntegerField()
    paid_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.APPROVED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField()
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # sealed: who received the money says who helped, and where
    payee = SealedTextField(max_length=300)
    purpose = SealedTextField(max_length=2_000)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payment_positive"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="payment_rate_positive"),
            # The second approver is never the creator, whatever code path decided.
            models.CheckConstraint(
                condition=Q(decided_by_id__isnull=True) | ~Q(decided_by_id=F("created_by_id")),
                name="payment_decided_by_another",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "paid_on", "category"]),
            models.Index(fields=["case", "paid_on"]),
            models.Index(fields=["programme", "status", "paid_on"]),
            # Covers the numbers page's spend per category (sum and distinct people over
            # a year of approved payments) without reading a row: 2 s -> 0.4 s at 1M rows.
            models.Index(
                fields=["status", "paid_on", "category", "case", "reporting_minor"],
                name="payment_spend_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"payment {self.id}"
