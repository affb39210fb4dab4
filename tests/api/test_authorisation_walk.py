"""The API's authorisation walk: every route under ``/api/v1/`` (read from the URL
resolver, and checked against the schema, so a new route cannot be left out), by GET and
by POST, for every role, a caseworker not assigned to the case, and every kind of token
that must open nothing: none, malformed, unknown, expired, revoked, of a deactivated
account, after "sign out everywhere", after seal-now. And a read-only token on writes.

The partner routes (``/api/v1/partner/``) are walked too: every staff token gets 403
there, whatever its role; a partner's token gets 403 on every staff route, and 404 on
another partner's referral exactly as on none; the partner's dead tokens (expired,
revoked, of a deactivated partner, after seal-now) get 401 everywhere; and no answer to a
partner's token carries a marker of the case's sealed data, its referrals' included.

Expected: 401 for every token that does not work (whatever the route or id); 403 for a
read-only token's writes; 404 on every case route for whoever may not see the case,
exactly as for a case that does not exist; and no marker of the case's sealed data in
any answer but those to the people who may see it (docs/design.md §2.5)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import get_resolver, resolve
from django.utils import timezone

from tests.api.conftest import JSON, bearer, issue
from tests.cases.test_authorisation_walk import MARK, contains_marker, fill, outsiders, walk
from tests.factories import make_staff
from waystation.accounts import services as accounts
from waystation.accounts.roles import Role
from waystation.api.models import ApiToken
from waystation.api.services import tokens
from waystation.cases.models import CaseCheckIn, Note, Task
from waystation.partners.models import Partner, Referral
from waystation.partners.services import partners as partner_services
from waystation.partners.services import referrals
from waystation.partners.services.common import may_use_partners
from waystation.vault import age
from waystation.vault import services as vault_services

MISSING = "nosuchcase000000"
BODY = json.dumps({"text": "x", "title": "x", "kind": "note"})


PARTNER_PREFIX = "api/v1/partner/"
# The staff routes that read partners (not a case's): tests/api/test_partners_api.py
# walks them for every role.
PARTNER_READS = {"api:partners", "api:partner"}


def api_routes() -> list[tuple[str, str]]:
    routes = [(n, r) for n, r in walk(get_resolver().url_patterns) if r.startswith("api/v1/")]
    assert len(routes) >= 17, "the walk must see the API's routes"
    return routes


def staff_routes() -> list[tuple[str, str]]:
    return [(n, r) for n, r in api_routes() if not r.startswith(PARTNER_PREFIX)]


def partner_routes() -> list[tuple[str, str]]:
    routes = [(n, r) for n, r in api_routes() if r.startswith(PARTNER_PREFIX)]
    assert len(routes) >= 6, "the walk must see the partner routes"
    return routes


def send(client: Client, method: str, url: str) -> object:
    if method == "post":
        return client.post(url, data=BODY, content_type=JSON)
    return client.get(url)


def counts(case) -> tuple[int, int, int]:
    return (
        Note.objects.filter(case=case).count(),
        Task.objects.filter(case=case).count(),
        CaseCheckIn.objects.filter(case=case).count(),
    )


def test_every_api_route_is_in_the_schema_and_every_schema_path_is_a_route(staff):
    schema = bearer(issue(staff.caseworker)).get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert schema.status_code == 200
    paths = set(json.loads(schema.content)["paths"])
    routes = {"/" + r.replace("<str:", "{").replace(">", "}") for _, r in api_routes()}
    assert routes == paths


def _partners(staff) -> dict[str, Partner]:
    return {
        name: partner_services.add_partner(
            user=staff.manager,
            details=partner_services.PartnerDetails(name=f"{name.title()} Org"),
        )
        for name in ("sealed", "expired", "revoked", "deactivated")
    }


def _dead_tokens(staff, vault, tmp_path: Path) -> dict[str, dict[str, str]]:
    partners = _partners(staff)
    """Headers that must open nothing, each made the way it happens."""
    cw = staff.caseworker
    # Sealing ends every token there is: make the one it ends first, so that each of the
    # others is dead for its own reason only.
    sealed_user = make_staff(Role.CASEWORKER, "sealeduser")
    sealed = issue(sealed_user)
    sealed_partner = tokens.create_partner_token(
        user=staff.manager, partner_id=partners["sealed"].id
    ).secret
    vault_services.seal_now(actor_id=staff.admin.pk)
    # Unsealed again (the trustees came back): the token must still be dead.
    vault.unseal_with_demo_key_file(tmp_path / "keys" / "test-root-key")
    expired = issue(cw)
    ApiToken.objects.filter(user=cw).update(expires_at=timezone.now() - timedelta(seconds=1))
    made = tokens.create_token(user=cw, scope="write")
    tokens.revoke_token(user=cw, token_id=made.token.pk)
    revoked = made.secret
    leaver = make_staff(Role.CASEWORKER, "leaver")
    of_deactivated = issue(leaver)
    accounts.deactivate_staff(actor_id=staff.admin.pk, user=leaver)
    signed_out_user = make_staff(Role.CASEWORKER, "signedout")
    signed_out = issue(signed_out_user)
    accounts.end_all_sessions(actor_id=None, user=signed_out_user)
    good = issue(cw)
    expired_partner = tokens.create_partner_token(
        user=staff.manager, partner_id=partners["expired"].id
    )
    ApiToken.objects.filter(pk=expired_partner.token.pk).update(expires_at=timezone.now())
    revoked_partner = tokens.create_partner_token(
        user=staff.manager, partner_id=partners["revoked"].id
    )
    tokens.revoke_partner_token(
        user=staff.manager, partner_id=partners["revoked"].id, token_id=revoked_partner.token.pk
    )
    of_deactivated_partner = tokens.create_partner_token(
        user=staff.manager, partner_id=partners["deactivated"].id
    ).secret
    partner_services.set_partner_active(
        user=staff.manager, partner_id=partners["deactivated"].id, active=False, reason="ended"
    )
    return {
        "no token": {},
        "no scheme": {"HTTP_AUTHORIZATION": good},
        "basic scheme": {"HTTP_AUTHORIZATION": f"Basic {good}"},
        "bearer alone": {"HTTP_AUTHORIZATION": "Bearer"},
        "three parts": {"HTTP_AUTHORIZATION": f"Bearer {good} extra"},
        "not ascii": {"HTTP_AUTHORIZATION": "Bearer wst_\u00e9t\u00e9"},
        "unknown token": {"HTTP_AUTHORIZATION": "Bearer wst_" + "A" * 43},
        "a digest for a token": {
            "HTTP_AUTHORIZATION": "Bearer " + ApiToken.objects.filter(user=cw).first().digest
        },
        "expired": {"HTTP_AUTHORIZATION": f"Bearer {expired}"},
        "revoked": {"HTTP_AUTHORIZATION": f"Bearer {revoked}"},
        "of a deactivated account": {"HTTP_AUTHORIZATION": f"Bearer {of_deactivated}"},
        "after sign out everywhere": {"HTTP_AUTHORIZATION": f"Bearer {signed_out}"},
        "after seal-now": {"HTTP_AUTHORIZATION": f"Bearer {sealed}"},
        "partner's, expired": {"HTTP_AUTHORIZATION": f"Bearer {expired_partner.secret}"},
        "partner's, revoked": {"HTTP_AUTHORIZATION": f"Bearer {revoked_partner.secret}"},
        "partner's, partner deactivated": {
            "HTTP_AUTHORIZATION": f"Bearer {of_deactivated_partner}"
        },
        "partner's, after seal-now": {"HTTP_AUTHORIZATION": f"Bearer {sealed_partner}"},
    }


def test_no_route_opens_for_a_missing_malformed_or_dead_token(seeded, staff, vault, tmp_path):
    case, values = seeded
    headers = _dead_tokens(staff, vault, tmp_path)
    before = counts(case)
    failures = []
    for who, extra in headers.items():
        client = Client(**extra)
        for name, route in api_routes():
            for method in ("get", "post"):
                response = send(client, method, fill(route, values))
                where = f"{who} {method.upper()} {name}"
                if response.status_code != 401:
                    failures.append(f"{where}: {response.status_code}, not 401")
                elif not response.get("WWW-Authenticate", "").startswith("Bearer"):
                    failures.append(f"{where}: no Bearer challenge")
                if contains_marker(response.content):
                    failures.append(f"{where} leaked {contains_marker(response.content)}")
    assert failures == []
    assert counts(case) == before


def test_a_session_alone_opens_no_api_route(seeded, staff, client_for):
    """Sessions are for the pages: a signed-in browser (and a page of another site riding
    its cookie) gets nothing from the API."""
    _case, values = seeded
    client = client_for(staff.caseworker)
    for name, route in api_routes():
        for method in ("get", "post"):
            response = send(client, method, fill(route, values))
            assert response.status_code == 401, f"{method} {name}"
            assert not contains_marker(response.content)


def test_a_read_only_token_writes_nothing(seeded, staff):
    case, values = seeded
    client = bearer(issue(staff.caseworker, scope="read"))
    before = counts(case)
    for name, route in partner_routes():
        for method in ("get", "post"):
            assert send(client, method, fill(route, values)).status_code in (403, 405), name
    for name, route in staff_routes():
        url = fill(route, values)
        view = resolve(url).func.view_class  # type: ignore[attr-defined]
        if hasattr(view, "post"):
            response = send(client, "post", url)
            assert response.status_code == 403, name
            assert "read-only" in response.json()["detail"]
        if hasattr(view, "get"):
            assert send(client, "get", url).status_code == 200, name
    assert counts(case) == before


def test_whoever_may_not_see_the_case_gets_404_on_every_route_as_for_no_case(seeded, staff):
    case, values = seeded
    before = counts(case)
    failures = []
    for who, user in outsiders(staff).items():
        client = bearer(issue(user))
        for name, route in staff_routes():
            for method in ("get", "post"):
                url = fill(route, values)
                response = send(client, method, url)
                where = f"{who} {method.upper()} {name}"
                if "<str:case_id>" in route:
                    missing = send(client, method, fill(route, {**values, "case_id": MISSING}))
                    if response.status_code not in (404, 405) or (
                        response.status_code != missing.status_code
                    ):
                        failures.append(f"{where}: {response.status_code} vs {missing.status_code}")
                    elif response.content.replace(case.id.encode(), b"") != (
                        missing.content.replace(MISSING.encode(), b"")
                    ):
                        failures.append(f"{where}: a different answer than for no case")
                elif response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code}")
                if case.id.encode() in response.content:
                    failures.append(f"{where} named the case")
                if contains_marker(response.content):
                    failures.append(f"{where} leaked {contains_marker(response.content)}")
    assert failures == []
    assert counts(case) == before


@pytest.mark.parametrize("who", ["caseworker", "manager", "logistics"])
def test_the_people_who_may_see_the_case_read_it_on_every_route(seeded, staff, who):
    """Positive control for the walk above: its assignee, its team's supervisor and a
    grantee read every route, markers included, and may write."""
    case, values = seeded
    client = bearer(issue(getattr(staff, who)))
    seen: set[str] = set()
    for name, route in staff_routes():
        url = fill(route, values)
        view = resolve(url).func.view_class  # type: ignore[attr-defined]
        if hasattr(view, "get"):
            response = send(client, "get", url)
            if name in PARTNER_READS and not may_use_partners(getattr(staff, who)):
                # Not the case's: partners are read by whoever refers or manages them.
                assert response.status_code == 403, name
                continue
            assert response.status_code == 200, name
            seen |= set(contains_marker(response.content))
    assert {"Zaurbek" + "Qxwzmarker", "noteQxwzmarker", "legQxwzmarkerorigin", "QX4471093"} <= seen
    listed = (
        client.get("/api/v1/cases/?stage=declined").content + client.get("/api/v1/cases/").content
    )
    assert case.id.encode() in listed
    assert (
        bearer(issue(getattr(staff, who)))
        .post(f"/api/v1/cases/{case.id}/notes/", data=BODY, content_type=JSON)
        .status_code
        == 201
    )


@pytest.mark.parametrize("role", ["screener", "admin"])
def test_a_role_without_casework_reads_a_granted_case_but_may_not_write(seeded, staff, role):
    """Access makes a case visible; the role decides what may be done on it (§1.1): the
    service refuses with the page's sentence, as a 403."""
    from waystation.cases.services import access

    case, _ = seeded
    user = getattr(staff, role)
    access.grant_access(
        user=staff.manager,
        case_id=case.id,
        grantee_id=user.pk,
        reason="cover",
        until=timezone.now() + timedelta(days=1),
    )
    client = bearer(issue(user))
    assert client.get(f"/api/v1/cases/{case.id}/").status_code == 200
    before = counts(case)
    for path in ("notes", "tasks", "check-ins"):
        response = client.post(f"/api/v1/cases/{case.id}/{path}/", data=BODY, content_type=JSON)
        assert response.status_code == 403, path
        assert response.json() == {"detail": "Your role does not allow this on a case."}
    assert counts(case) == before


# --- the partner routes ------------------------------------------------------------------


def _keyed(staff, name: str) -> Partner:
    partner = partner_services.add_partner(
        user=staff.manager, details=partner_services.PartnerDetails(name=name)
    )
    change = partner_services.propose_key(
        user=staff.manager, partner_id=partner.id, recipient=age.new_identity().recipient
    )
    partner_services.decide_key_change(user=staff.other_manager, change_id=change.id, approve=True)
    return partner


def _approved_referral(staff, case, partner: Partner) -> Referral:
    """A referral of the seeded case, a marker in every part it carries."""
    made = referrals.create_referral(
        user=staff.caseworker,
        case_id=case.id,
        draft=referrals.ReferralDraft(
            partner_id=partner.id,
            purpose=f"purpose{MARK}",
            parts=["summary", "contact_route"],
            summary=f"summary{MARK}",
            contact_channel="signal",
            contact_handle="+7 912 555 01 23",
        ),
    )
    referrals.record_consent(
        user=staff.caseworker,
        case_id=case.id,
        referral_id=made.id,
        given_by=f"consent{MARK}",
        given_at=timezone.now() - timedelta(hours=1),
        how="a call",
    )
    return referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=made.id)


@pytest.fixture
def two_partners(seeded, staff):
    case, values = seeded
    mine, theirs = _keyed(staff, "Harbour Shelter"), _keyed(staff, "Ridge Legal Aid")
    own = _approved_referral(staff, case, mine)
    other = _approved_referral(staff, case, theirs)
    token = tokens.create_partner_token(user=staff.manager, partner_id=mine.id).secret
    return case, values, own, other, token


def test_every_staff_token_gets_403_on_every_partner_route(two_partners, staff):
    _case, values, own, _other, _token = two_partners
    values = {**values, "referral_id": own.id}
    people = {**outsiders(staff), "caseworker": staff.caseworker, "manager": staff.manager}
    failures = []
    for who, user in people.items():
        for scope in ("read", "write"):
            client = bearer(issue(user, scope))
            for name, route in partner_routes():
                for method in ("get", "post"):
                    response = send(client, method, fill(route, values))
                    where = f"{who} ({scope}) {method.upper()} {name}"
                    if response.status_code not in (403, 405):
                        failures.append(f"{where}: {response.status_code}")
                    if contains_marker(response.content):
                        failures.append(f"{where} leaked {contains_marker(response.content)}")
    assert failures == []
    assert Referral.objects.get(pk=own.pk).state == "approved"  # nobody took the package


def test_a_partner_token_reaches_nothing_that_is_not_its_own(two_partners):
    case, values, _own, other, token = two_partners
    client = bearer(token)
    before = counts(case)
    failures = []
    for name, route in staff_routes():
        for method in ("get", "post"):
            response = send(client, method, fill(route, values))
            where = f"partner {method.upper()} {name}"
            if response.status_code not in (403, 405):
                failures.append(f"{where}: {response.status_code}, not 403")
            if case.id.encode() in response.content or contains_marker(response.content):
                failures.append(f"{where} named the case or leaked a marker")
    for name, route in partner_routes():
        for method in ("get", "post"):
            theirs = send(client, method, fill(route, {**values, "referral_id": other.id}))
            missing = send(client, method, fill(route, {**values, "referral_id": MISSING}))
            where = f"partner {method.upper()} {name}"
            if "<str:referral_id>" in route:
                if theirs.status_code not in (404, 405) or theirs.content != missing.content:
                    failures.append(f"{where}: {theirs.status_code} vs {missing.status_code}")
            elif theirs.status_code >= 500:
                failures.append(f"{where}: {theirs.status_code}")
            for response in (theirs, missing):
                if other.id.encode() in response.content or contains_marker(response.content):
                    failures.append(f"{where} named their referral or leaked a marker")
    assert failures == []
    assert counts(case) == before
    assert Referral.objects.get(pk=other.pk).state == "approved"


def test_a_partner_token_reads_its_own_referrals_without_a_sealed_value(two_partners):
    """Positive control: its own routes answer (the package, once), never with a marker
    or the case's id (the package is age ciphertext for the partner's key)."""
    case, values, own, other, token = two_partners
    client = bearer(token)
    values = {**values, "referral_id": own.id}
    answered = set()
    for name, route in partner_routes():
        for method in ("get", "post"):
            response = send(client, method, fill(route, values))
            assert response.status_code < 500, name
            if response.status_code in (200, 201):
                answered.add(name)
            assert not contains_marker(response.content), name
            assert case.id.encode() not in response.content, name
            assert other.id.encode() not in response.content, name
    assert {
        "api:partner_referrals",
        "api:partner_referral",
        "api:partner_referral_package",
        "api:partner_identity",
    } <= answered
    assert Referral.objects.get(pk=own.pk).state == "sent"
