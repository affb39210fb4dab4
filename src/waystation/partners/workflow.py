"""The life of a referral out, as data (docs/referrals.md). ``services.referrals`` is the
only code that moves a referral, and it reads this table and nothing else.

    draft ─► approved ─► sent ─► received ─► accepted ─► arrived
      │         │                    │
      └─────────┴─► cancelled        └─► declined

Who may make each move, and what it needs, is in the service: approving needs consent
and a programme manager other than the creator; sending needs the partner's keys to be
those the approval was given for; the moves after sending are what the partner tells us.
"""

from __future__ import annotations

from waystation.partners.models import ReferralState as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.DRAFT: frozenset({S.APPROVED, S.CANCELLED}),
    S.APPROVED: frozenset({S.SENT, S.CANCELLED}),
    S.SENT: frozenset({S.RECEIVED}),
    S.RECEIVED: frozenset({S.ACCEPTED, S.DECLINED}),
    S.ACCEPTED: frozenset({S.ARRIVED}),
    S.DECLINED: frozenset(),
    S.ARRIVED: frozenset(),
    S.CANCELLED: frozenset(),
}

# What staff type in from the partner's word, after sending.
PARTNER_UPDATES: frozenset[S] = frozenset({S.RECEIVED, S.ACCEPTED, S.DECLINED, S.ARRIVED})
# What a partner's API token sees of the referrals to it: from approval on (a draft is
# not the partner's business until a second programme manager approved it), and not a
# referral cancelled before sending. The list shows the open ones; the closed ones still
# answer by id, so a partner can read how its last report landed.
WITH_PARTNER: frozenset[S] = frozenset({S.APPROVED, S.SENT, S.RECEIVED, S.ACCEPTED})
SEEN_BY_PARTNER: frozenset[S] = WITH_PARTNER | {S.DECLINED, S.ARRIVED}
# Referrals not yet sent: a change of the partner's keys is flagged on these.
PENDING: frozenset[S] = frozenset({S.DRAFT, S.APPROVED})
TERMINAL: frozenset[S] = frozenset(s for s, targets in TRANSITIONS.items() if not targets)


def allowed(from_state: str, to_state: str) -> bool:
    try:
        return S(to_state) in TRANSITIONS[S(from_state)]
    except ValueError:
        return False
