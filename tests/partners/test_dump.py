"""docs/design.md §2.1 for partners and referrals: a copy of the database (the raw
SQLite file, or a plain ``pg_dump``) and of the disk holds no partner contact, no
referral's purpose, parts or consent note, nothing of the package that was sent,
nothing of a referral received and no reason a partner was deactivated, in any form;
the operational fields it does hold are found by the same search."""

from __future__ import annotations

import secrets
import string
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tests.cases.conftest import new_case
from tests.factories import make_staff
from tests.vault.plaintext import database_bytes, find_forms, read_tree
from waystation.accounts.roles import Role
from waystation.cases.services.access import create_team
from waystation.intake.screening import ensure_intake_key
from waystation.partners.selectors import partners as partner_selectors
from waystation.partners.selectors import referrals as referral_selectors
from waystation.partners.services import identity, incoming, package, referrals
from waystation.partners.services import partners as partner_services
from waystation.vault import age


def _engine(name: str) -> object:
    return pytest.param(
        name,
        marks=pytest.mark.skipif(
            connection.vendor != name,
            reason=f"this check is for {name}; the suite runs on {connection.vendor}",
        ),
    )


ENGINES = [_engine("sqlite"), _engine("postgresql")]


def _token() -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))


def _seed() -> tuple[dict[str, str], list[str]]:
    token = _token()
    markers = [
        f"Contact Olga{token}",
        f"Purpose asylum{token}",
        f"Summary beaten{token}",
        f"+7 912 {secrets.randbelow(10**6):06d}",
        f"Consent mother{token}",
        f"Needs insulin{token}",
        f"Прибыла{token}",
        f"Incoming story{token}",
        f"Raided office{token}",
    ]
    manager = make_staff(Role.PROGRAMME_MANAGER, "manager")
    second = make_staff(Role.PROGRAMME_MANAGER, "manager2")
    caseworker = make_staff(Role.CASEWORKER, "caseworker")
    team = create_team(actor_id=None, name="T", supervisor_id=manager.pk)
    case = new_case(team, [caseworker], full_name="Dump Person")
    ensure_intake_key(actor_id=None)
    ours = identity.ensure_installation_identity(actor_id=None)
    partner = partner_services.add_partner(
        user=manager,
        details=partner_services.PartnerDetails(name="Dump Partner", contacts=markers[0]),
    )
    theirs = age.new_identity()
    change = partner_services.propose_key(
        user=manager, partner_id=partner.id, recipient=theirs.recipient
    )
    partner_services.decide_key_change(user=second, change_id=change.id, approve=True)
    referral = referrals.create_referral(
        user=caseworker,
        case_id=case.id,
        draft=referrals.ReferralDraft(
            partner_id=partner.id,
            purpose=markers[1],
            parts=["summary", "contact_route", "relocation_needs"],
            summary=markers[2],
            contact_channel="signal",
            contact_handle=markers[3],
            relocation_needs=markers[5],
        ),
    )
    referrals.record_consent(
        user=caseworker,
        case_id=case.id,
        referral_id=referral.id,
        given_by=markers[4],
        given_at=timezone.now() - timedelta(hours=1),
        how="phone",
    )
    referrals.approve_referral(user=manager, case_id=case.id, referral_id=referral.id)
    sent = referrals.download_package(user=caseworker, case_id=case.id, referral_id=referral.id)
    referral.refresh_from_db()
    referrals.record_partner_update(referral, "received", by=caseworker, note=markers[6])
    # A referral in, from the same partner, built the same way (as if it were theirs).
    reply = package.zip_package(
        package.manifest_for(
            referral_id="theirs1",
            created_at=timezone.now(),
            sender={"installation": "Dump Partner"},
            partner={"name": "Us"},
            purpose="",
            urgency=2,
            country="RU",
            parts={"summary": markers[7]},
            files=[],
        ),
        [],
    )
    incoming.receive_referral(age.encrypt(reply, [ours.recipient]), partner)
    # A second partner, deactivated with a reason (sealed, with its own key).
    closed = partner_services.add_partner(
        user=manager, details=partner_services.PartnerDetails(name="Closed Partner")
    )
    partner_services.set_partner_active(
        user=manager, partner_id=closed.id, active=False, reason=markers[8]
    )
    # Opened too, as the pages and the API would: an opening must leave nothing behind.
    partner_selectors.partner_page(user=manager, partner_id=partner.id)
    partner_selectors.partner_page(user=manager, partner_id=closed.id)
    referral_selectors.open_referral(user=caseworker, case_id=case.id, referral_id=referral.id)
    referral_selectors.case_referrals_with_events(user=caseworker, case_id=case.id)
    ids = {
        "partner": partner.id,
        "name": "Dump Partner",
        "referral": referral.id,
        "sha": sent.sha256,
        "action": "referral.sent",
    }
    return ids, markers


def _disk(tmp_path: Path) -> bytes:
    assert Path(settings.MEDIA_ROOT).is_relative_to(tmp_path)
    return read_tree(tmp_path)


@pytest.mark.parametrize("engine", ENGINES)
def test_database_dump_contains_no_partner_or_referral_marker(engine, transactional_db, tmp_path):
    assert connection.vendor == engine
    _ids, markers = _seed()
    haystack = database_bytes() + _disk(tmp_path)

    leaks = find_forms(haystack, markers)

    assert leaks == [], f"partners' sealed data is readable in the stored bytes: {leaks[:10]}"


@pytest.mark.parametrize("engine", ENGINES)
def test_partner_dump_search_finds_what_is_stored_in_clear(engine, transactional_db, tmp_path):
    """Not vacuous: the partner's name, the ids, the digest and the audit action are in
    the same bytes."""
    assert connection.vendor == engine
    ids, _markers = _seed()
    database = database_bytes()

    for operational in ids.values():
        assert find_forms(database, [operational]), f"{operational!r} must be in the dump"
