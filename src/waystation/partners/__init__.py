"""Partner organisations: who they are, what they do, how to reach them (sealed), their
age public keys (two programme managers to change one), and referrals: out to them, as
an age-encrypted package of the parts staff chose, with the person's consent and a
second person's approval; and in from them, into the one triage queue.

Layer: above relocation, below demo. It follows the cases app's need to know
(``cases.selectors.visibility``), adds its referrals to a case's timeline through
``cases.signals.collecting_timeline``, and hands incoming referrals and consent
questions to the intake through ``intake.screening``.

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it): the
services (``services.partners`` for partners and keys, ``services.referrals`` for
referrals out, ``services.incoming`` for referrals in, ``services.identity`` for the
installation's own age key), with ``services.common.PartnerError``, and the choices of
``models`` they are called with, and ``MANAGE_PARTNERS`` (who may issue a partner's API
token). The demo builds its partners with them. The API app calls
``fetch_for_partner``, ``record_partner_update`` and ``receive_referral`` for a
partner's token, and reads what that partner may see through ``selectors.partner_side``
(widened for it: operational columns only, nothing sealed). For staff's own tokens it
reads partners and a case's referrals through the pages' selectors,
``selectors.partners.partner_list`` and ``partner_page`` (the contacts opened under the
page's audit entry) and ``selectors.referrals.case_referrals_with_events`` (the case's
need to know, each referral's ``referral.opened`` entry). The home page counts the
referrals and keys waiting for one programme manager (``selectors.waiting``). The
dossiers app offers the same partners as the referral form as a dossier's recipient
(``selectors.partners.partner_choices``: active, with an approved key).
"""

FACE = {
    "models": ["ConsentKind", "Part", "Partner", "ReferralState", "WorkKind"],
    "selectors.partner_side": "*",
    "selectors.partners": ["partner_choices", "partner_list", "partner_page"],
    "selectors.referrals": ["case_referrals_with_events"],
    "selectors.waiting": "*",
    "services.common": ["MANAGE_PARTNERS", "PartnerError"],
    "services.identity": "*",
    "services.incoming": "*",
    "services.partners": "*",
    "services.referrals": "*",
}
