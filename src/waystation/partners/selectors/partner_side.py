"""What a partner organisation reads of its own referrals, through its API token: the
operational columns only (ids, states, dates, the names of the parts, the package's
digest and size). Nothing sealed is opened here, so nothing here is on the audit record;
the package itself is taken through ``services.referrals.fetch_for_partner``, once.

Which referrals a partner sees is ``workflow.SEEN_BY_PARTNER`` (from approval on);
whichever it may not see is "No such referral.", as for one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from waystation.partners import workflow
from waystation.partners.models import Partner, Referral, ReferralState
from waystation.partners.services.identity import installation_recipient
from waystation.partners.services.referrals import ReferralNotFound
from waystation.vault import age


@dataclass(frozen=True)
class PartnerReferralRow:
    id: str
    state: str
    state_label: str
    parts: list[str]  # names of the parts, never their contents
    approved_at: datetime | None
    sent_at: datetime | None
    # The package can be fetched now: approved, and for the keys the partner has now (a
    # referral flagged after a key change waits for a second approval).
    ready: bool
    package_sha256: str
    package_size: int | None


def _row(referral: Referral, partner: Partner) -> PartnerReferralRow:
    return PartnerReferralRow(
        id=referral.id,
        state=referral.state,
        state_label=str(ReferralState(referral.state).label),
        parts=list(referral.parts or []),
        approved_at=referral.approved_at,
        sent_at=referral.sent_at,
        ready=(
            referral.state == ReferralState.APPROVED
            and referral.key_changed_at is None
            and referral.approved_key_version == partner.key_version
        ),
        package_sha256=referral.package_sha256,
        package_size=referral.package_size,
    )


def referrals_for_partner(*, partner: Partner) -> list[PartnerReferralRow]:
    """The partner's open referrals (``workflow.WITH_PARTNER``), oldest approval first:
    the order in which they were released to it."""
    queryset = Referral.objects.filter(
        partner=partner, state__in=list(workflow.WITH_PARTNER)
    ).order_by("approved_at", "id")
    return [_row(r, partner) for r in queryset]


def referral_for_partner(*, partner: Partner, referral_id: str) -> Referral:
    """One referral the partner sees; else the 404 of "No such referral."."""
    if not isinstance(referral_id, str) or len(referral_id) > 32:
        raise ReferralNotFound(_("No such referral."))
    found = Referral.objects.filter(
        pk=referral_id, partner=partner, state__in=list(workflow.SEEN_BY_PARTNER)
    ).first()
    if found is None:
        raise ReferralNotFound(_("No such referral."))
    return found


def partner_referral_row(*, partner: Partner, referral_id: str) -> PartnerReferralRow:
    return _row(referral_for_partner(partner=partner, referral_id=referral_id), partner)


@dataclass(frozen=True)
class InstallationKey:
    recipient: str  # "" if this installation has no identity yet
    fingerprint: str


def installation_key() -> InstallationKey:
    """This installation's age public key (public by definition), for partners to
    encrypt what they send us."""
    recipient = installation_recipient()
    return InstallationKey(
        recipient=recipient, fingerprint=age.fingerprint(recipient) if recipient else ""
    )
