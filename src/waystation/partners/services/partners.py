"""Partner organisations and their age keys.

A key is what decides who can read a package, so changing one takes two programme
managers: one proposes (``propose_key``), another approves (``decide_key_change``).
Only then is it active. Every approved change bumps ``Partner.key_version`` and flags
each referral to that partner not yet sent: one approved for the old keys must be
approved again before it can go (``services.referrals``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waystation.accounts.models import Actor
from waystation.partners import workflow
from waystation.partners.models import (
    KeyAlert,
    KeyChange,
    KeyChangeStatus,
    Partner,
    PartnerKey,
    Referral,
    WorkKind,
)
from waystation.partners.services.common import (
    MANAGE_PARTNERS,
    PartnerError,
    clean_name,
    clean_text,
    record,
    require,
)
from waystation.vault import age, datakeys

NAME_LIMIT = 120
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class PartnerDetails:
    """What staff type about a partner. ``contacts`` is sealed."""

    name: str
    country: str = ""
    kinds: Sequence[str] = field(default_factory=tuple)
    contacts: str = ""

    def __repr__(self) -> str:  # never print a contact into a log or a traceback
        return f"<PartnerDetails {self.name!r}>"


def clean_country(value: str) -> str:
    value = (value or "").strip().upper()
    if value and not _COUNTRY.fullmatch(value):
        raise PartnerError(_("The country is a two-letter code, like DE."))
    return value


def _clean_kinds(kinds: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(kinds))
    unknown = [k for k in chosen if k not in WorkKind.values]
    if unknown:
        raise PartnerError(_("Choose the kinds of work from the list."))
    return [k for k in WorkKind.values if k in chosen]


def partner_for(partner_id: str, *, lock: bool = False) -> Partner:
    if not isinstance(partner_id, str) or len(partner_id) > 32:
        raise PartnerError(_("No such partner."))
    queryset = Partner.objects.select_for_update() if lock else Partner.objects.all()
    found = queryset.filter(pk=partner_id).first()
    if found is None:
        raise PartnerError(_("No such partner."))
    return found


@transaction.atomic
def add_partner(*, user: Actor, details: PartnerDetails) -> Partner:
    """A new partner under a data key of its own (its contacts outlive every case). It
    has no key until one is proposed and approved."""
    require(user, MANAGE_PARTNERS, _("Your role does not allow managing partners."))
    name = clean_name(details.name, label=_("The name"), limit=NAME_LIMIT)
    if Partner.objects.filter(name__iexact=name).exists():
        raise PartnerError(_("Another partner already has this name."))
    partner = Partner(
        data_key_id=datakeys.create_data_key().id,
        name=name,
        country=clean_country(details.country),
        kinds=_clean_kinds(details.kinds),
        created_by_id=user.pk,
    )
    partner.contacts = clean_text(details.contacts, label=_("The contacts"), limit=2_000)
    try:
        with transaction.atomic():
            partner.save(force_insert=True)
    except IntegrityError as exc:
        raise PartnerError(_("Another partner already has this name.")) from exc
    record(user, "partner.created", "partner", partner.id)
    return partner


@transaction.atomic
def change_partner(*, user: Actor, partner_id: str, details: PartnerDetails) -> Partner:
    require(user, MANAGE_PARTNERS, _("Your role does not allow managing partners."))
    partner = partner_for(partner_id, lock=True)
    name = clean_name(details.name, label=_("The name"), limit=NAME_LIMIT)
    if Partner.objects.filter(name__iexact=name).exclude(pk=partner.pk).exists():
        raise PartnerError(_("Another partner already has this name."))
    renamed = name != partner.name
    partner.name = name
    partner.country = clean_country(details.country)
    partner.kinds = _clean_kinds(details.kinds)
    partner.contacts = clean_text(details.contacts, label=_("The contacts"), limit=2_000)
    partner.save()
    record(user, "partner.changed", "partner", partner.id)
    if renamed:  # an approval (and a mailbox "yes") named the old name: look again
        flag_pending_referrals(partner=partner, actor_id=user.pk)
    return partner


@transaction.atomic
def set_partner_active(*, user: Actor, partner_id: str, active: bool, reason: str) -> Partner:
    """Deactivate a partner (it is no longer chosen for a referral, nothing is approved
    or sent to it, and its API tokens stop working: ``api.selectors.tokens``), or
    reactivate it. A programme manager's action, with a reason, audited. The reason is
    sealed with the partner's key: it may say why an organisation is no longer trusted."""
    require(user, MANAGE_PARTNERS, _("Your role does not allow managing partners."))
    partner = partner_for(partner_id, lock=True)
    reason = clean_text(reason, label=_("The reason"), required=True, limit=1_000)
    if partner.active == active:
        raise PartnerError(
            "This partner is already active." if active else "This partner is already inactive."
        )
    partner.active = active
    partner.active_changed_at = timezone.now()
    partner.active_changed_by_id = user.pk
    partner.active_reason = reason
    partner.save()
    record(user, "partner.reactivated" if active else "partner.deactivated", "partner", partner.id)
    return partner


def active_keys(partner: Partner) -> list[PartnerKey]:
    return list(
        PartnerKey.objects.filter(partner=partner, retired_at__isnull=True).order_by(
            "activated_at", "id"
        )
    )


@transaction.atomic
def propose_key(
    *, user: Actor, partner_id: str, recipient: str, replaces_id: str = ""
) -> KeyChange:
    """A programme manager proposes a key (and the one it replaces, if any). Nothing is
    encrypted to it until another programme manager approves."""
    require(user, MANAGE_PARTNERS, _("Your role does not allow managing partners' keys."))
    partner = partner_for(partner_id, lock=True)
    try:
        parsed = age.parse_recipient(recipient)
    except age.AgeError as exc:
        raise PartnerError(str(exc)) from exc
    replaces = None
    if replaces_id:
        replaces = PartnerKey.objects.filter(
            pk=replaces_id, partner=partner, retired_at__isnull=True
        ).first()
        if replaces is None:
            raise PartnerError(_("The key to replace is not one of this partner's active keys."))
    if PartnerKey.objects.filter(
        partner=partner, recipient=parsed, retired_at__isnull=True
    ).exists():
        raise PartnerError(_("This key is already active for this partner."))
    if KeyChange.objects.filter(
        partner=partner, recipient=parsed, status=KeyChangeStatus.PENDING
    ).exists():
        raise PartnerError(_("This key is already waiting for approval."))
    change = KeyChange.objects.create(
        partner=partner,
        recipient=parsed,
        fingerprint=age.fingerprint(parsed),
        replaces=replaces,
        proposed_by_id=user.pk,
    )
    record(user, "partner.key_proposed", "key_change", change.id)
    return change


@transaction.atomic
def decide_key_change(*, user: Actor, change_id: str, approve: bool) -> KeyChange:
    """A second programme manager approves (the key becomes active, the one it replaces
    is retired, and every referral not yet sent is flagged) or refuses."""
    require(user, MANAGE_PARTNERS, _("Your role does not allow approving partners' keys."))
    change = (
        KeyChange.objects.select_for_update().filter(pk=change_id).first()
        if isinstance(change_id, str) and len(change_id) <= 32
        else None
    )
    if change is None:
        raise PartnerError(_("No such key change."))
    if change.status != KeyChangeStatus.PENDING:
        raise PartnerError(_("This key change was already decided."))
    if change.proposed_by_id == user.pk:
        raise PartnerError(
            _("You proposed this key: another programme manager must approve or refuse it.")
        )
    now = timezone.now()
    change.decided_by_id = user.pk
    change.decided_at = now
    if not approve:
        change.status = KeyChangeStatus.REFUSED
        change.save(update_fields=["status", "decided_by_id", "decided_at"])
        record(user, "partner.key_refused", "key_change", change.id)
        return change
    partner = partner_for(change.partner_id, lock=True)
    if change.replaces_id:
        retired = PartnerKey.objects.filter(pk=change.replaces_id, retired_at__isnull=True).update(
            retired_at=now
        )
        if not retired:
            raise PartnerError(_("The key this change replaces was retired meanwhile."))
    PartnerKey.objects.create(
        partner=partner, recipient=change.recipient, fingerprint=change.fingerprint, change=change
    )
    change.status = KeyChangeStatus.APPROVED
    change.save(update_fields=["status", "decided_by_id", "decided_at"])
    partner.key_version += 1
    partner.save(update_fields=["key_version"])
    record(user, "partner.key_approved", "key_change", change.id)
    flag_pending_referrals(partner=partner, actor_id=user.pk)
    _alert_programme_managers(partner=partner, change=change)
    return change


def _alert_programme_managers(*, partner: Partner, change: KeyChange) -> int:
    """Every active account that may approve keys is told of the approval, the two who
    made it too: a real programme manager notices a key nobody told them about."""
    managers = (
        get_user_model()
        .objects.with_perm(MANAGE_PARTNERS, include_superusers=False)
        .filter(is_active=True)
        .values_list("pk", flat=True)
    )
    alerts = [
        KeyAlert(recipient_id=pk, partner=partner, change=change, fingerprint=change.fingerprint)
        for pk in managers
    ]
    KeyAlert.objects.bulk_create(alerts)
    return len(alerts)


def key_alerts_for(user: Actor, *, limit: int = 50) -> list[KeyAlert]:
    """The newest key approvals this user was told of."""
    return list(
        KeyAlert.objects.filter(recipient_id=user.pk)
        .select_related("partner", "change")
        .order_by("-created_at")[:limit]
    )


@transaction.atomic
def retire_key(*, user: Actor, key_id: str) -> PartnerKey:
    """Stop encrypting to a key at once (a partner's laptop was seized): one programme
    manager may do this, since it can only narrow who reads."""
    require(user, MANAGE_PARTNERS, _("Your role does not allow managing partners' keys."))
    key = PartnerKey.objects.select_for_update().filter(pk=key_id, retired_at__isnull=True).first()
    if key is None:
        raise PartnerError(_("No such active key."))
    key.retired_at = timezone.now()
    key.save(update_fields=["retired_at"])
    partner = partner_for(key.partner_id, lock=True)
    partner.key_version += 1
    partner.save(update_fields=["key_version"])
    record(user, "partner.key_retired", "partner_key", key.id)
    flag_pending_referrals(partner=partner, actor_id=user.pk)
    return key


def flag_pending_referrals(*, partner: Partner, actor_id: int | None) -> int:
    """Every referral to ``partner`` not yet sent is marked: its approval (if any) was
    for other keys. Runs inside the key change's transaction."""
    now = timezone.now()
    ids = list(
        Referral.objects.filter(partner=partner, state__in=list(workflow.PENDING)).values_list(
            "id", flat=True
        )
    )
    Referral.objects.filter(pk__in=ids).update(key_changed_at=now)
    for referral_id in ids:
        record(actor_id, "referral.key_changed_flagged", "referral", referral_id)
    return len(ids)
