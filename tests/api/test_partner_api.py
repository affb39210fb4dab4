"""A partner organisation's token and its routes: issued by a programme manager from the
partner's page after the password and a code again, shown once, kept as a digest, 30
days by default and at most 90, revocable, ended by seal-now and by the partner's
deactivation. It lists the partner's referrals without anything sealed, takes each
package once, reports state changes the workflow allows, sends referrals in to the
triage queue, and reads this installation's public key. Audit entries name the partner
and no member of staff."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.api.conftest import JSON, bearer, issue
from tests.factories import DEFAULT_TEST_PASSWORD, signed_in_client, totp_now
from waystation.api.models import ApiToken, EndedBy, Scope
from waystation.api.services import tokens
from waystation.audit.models import AuditEntry
from waystation.intake.models import HelpRequest
from waystation.intake.screening import ensure_intake_key
from waystation.partners.models import IncomingReferral, Partner, Referral, ReferralEvent
from waystation.partners.services import identity, package
from waystation.vault import age
from waystation.vault import services as vault_services

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"wst_[A-Za-z0-9_-]{43}")
BASE = "/api/v1/partner/"


def state(client, referral_id: str, to: str, note: str = "") -> object:
    return client.post(
        f"{BASE}referrals/{referral_id}/state/",
        data=json.dumps({"state": to, "note": note}),
        content_type=JSON,
    )


# --- issuing -------------------------------------------------------------------------


def test_a_programme_manager_issues_a_partner_token_after_reauthenticating(staff, partnered):
    partner = partnered.mine.partner
    new = reverse("api_partner_tokens:new", args=[partner.id])
    client = signed_in_client(staff.manager)
    first = client.post(new, {"days": "30"})
    assert first.status_code == 302
    assert first.url.startswith(reverse("accounts:reauthenticate"))
    client.post(
        f"{reverse('accounts:reauthenticate')}?next={new}",
        {"password": DEFAULT_TEST_PASSWORD, "code": totp_now(staff.manager)},
    )
    page = client.post(new, {"days": "30"}).content.decode()
    [secret] = TOKEN.findall(page)
    row = ApiToken.objects.get(digest=hashlib.sha256(secret.encode()).hexdigest())
    assert (row.scope, row.partner_id, row.user_id, row.issued_by_id) == (
        Scope.PARTNER,
        partner.id,
        None,
        staff.manager.pk,
    )
    assert row.expires_at - row.created_at == timedelta(days=30)
    listing = client.get(reverse("api_partner_tokens:list", args=[partner.id])).content.decode()
    assert secret not in listing and f"wst_{row.prefix}" in listing
    assert secret not in str(dict(client.session.items()))
    assert bearer(secret).get(f"{BASE}referrals/").status_code == 200
    # The partner's page links to it, for programme managers.
    detail = client.get(f"/partners/{partner.id}/").content.decode()
    assert reverse("api_partner_tokens:list", args=[partner.id]) in detail


def test_only_a_programme_manager_issues_or_revokes(staff, partnered):
    partner = partnered.mine.partner
    for who in (staff.caseworker, staff.screener, staff.admin):
        client = signed_in_client(who, reauthenticated=True)
        assert client.get(reverse("api_partner_tokens:list", args=[partner.id])).status_code == 403
        assert (
            client.post(
                reverse("api_partner_tokens:new", args=[partner.id]), {"days": "30"}
            ).status_code
            == 403
        )
        with pytest.raises(tokens.TokenError):
            tokens.create_partner_token(user=who, partner_id=partner.id)


def test_a_partner_token_lasts_at_most_90_days(staff, partnered):
    partner = partnered.mine.partner
    for days in (0, 91, 365):
        with pytest.raises(tokens.TokenError, match="1 to 90 days"):
            tokens.create_partner_token(user=staff.manager, partner_id=partner.id, days=days)
    made = tokens.create_partner_token(user=staff.manager, partner_id=partner.id, days=90)
    assert made.token.expires_at - made.token.created_at == timedelta(days=90)
    assert made.secret not in repr(made)


def test_revoking_expiry_seal_and_deactivation_end_a_partner_token(
    staff, partnered, vault, tmp_path
):
    partner = partnered.mine.partner
    made = tokens.create_partner_token(user=staff.manager, partner_id=partner.id)
    client = bearer(made.secret)
    assert client.get(f"{BASE}referrals/").status_code == 200
    page = signed_in_client(staff.manager)
    page.post(reverse("api_partner_tokens:revoke", args=[partner.id, made.token.id]))
    assert client.get(f"{BASE}referrals/").status_code == 401
    assert ApiToken.objects.get(pk=made.token.pk).ended_by == EndedBy.MANAGER
    actions = list(
        AuditEntry.objects.filter(object_id=made.token.id).values_list("action", "actor_id")
    )
    assert actions == [
        ("api.partner_token_created", staff.manager.pk),
        ("api.partner_token_revoked", staff.manager.pk),
    ]

    expired = tokens.create_partner_token(user=staff.manager, partner_id=partner.id)
    ApiToken.objects.filter(pk=expired.token.pk).update(expires_at=timezone.now())
    assert bearer(expired.secret).get(f"{BASE}referrals/").status_code == 401

    Partner.objects.filter(pk=partner.pk).update(active=False)
    assert bearer(partnered.token).get(f"{BASE}referrals/").status_code == 401
    with pytest.raises(tokens.TokenError, match="no longer active"):
        tokens.create_partner_token(user=staff.manager, partner_id=partner.id)
    Partner.objects.filter(pk=partner.pk).update(active=True)
    assert bearer(partnered.token).get(f"{BASE}referrals/").status_code == 200

    vault_services.seal_now(actor_id=staff.admin.pk)
    vault.unseal_with_demo_key_file(tmp_path / "keys" / "test-root-key")
    assert bearer(partnered.token).get(f"{BASE}referrals/").status_code == 401
    assert bearer(partnered.other_token).get(f"{BASE}referrals/").status_code == 401


# --- the routes ------------------------------------------------------------------------


def test_the_list_shows_the_partner_s_referrals_and_nothing_sealed(partnered):
    response = bearer(partnered.token).get(f"{BASE}referrals/")
    assert response.status_code == 200
    body = response.json()
    assert [r["id"] for r in body["results"]] == [partnered.referral.id]
    row = body["results"][0]
    assert row["state"] == "approved" and row["ready"] is True and row["parts"] == ["summary"]
    assert b"Partnermarker" not in response.content
    assert b"Tamila" not in response.content
    assert partnered.case.id.encode() not in response.content


def test_the_package_is_taken_once(staff, partnered):
    client = bearer(partnered.token)
    url = f"{BASE}referrals/{partnered.referral.id}/package/"
    first = client.post(url)
    assert first.status_code == 200
    assert first["Content-Type"] == "application/octet-stream"
    assert first["X-Package-SHA256"] == hashlib.sha256(first.content).hexdigest()
    opened = package.read_package(age.decrypt(first.content, [partnered.mine.identity.secret]))
    assert opened.manifest["parts"]["summary"].startswith("PartnermarkerHarb")
    again = client.post(url)
    assert again.status_code == 400
    assert again.json()["detail"] == (
        "This package was already downloaded once; it is not offered again."
    )
    referral = Referral.objects.get(pk=partnered.referral.pk)
    assert referral.state == "sent" and referral.sent_by_id is None
    assert referral.package_sha256 == first["X-Package-SHA256"]
    entry = AuditEntry.objects.get(action="referral.sent", object_id=referral.id)
    assert (entry.actor_id, entry.actor_partner_id) == (None, partnered.mine.partner.id)
    # The page's download is refused the same way now.
    page = signed_in_client(staff.caseworker).post(
        f"/partners/case/{partnered.case.id}/{referral.id}/download/", follow=True
    )
    assert "already downloaded once" in page.content.decode()


def test_state_changes_follow_the_workflow_and_reach_the_case_timeline(staff, partnered):
    from waystation.cases.selectors.case_file import open_case

    client = bearer(partnered.token)
    rid = partnered.referral.id
    refused = state(client, rid, "received")
    assert refused.status_code == 400
    assert (
        refused.json()["detail"]
        == "A referral that is approved cannot become received by the partner."
    )
    client.post(f"{BASE}referrals/{rid}/package/")
    early = state(client, rid, "arrived")
    assert (
        early.json()["detail"] == "A referral that is sent cannot become arrived with the partner."
    )
    assert state(client, rid, "received").json()["state"] == "received"
    accepted = state(client, rid, "accepted", "bed ready from Monday")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    unknown = state(client, rid, "approved")
    assert unknown.status_code == 400 and "state" in unknown.json()["errors"]
    event = ReferralEvent.objects.filter(referral_id=rid).order_by("-at").first()
    assert (event.to_state, event.actor_id, event.by_partner) == ("accepted", None, True)
    entry = AuditEntry.objects.get(action="referral.accepted", object_id=rid)
    assert (entry.actor_id, entry.actor_partner_id) == (None, partnered.mine.partner.id)
    timeline = open_case(user=staff.caseworker, case_id=partnered.case.id).timeline
    assert any(
        "Received by the partner → Accepted by the partner: bed ready from Monday" in e.text
        for e in timeline
        if e.kind == "referral"
    )
    page = (
        signed_in_client(staff.caseworker)
        .get(f"/partners/case/{partnered.case.id}/{rid}/")
        .content.decode()
    )
    assert "bed ready from Monday" in page and "(by Harbour Shelter, over the API)" in page
    # Still answers by id after the list moves on (arrived is closed).
    state(client, rid, "arrived")
    assert client.get(f"{BASE}referrals/").json()["results"] == []
    assert client.get(f"{BASE}referrals/{rid}/").json()["state"] == "arrived"


def test_another_partner_s_referral_is_no_such_referral(partnered):
    client = bearer(partnered.token)
    theirs = partnered.other_referral.id
    for method, suffix, body in (
        ("get", "", None),
        ("post", "package/", None),
        ("post", "state/", {"state": "received"}),
    ):
        answers = []
        for rid in (theirs, "nosuchthing00000"):
            url = f"{BASE}referrals/{rid}/{suffix}"
            send = getattr(client, method)
            answers.append(
                send(url, data=json.dumps(body), content_type=JSON) if body else send(url)
            )
        assert [a.status_code for a in answers] == [404, 404], suffix
        assert answers[0].content == answers[1].content
    assert Referral.objects.get(pk=theirs).state == "approved"


def test_a_draft_or_cancelled_referral_is_not_the_partner_s(staff, partnered):
    from tests.partners.conftest import draft
    from waystation.partners.services import referrals

    drafted = referrals.create_referral(
        user=staff.caseworker, case_id=partnered.case.id, draft=draft(partnered.mine.partner)
    )
    client = bearer(partnered.token)
    assert client.get(f"{BASE}referrals/{drafted.id}/").status_code == 404
    assert client.post(f"{BASE}referrals/{drafted.id}/package/").status_code == 404
    assert [r["id"] for r in client.get(f"{BASE}referrals/").json()["results"]] == [
        partnered.referral.id
    ]


def test_the_installation_key_is_there_for_the_partner(partnered):
    client = bearer(partnered.token)
    assert client.get(f"{BASE}identity/").json() == {"recipient": "", "fingerprint": ""}
    ours = identity.ensure_installation_identity(actor_id=None)
    assert client.get(f"{BASE}identity/").json() == {
        "recipient": ours.recipient,
        "fingerprint": age.fingerprint(ours.recipient),
    }


def _package_for(recipient: str, **manifest_changes: object) -> bytes:
    manifest = package.manifest_for(
        referral_id="hs-2291",
        created_at=timezone.now(),
        sender={"installation": "Harbour Shelter"},
        partner={"name": "Us"},
        purpose="relocation",
        urgency=1,
        country="GE",
        parts={"summary": "Needs to leave Tbilisi this week."},
        files=[],
    )
    manifest.update(manifest_changes)
    return age.encrypt(package.zip_package(manifest, []), [recipient])


def test_a_referral_sent_in_lands_in_the_triage_queue_naming_the_partner(partnered, staff):
    ensure_intake_key(actor_id=None)
    ours = identity.ensure_installation_identity(actor_id=None).recipient
    client = bearer(partnered.token)
    sealed = _package_for(ours)
    response = client.post(f"{BASE}incoming/", data=sealed, content_type="application/octet-stream")
    assert response.status_code == 201, response.content
    assert response.json() == {
        "package_sha256": hashlib.sha256(sealed).hexdigest(),
        "queued": True,
    }
    stored = HelpRequest.objects.get()
    assert (stored.channel, stored.referred_by) == ("partner", "Harbour Shelter")
    incoming = IncomingReferral.objects.get()
    assert (incoming.partner_id, incoming.received_by_id) == (partnered.mine.partner.id, None)
    entry = AuditEntry.objects.get(action="referral.imported")
    assert (entry.actor_id, entry.actor_partner_id) == (None, partnered.mine.partner.id)
    again = client.post(f"{BASE}incoming/", data=sealed, content_type="application/octet-stream")
    assert again.status_code == 400 and "imported before" in again.json()["detail"]


def test_a_referral_sent_in_is_refused_clearly(partnered, settings):
    ensure_intake_key(actor_id=None)
    ours = identity.ensure_installation_identity(actor_id=None).recipient
    client = bearer(partnered.token)

    def post(body: bytes, content_type: str = "application/octet-stream") -> object:
        return client.post(f"{BASE}incoming/", data=body, content_type=content_type)

    not_age = post(b"PK\x03\x04 this is a zip, not age")
    assert not_age.status_code == 400 and "Nothing was imported" in not_age.json()["detail"]
    other_key = post(_package_for(age.new_identity().recipient))
    assert other_key.status_code == 400 and "Nothing was imported" in other_key.json()["detail"]
    bad_manifest = post(_package_for(ours, format="something-else"))
    assert bad_manifest.status_code == 400
    assert "not a referral package" in bad_manifest.json()["detail"]
    as_json = post(b"{}", JSON)
    assert as_json.status_code == 415
    settings.WAYSTATION_API_MAX_PACKAGE_BYTES = 1024
    too_big = post(_package_for(ours) + b"\0" * 2048)
    assert too_big.status_code == 413
    assert not HelpRequest.objects.exists() and not IncomingReferral.objects.exists()


def test_tokens_reach_only_their_own_routes(staff, partnered):
    staff_client = bearer(issue(staff.caseworker))
    for url in (f"{BASE}referrals/", f"{BASE}identity/"):
        refused = staff_client.get(url)
        assert refused.status_code == 403
        assert "partner organisation's token" in refused.json()["detail"]
    partner_client = bearer(partnered.token)
    for url in ("/api/v1/cases/", "/api/v1/alerts/", f"/api/v1/cases/{partnered.case.id}/"):
        refused = partner_client.get(url)
        assert refused.status_code == 403
        assert "only that partner's referral routes" in refused.json()["detail"]


def test_the_partner_named_in_an_entry_is_under_the_chain_s_hash(partnered):
    from waystation.audit.services import record, verify_chain

    bearer(partnered.token).post(f"{BASE}referrals/{partnered.referral.id}/package/")
    assert verify_chain().ok
    entry = AuditEntry.objects.get(action="referral.sent")
    # Filed under another partner, or under no one: the chain says so.
    for forged in (partnered.theirs.partner.id, ""):
        AuditEntry.objects.filter(pk=entry.pk).update(actor_partner_id=forged)
        assert not verify_chain().ok
    AuditEntry.objects.filter(pk=entry.pk).update(actor_partner_id=partnered.mine.partner.id)
    assert verify_chain().ok
    with pytest.raises(ValueError):
        record(actor_id=1, action="x.y", actor_partner_id=partnered.mine.partner.id)
    with pytest.raises(ValueError):
        record(actor_id=None, action="x.y", actor_partner_id="Harbour Shelter")
