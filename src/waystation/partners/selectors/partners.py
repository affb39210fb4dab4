"""Reading partners: the list (operational columns only, nothing opened) for whoever
refers or manages partners, and one partner's page with its contacts opened under a
``partner.opened`` audit entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from waystation.accounts.models import Actor
from waystation.partners.models import (
    KeyChange,
    KeyChangeStatus,
    Partner,
    PartnerKey,
    WorkKind,
)
from waystation.partners.services.common import may_use_partners, record
from waystation.partners.services.identity import installation_recipient
from waystation.vault import age


class PartnerNotFound(Http404):
    """No such partner."""


@dataclass(frozen=True)
class PartnerRow:
    id: str
    name: str
    country: str
    kinds: list[str]  # labels, for the page
    keys: int
    active: bool
    kind_codes: list[str] = field(default_factory=list)  # WorkKind values, for the API
    fingerprints: list[str] = field(default_factory=list)  # of the active keys


@dataclass(frozen=True)
class ShownKey:
    id: str
    recipient: str
    fingerprint: str
    activated_at: datetime


@dataclass(frozen=True)
class ShownChange:
    id: str
    recipient: str
    fingerprint: str
    replaces: str  # the fingerprint of the key it retires, if any
    proposed_by_id: int
    proposed_at: datetime
    status: str
    status_label: str


@dataclass(frozen=True)
class PartnerPage:
    partner: Partner
    kinds: list[str]
    contacts: str
    keys: list[ShownKey]
    changes: list[ShownChange]
    active_reason: str = ""  # why it was last deactivated or reactivated (sealed)

    def __repr__(self) -> str:
        return f"<PartnerPage {self.partner.id}>"


def _require_reader(user: Actor) -> None:
    if not may_use_partners(user):
        raise PermissionDenied(_("Your role does not allow reading partners."))


def _kind_labels(kinds: list[str]) -> list[str]:
    labels = dict(WorkKind.choices)
    return [str(labels[k]) for k in kinds if k in labels]


def partner_list(*, user: Actor) -> list[PartnerRow]:
    """Every partner, active or not, by name: operational columns only (nothing is
    opened, so nothing is audited)."""
    _require_reader(user)
    fingerprints: dict[str, list[str]] = {}
    for partner_id, fingerprint in (
        PartnerKey.objects.filter(retired_at__isnull=True)
        .order_by("activated_at", "id")
        .values_list("partner_id", "fingerprint")
    ):
        fingerprints.setdefault(partner_id, []).append(fingerprint)
    return [
        PartnerRow(
            id=partner.id,
            name=partner.name,
            country=partner.country,
            kinds=_kind_labels(partner.kinds),
            keys=len(fingerprints.get(partner.id, [])),
            active=partner.active,
            kind_codes=[k for k in partner.kinds if k in WorkKind.values],
            fingerprints=fingerprints.get(partner.id, []),
        )
        for partner in Partner.objects.order_by("name")
    ]


def partner_choices(*, user: Actor) -> list[tuple[str, str]]:
    """Active partners with at least one approved key, for the referral form."""
    _require_reader(user)
    with_keys = PartnerKey.objects.filter(retired_at__isnull=True).values("partner_id")
    return list(
        Partner.objects.filter(active=True, pk__in=with_keys)
        .order_by("name")
        .values_list("id", "name")
    )


def all_partner_choices(*, user: Actor) -> list[tuple[str, str]]:
    _require_reader(user)
    return list(Partner.objects.order_by("name").values_list("id", "name"))


@transaction.atomic
def partner_page(*, user: Actor, partner_id: str) -> PartnerPage:
    _require_reader(user)
    partner = (
        Partner.objects.filter(pk=partner_id).first()
        if isinstance(partner_id, str) and len(partner_id) <= 32
        else None
    )
    if partner is None:
        raise PartnerNotFound(_("No such partner."))
    record(user, "partner.opened", "partner", partner.id)
    keys = [
        ShownKey(
            id=k.id, recipient=k.recipient, fingerprint=k.fingerprint, activated_at=k.activated_at
        )
        for k in PartnerKey.objects.filter(partner=partner, retired_at__isnull=True).order_by(
            "activated_at"
        )
    ]
    changes = [
        ShownChange(
            id=c.id,
            recipient=c.recipient,
            fingerprint=c.fingerprint,
            replaces=c.replaces.fingerprint if c.replaces else "",
            proposed_by_id=c.proposed_by_id,
            proposed_at=c.proposed_at,
            status=c.status,
            status_label=str(KeyChangeStatus(c.status).label),
        )
        for c in KeyChange.objects.filter(partner=partner)
        .select_related("replaces")
        .order_by("-proposed_at")[:50]
    ]
    return PartnerPage(
        partner=partner,
        kinds=_kind_labels(partner.kinds),
        contacts=partner.contacts or "",
        keys=keys,
        changes=changes,
        active_reason=partner.active_reason or "",
    )


@dataclass(frozen=True)
class IdentityPage:
    recipient: str
    fingerprint: str


def identity_page(*, user: Actor) -> IdentityPage:
    _require_reader(user)
    recipient = installation_recipient()
    return IdentityPage(
        recipient=recipient, fingerprint=age.fingerprint(recipient) if recipient else ""
    )
