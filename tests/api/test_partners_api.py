"""The staff's partner routes and a case's referrals over the API (docs/api.md): the
pages' selectors, the pages' refusals, the pages' audit entries.

- ``GET /api/v1/partners/`` and ``/partners/{id}/``: whoever refers or manages partners
  (caseworkers, programme managers; an unassigned caseworker too: partners are no
  case's) reads them, the contacts opened under one ``partner.opened`` entry; every
  other role gets 403 and no contact, a partner's token 403, a dead token 401.
- ``GET /api/v1/cases/{id}/referrals/``: whoever may see the case reads its referrals,
  states and state changes, one ``referral.opened`` entry each; whoever may not gets
  the 404 of a case that does not exist, and nothing is audited as read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.api.conftest import bearer, issue
from tests.cases.conftest import new_case
from tests.cases.test_authorisation_walk import outsiders
from tests.partners.conftest import draft, keyed_partner, with_consent
from waystation.api.services import tokens
from waystation.audit.models import AuditEntry
from waystation.partners.services import partners as partner_services
from waystation.partners.services import referrals

pytestmark = pytest.mark.django_db

CONTACT_MARK = "Desk Zqpvcontact +49 30 111 222"
NOTE_MARK = "Zqpvnote two beds from Friday"


@pytest.fixture
def partnered(staff, team, tmp_path):
    keyed = keyed_partner(staff, tmp_path, "Harbour Shelter")
    partner_services.change_partner(
        user=staff.manager,
        partner_id=keyed.partner.id,
        details=partner_services.PartnerDetails(
            name="Harbour Shelter",
            country="DE",
            kinds=["shelter", "legal_aid"],
            contacts=CONTACT_MARK,
        ),
    )
    case = new_case(team, [staff.caseworker], full_name="Tamila Orlova")
    made = referrals.create_referral(
        user=staff.caseworker, case_id=case.id, draft=draft(keyed.partner)
    )
    with_consent(staff, case, made)
    referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=made.id)
    referrals.download_package(user=staff.caseworker, case_id=case.id, referral_id=made.id)
    referrals.record_update(
        user=staff.caseworker,
        case_id=case.id,
        referral_id=made.id,
        state="received",
        note=NOTE_MARK,
    )
    return keyed, case, made


def _entries(action: str, object_id: str) -> int:
    return AuditEntry.objects.filter(action=action, object_id=object_id).count()


def test_partners_are_listed_without_their_contacts_and_without_an_audit_entry(partnered, staff):
    keyed, _case, _made = partnered
    client = bearer(issue(staff.caseworker, "read"))
    before = AuditEntry.objects.count()
    response = client.get("/api/v1/partners/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    key = keyed.partner.keys.get()
    assert row == {
        "id": keyed.partner.id,
        "name": "Harbour Shelter",
        "country": "DE",
        "kinds": ["shelter", "legal_aid"],
        "active": True,
        "fingerprints": [key.fingerprint],
    }
    assert b"Zqpv" not in response.content
    # Nothing was opened, so nothing is on the record.
    assert AuditEntry.objects.count() == before


def test_one_partner_is_opened_with_its_contacts_under_one_audit_entry(partnered, staff):
    keyed, _case, _made = partnered
    client = bearer(issue(staff.other_caseworker))  # not on the case: partners are no case's
    before = _entries("partner.opened", keyed.partner.id)
    response = client.get(f"/api/v1/partners/{keyed.partner.id}/")
    assert response.status_code == 200
    shown = response.json()
    key = keyed.partner.keys.get()
    assert shown["contacts"] == CONTACT_MARK
    assert shown["fingerprints"] == [key.fingerprint]
    assert shown["keys"][0]["recipient"] == keyed.identity.recipient
    assert (shown["active"], shown["kinds"]) == (True, ["shelter", "legal_aid"])
    entry = AuditEntry.objects.filter(action="partner.opened").latest("seq")
    assert _entries("partner.opened", keyed.partner.id) == before + 1
    assert entry.actor_id == staff.other_caseworker.pk


def test_no_such_partner_is_a_404_and_opens_nothing(partnered, staff):
    client = bearer(issue(staff.caseworker))
    for missing in ("nosuchpartner000", "x" * 40):
        response = client.get(f"/api/v1/partners/{missing}/")
        assert response.status_code == 404
        assert response.json() == {"detail": "No such partner."}


def test_every_role_that_may_not_read_partners_gets_403_and_no_contact(partnered, staff):
    keyed, _case, _made = partnered
    readers = {"caseworker", "unassigned caseworker", "manager of another team", "manager"}
    people = {**outsiders(staff), "caseworker": staff.caseworker, "manager": staff.manager}
    opened_before = _entries("partner.opened", keyed.partner.id)
    opened_by_readers = 0
    failures = []
    for who, user in people.items():
        for scope in ("read", "write"):
            client = bearer(issue(user, scope))
            for url in ("/api/v1/partners/", f"/api/v1/partners/{keyed.partner.id}/"):
                response = client.get(url)
                where = f"{who} ({scope}) {url}"
                if who in readers:
                    if response.status_code != 200:
                        failures.append(f"{where}: {response.status_code}")
                    opened_by_readers += url.endswith(f"{keyed.partner.id}/")
                    continue
                if response.status_code != 403:
                    failures.append(f"{where}: {response.status_code}, not 403")
                elif response.json() != {"detail": "Your role does not allow reading partners."}:
                    failures.append(f"{where}: {response.json()}")
                if b"Zqpv" in response.content or keyed.partner.name.encode() in response.content:
                    failures.append(f"{where} showed the partner")
                # Not a write: a POST is refused without reaching anything.
                assert client.post(url).status_code in (403, 405)
    assert failures == []
    assert _entries("partner.opened", keyed.partner.id) == opened_before + opened_by_readers


def test_a_partner_token_and_a_dead_token_read_no_partner(partnered, staff):
    keyed, _case, _made = partnered
    own = tokens.create_partner_token(user=staff.manager, partner_id=keyed.partner.id).secret
    made = tokens.create_token(user=staff.caseworker, scope="read")
    tokens.revoke_token(user=staff.caseworker, token_id=made.token.pk)
    for secret, status in ((own, 403), (made.secret, 401), ("wst_" + "A" * 43, 401)):
        for url in ("/api/v1/partners/", f"/api/v1/partners/{keyed.partner.id}/"):
            response = bearer(secret).get(url)
            assert response.status_code == status, url
            assert b"Zqpv" not in response.content
    assert Client().get("/api/v1/partners/").status_code == 401


def test_a_case_s_referrals_with_their_states_and_events(partnered, staff):
    keyed, case, made = partnered
    before = _entries("referral.opened", made.id)
    response = bearer(issue(staff.caseworker, "read")).get(f"/api/v1/cases/{case.id}/referrals/")
    assert response.status_code == 200
    [shown] = response.json()["results"]
    assert (shown["id"], shown["partner_id"], shown["partner"]) == (
        made.id,
        keyed.partner.id,
        "Harbour Shelter",
    )
    assert (shown["state"], shown["parts"], shown["key_changed"]) == (
        "received",
        ["summary"],
        False,
    )
    assert len(shown["package_sha256"]) == 64
    moves = [(e["from_state"], e["to_state"]) for e in shown["events"]]
    assert moves == [
        ("", "draft"),
        ("draft", "approved"),
        ("approved", "sent"),
        ("sent", "received"),
    ]
    assert shown["events"][-1]["note"] == NOTE_MARK
    assert shown["events"][-1]["actor_id"] == staff.caseworker.pk
    # Nothing else of the referral: its purpose, parts and consent are on its page.
    assert b"Needs a bed" not in response.content
    assert b"the person themself" not in response.content
    assert _entries("referral.opened", made.id) == before + 1


def test_an_unassigned_caseworker_gets_the_404_of_no_case_and_reads_nothing(partnered, staff):
    _keyed, case, made = partnered
    client = bearer(issue(staff.other_caseworker))
    before = _entries("referral.opened", made.id)
    theirs = client.get(f"/api/v1/cases/{case.id}/referrals/")
    missing = client.get("/api/v1/cases/nosuchcase000000/referrals/")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content
    assert made.id.encode() not in theirs.content and b"Zqpv" not in theirs.content
    assert _entries("referral.opened", made.id) == before


def test_a_granted_reader_sees_the_referrals_until_the_grant_ends(partnered, staff):
    """Need to know is the case's: a grant opens the referrals, its end closes them."""
    from waystation.cases.services import access

    _keyed, case, _made = partnered
    grant = access.grant_access(
        user=staff.manager,
        case_id=case.id,
        grantee_id=staff.logistics.pk,
        reason="cover",
        until=timezone.now() + timedelta(days=1),
    )
    client = bearer(issue(staff.logistics, "read"))
    assert client.get(f"/api/v1/cases/{case.id}/referrals/").status_code == 200
    access.revoke_access(user=staff.manager, case_id=case.id, grant_id=grant.id)
    assert client.get(f"/api/v1/cases/{case.id}/referrals/").status_code == 404


def test_a_deactivated_partner_is_listed_as_inactive(partnered, staff):
    keyed, _case, _made = partnered
    partner_services.set_partner_active(
        user=staff.manager, partner_id=keyed.partner.id, active=False, reason="closed office"
    )
    client = bearer(issue(staff.caseworker))
    assert client.get("/api/v1/partners/").json()["results"][0]["active"] is False
    shown = client.get(f"/api/v1/partners/{keyed.partner.id}/").json()
    assert shown["active"] is False
    assert b"closed office" not in client.get(f"/api/v1/partners/{keyed.partner.id}/").content
