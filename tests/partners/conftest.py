"""Fixtures for partners: the casework staff, a case assigned to the caseworker in a
team the programme manager supervises, a partner whose age key one programme manager
proposed and another approved (its private key at hand, as the partner holds it), and
referrals at each step before sending."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.cases.conftest import Staff, case, new_case, other_team, staff, team
from tests.databases import migrated_sqlite
from tests.processes import run_peer
from waystation.cases.models import Case
from waystation.partners.models import Partner, Referral
from waystation.partners.services import partners as partner_services
from waystation.partners.services import referrals
from waystation.vault import age

__all__ = ["Staff", "case", "new_case", "other_team", "staff", "team"]


@dataclass
class KeyedPartner:
    partner: Partner
    identity: age.Identity
    key_file: Path


def keyed_partner(staff: Staff, tmp_path: Path, name: str = "Harbour Shelter") -> KeyedPartner:
    partner = partner_services.add_partner(
        user=staff.manager,
        details=partner_services.PartnerDetails(
            name=name, country="DE", kinds=["shelter"], contacts="Desk: +49 30 000 000"
        ),
    )
    identity = age.new_identity()
    change = partner_services.propose_key(
        user=staff.manager, partner_id=partner.id, recipient=identity.recipient
    )
    partner_services.decide_key_change(user=staff.other_manager, change_id=change.id, approve=True)
    key_file = tmp_path / f"{partner.id}.agekey"
    key_file.write_text(f"# test key, invented\n{identity.secret}\n")
    partner.refresh_from_db()
    return KeyedPartner(partner=partner, identity=identity, key_file=key_file)


@pytest.fixture
def keyed(staff: Staff, tmp_path: Path) -> KeyedPartner:
    return keyed_partner(staff, tmp_path)


def draft(partner: Partner, **overrides: object) -> referrals.ReferralDraft:
    values: dict[str, object] = {
        "partner_id": partner.id,
        "purpose": "Shelter on arrival",
        "parts": ["summary"],
        "summary": "Needs a bed from the first night.",
    }
    values.update(overrides)
    return referrals.ReferralDraft(**values)  # type: ignore[arg-type]


def with_consent(staff: Staff, case: Case, referral: Referral) -> Referral:
    return referrals.record_consent(
        user=staff.caseworker,
        case_id=case.id,
        referral_id=referral.id,
        given_by="the person themself",
        given_at=timezone.now() - timedelta(hours=1),
        how="phone call on the agreed number",
    )


@pytest.fixture
def drafted(staff: Staff, case: Case, keyed: KeyedPartner) -> Referral:
    return referrals.create_referral(
        user=staff.caseworker, case_id=case.id, draft=draft(keyed.partner)
    )


@pytest.fixture
def approved(staff: Staff, case: Case, drafted: Referral) -> Referral:
    with_consent(staff, case, drafted)
    return referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=drafted.id)


def peer(data_dir: Path, *args: str) -> dict[str, object]:
    """Run ``tests.partners.peer`` (installation B) once; what it reports. B's database
    starts as a copy of the run's migrated one (tests/databases.py): its own ``migrate``
    then finds nothing to do instead of building every table again."""
    database = data_dir / "peer.sqlite3"  # as tests.processes.peer_env names it
    if not database.exists():
        migrated_sqlite(database)
    out = run_peer(data_dir, "tests.partners.peer", *args)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def approved_referral_to_peer(
    staff: Staff, case: Case, *, name: str, recipient: str
) -> tuple[Partner, Referral]:
    """At A: installation B is a partner whose key two programme managers approved, and
    a referral of the case's summary and contact route to it, consented and approved."""
    partner = partner_services.add_partner(
        user=staff.manager, details=partner_services.PartnerDetails(name=name)
    )
    change = partner_services.propose_key(
        user=staff.manager, partner_id=partner.id, recipient=recipient
    )
    partner_services.decide_key_change(user=staff.other_manager, change_id=change.id, approve=True)
    referral = referrals.create_referral(
        user=staff.caseworker,
        case_id=case.id,
        draft=draft(
            partner,
            parts=["summary", "contact_route"],
            summary="Wplkmarker needs shelter on arrival",
            contact_channel="signal",
            contact_handle="+7 912 555 77 88",
        ),
    )
    with_consent(staff, case, referral)
    referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=referral.id)
    return partner, referral
