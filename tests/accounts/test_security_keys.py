"""Security keys (WebAuthn / FIDO2) as a second factor, with a software key written in
the test (tests/accounts/authenticator.py): adding one after re-authentication, signing
in with it through the same throttle, audit entries and session-key change as a code,
and everything that must be refused. The JSON steps are the ones security-key.js takes;
the real browser with Chromium's virtual authenticator is tests/web/test_browser_security_key.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from fido2 import cbor

from tests.accounts.authenticator import RP_ID, SoftwareKey, tampered
from tests.accounts.conftest import (
    actions,
    entries,
    is_fully_signed_in,
    is_signed_out,
    sign_in_with_password,
)
from tests.factories import make_staff, signed_in_client, totp_device, totp_now
from tests.vault.plaintext import database_bytes, find_forms
from waystation.accounts import services
from waystation.accounts.models import LoginThrottle, SecurityKeyDevice, StaffUser
from waystation.accounts.roles import Role

LABEL = "Kestrel blue key"


def _post_json(client: Client, url: str, body: dict | None = None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def add_key(client: Client, key: SoftwareKey, label: str = LABEL, **answer):
    options = _post_json(client, reverse("accounts:security_key_add_options")).json()
    credential = key.register(options["publicKey"], **answer)
    return _post_json(
        client, reverse("accounts:security_key_add"), {"label": label, "credential": credential}
    )


def enrolled(user: StaffUser, key: SoftwareKey | None = None) -> SoftwareKey:
    key = key or SoftwareKey()
    response = add_key(signed_in_client(user, reauthenticated=True), key)
    assert response.status_code == 200, response.content
    return key


def key_options(client: Client) -> dict:
    response = _post_json(client, reverse("accounts:verify_key_options"))
    assert response.status_code == 200, response.content
    return response.json()["publicKey"]


def answer(client: Client, assertion: dict):
    return _post_json(client, reverse("accounts:verify_key"), {"credential": assertion})


def password_step(user: StaffUser) -> Client:
    client = Client()
    sign_in_with_password(client, user.username)
    return client


@pytest.fixture
def member(db) -> StaffUser:
    return make_staff(Role.CASEWORKER)


# --- adding a key ---------------------------------------------------------------------


def test_adding_a_key_needs_reauthentication(member):
    client = signed_in_client(member)

    for name in ("accounts:security_key_add", "accounts:security_key_add_options"):
        response = client.post(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:reauthenticate"))
    assert not SecurityKeyDevice.objects.exists()


def test_a_member_adds_a_key_and_sees_it_by_its_name(member):
    client = signed_in_client(member, reauthenticated=True)

    response = add_key(client, SoftwareKey())

    assert response.json() == {"redirect": reverse("accounts:security")}
    device = SecurityKeyDevice.objects.get(user=member)
    assert device.label == LABEL and device.sign_count == 0
    assert device.name == services.SECURITY_KEY_DEVICE_NAME
    assert [e.object_id for e in entries("accounts.security_key_added")] == [str(member.pk)]
    assert LABEL in client.get(reverse("accounts:security")).content.decode()


def test_the_add_page_says_a_key_needs_javascript_and_loads_only_our_script(member):
    page = signed_in_client(member, reauthenticated=True).get(reverse("accounts:security_key_add"))

    html = page.content.decode()
    assert "needs JavaScript" in html
    assert '<script src="/static/waystation/security-key.js" defer></script>' in html
    assert html.count("<script") == 1
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    other_page = signed_in_client(member).get(reverse("accounts:security"))
    assert "connect-src" not in other_page["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("label", "message"),
    [("   ", "Give the key a name"), ("x" * 65, "at most 64 characters")],
)
def test_a_key_without_a_proper_name_is_refused(member, label, message):
    response = add_key(signed_in_client(member, reauthenticated=True), SoftwareKey(), label=label)

    assert response.status_code == 400 and message in response.json()["error"]
    assert not SecurityKeyDevice.objects.exists()


@pytest.mark.parametrize(
    "answer_from",
    [
        {"origin": "https://evil.example"},
        {"rp_id": "evil.example"},
        # A subdomain of the staff side's host is another site.
        {"origin": f"https://wiki.{RP_ID}"},
        {"origin": f"http://sub.{RP_ID}:8000"},
    ],
)
def test_a_key_registered_for_another_site_is_refused(member, answer_from):
    response = add_key(signed_in_client(member, reauthenticated=True), SoftwareKey(), **answer_from)

    assert response.status_code == 400
    assert not SecurityKeyDevice.objects.exists()


def test_a_registration_answer_is_accepted_once(member):
    client = signed_in_client(member, reauthenticated=True)
    options = _post_json(client, reverse("accounts:security_key_add_options")).json()
    body = {"label": LABEL, "credential": SoftwareKey().register(options["publicKey"])}

    first = _post_json(client, reverse("accounts:security_key_add"), body)
    again = _post_json(client, reverse("accounts:security_key_add"), body)

    assert first.status_code == 200 and again.status_code == 400
    assert SecurityKeyDevice.objects.filter(user=member).count() == 1


def test_the_same_key_is_not_added_twice(member):
    key = enrolled(member)

    response = add_key(signed_in_client(member, reauthenticated=True), key)

    assert response.status_code == 400 and "already" in response.json()["error"]
    assert SecurityKeyDevice.objects.filter(user=member).count() == 1


# --- signing in with it -----------------------------------------------------------------


def test_the_code_page_offers_the_key_only_to_members_with_one(member):
    client = password_step(member)
    assert "security-key.js" not in client.get(reverse("accounts:verify")).content.decode()

    key_holder = make_staff(Role.CASEWORKER)
    enrolled(key_holder)
    page = password_step(key_holder).get(reverse("accounts:verify")).content.decode()
    assert "security-key.js" in page
    assert "needs JavaScript" in page and 'name="code"' in page


def test_signing_in_with_a_key(member):
    key = enrolled(member)
    client = password_step(member)
    before = client.session.session_key

    response = answer(client, key.assert_(key_options(client)))

    assert response.json() == {"redirect": reverse("home")}
    assert client.session.session_key != before
    assert is_fully_signed_in(client)
    assert actions()[-1] == "accounts.login_succeeded"
    device = SecurityKeyDevice.objects.get(user=member)
    assert device.sign_count == 1 and device.last_used_at is not None


def test_the_key_step_keeps_next_on_this_site(member):
    key = enrolled(member)
    client = password_step(member)
    options = key_options(client)

    response = client.post(
        reverse("accounts:verify_key") + "?next=https://evil.example/",
        json.dumps({"credential": key.assert_(options)}),
        content_type="application/json",
    )

    assert response.json() == {"redirect": reverse("home")}


def test_a_wrong_signature_is_refused_counted_and_audited(member):
    key = enrolled(member)
    client = password_step(member)

    response = answer(client, tampered(key.assert_(key_options(client))))

    assert response.status_code == 400 and "not accepted" in response.json()["error"]
    assert not is_fully_signed_in(client)
    assert [e.actor_id for e in entries("accounts.security_key_failed")] == [member.pk]
    assert LoginThrottle.objects.get().failures == 1


def test_a_form_post_to_the_key_steps_is_refused_plainly(member):
    """A form post (not the page's JSON) once reached the raw body after the CSRF check
    had read it as a form: a 500. It is a refused answer like any other."""
    enrolled(member)
    client = password_step(member)
    key_options(client)

    response = client.post(reverse("accounts:verify_key"), {"credential": "x"})

    assert response.status_code == 400 and "not accepted" in response.json()["error"]
    assert not is_fully_signed_in(client)
    adder = signed_in_client(member, reauthenticated=True)
    refused = adder.post(reverse("accounts:security_key_add"), {"label": LABEL})
    assert refused.status_code == 400
    assert SecurityKeyDevice.objects.filter(user=member).count() == 1


def test_a_challenge_is_answered_once(member):
    key = enrolled(member)
    client = password_step(member)
    assertion = key.assert_(key_options(client))
    assert answer(client, assertion).status_code == 200

    thief = password_step(member)
    key_options(thief)  # a fresh challenge of its own: the old answer does not fit it
    assert answer(thief, assertion).status_code == 400
    assert answer(thief, assertion).status_code == 400  # and no challenge at all
    assert not is_fully_signed_in(thief)


def test_an_expired_challenge_is_refused(member):
    key = enrolled(member)
    client = password_step(member)
    options = key_options(client)
    session = client.session
    session["waystation_webauthn_sign_in"]["expires"] = 0
    session.save()

    assert answer(client, key.assert_(options)).status_code == 400
    assert not is_fully_signed_in(client)


@pytest.mark.parametrize(
    "answer_from",
    [
        {"origin": "https://evil.example"},
        {"rp_id": "evil.example"},
        {"origin": f"https://wiki.{RP_ID}"},
    ],
)
def test_an_answer_for_another_site_is_refused(member, answer_from):
    key = enrolled(member)
    client = password_step(member)

    response = answer(client, key.assert_(key_options(client), **answer_from))

    assert response.status_code == 400
    assert not is_fully_signed_in(client)


def test_a_counter_going_backwards_is_refused_as_a_copied_key(member):
    key = enrolled(member)
    client = password_step(member)
    assert answer(client, key.assert_(key_options(client), counter=7)).status_code == 200

    copy = password_step(member)
    response = answer(copy, key.assert_(key_options(copy), counter=5))

    assert response.status_code == 400 and "counter went backwards" in response.json()["error"]
    assert not is_fully_signed_in(copy)
    assert [e.actor_id for e in entries("accounts.security_key_counter_went_back")] == [member.pk]
    assert SecurityKeyDevice.objects.get(user=member).sign_count == 7


def test_a_key_that_keeps_no_counter_is_accepted(member):
    key = enrolled(member)
    for _ in range(2):
        client = password_step(member)
        assert answer(client, key.assert_(key_options(client), counter=0)).status_code == 200


def test_failures_with_a_key_lock_the_account_like_wrong_codes(member, settings):
    key = enrolled(member)
    client = password_step(member)
    for _ in range(settings.WAYSTATION_LOGIN_MAX_FAILURES - 1):
        assert answer(client, tampered(key.assert_(key_options(client)))).status_code == 400

    response = answer(client, tampered(key.assert_(key_options(client))))

    assert response.status_code == 403
    assert response.json() == {"redirect": reverse("accounts:login")}
    assert is_signed_out(client)
    assert "accounts.second_factor_locked" in actions()
    # Locked: even the right answer is refused now, and a new password step too.
    with pytest.raises(services.AccountLocked):
        services.begin_security_key_sign_in(user=member)
    with pytest.raises(services.AccountLocked):
        services.authenticate_staff(username=member.username, password="whatever-it-is")


def test_a_member_cannot_answer_with_another_members_key(member):
    other = make_staff(Role.CASEWORKER)
    others_key = enrolled(other)
    enrolled(member)
    client = password_step(member)

    response = answer(client, others_key.assert_(key_options(client)))

    assert response.status_code == 400
    assert not is_fully_signed_in(client)
    assert SecurityKeyDevice.objects.get(user=other).sign_count == 0


def test_the_challenge_names_only_the_members_own_keys(member):
    other = make_staff(Role.CASEWORKER)
    others_key = enrolled(other)
    own = enrolled(member)

    allowed = [c["id"] for c in key_options(password_step(member))["allowCredentials"]]

    assert allowed == [own.register({"challenge": "AA"})["id"]]
    assert others_key.register({"challenge": "AA"})["id"] not in allowed


def test_the_key_step_needs_the_password_step_first(member):
    enrolled(member)

    response = _post_json(Client(), reverse("accounts:verify_key_options"))

    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


# --- removing it --------------------------------------------------------------------------


def test_a_removed_key_no_longer_works_and_its_data_key_is_destroyed(member):
    key = enrolled(member)
    device = SecurityKeyDevice.objects.get(user=member)
    data_key = device.data_key
    signing_in = password_step(member)
    options = key_options(signing_in)  # a sign-in under way while the key is removed
    client = signed_in_client(member, reauthenticated=True)
    url = reverse("accounts:security_key_remove", args=[device.pk])
    assert LABEL in client.get(url).content.decode()

    response = client.post(url)

    assert response.url == reverse("accounts:security")
    assert not SecurityKeyDevice.objects.exists()
    data_key.refresh_from_db()
    assert data_key.is_shredded
    assert [e.object_id for e in entries("accounts.security_key_removed")] == [str(member.pk)]
    with pytest.raises(services.AccountError):
        services.begin_security_key_sign_in(user=member)
    assert answer(signing_in, key.assert_(options)).status_code == 400
    assert not is_fully_signed_in(signing_in)


def test_removing_a_key_needs_reauthentication_and_ones_own_key(member):
    enrolled(member)
    device = SecurityKeyDevice.objects.get(user=member)
    url = reverse("accounts:security_key_remove", args=[device.pk])

    assert signed_in_client(member).post(url).url.startswith(reverse("accounts:reauthenticate"))
    other = make_staff(Role.CASEWORKER)
    assert signed_in_client(other, reauthenticated=True).post(url).status_code == 404
    assert SecurityKeyDevice.objects.filter(pk=device.pk).exists()


def test_the_last_second_factor_cannot_be_removed(member):
    enrolled(member)
    device = SecurityKeyDevice.objects.get(user=member)
    totp_device(member).delete()  # the app gone (only a reset does that; the rule holds anyway)

    with pytest.raises(services.AccountError, match="only second factor"):
        services.remove_security_key(user=member, device_id=device.pk)
    assert SecurityKeyDevice.objects.filter(pk=device.pk).exists()


def test_a_two_factor_reset_removes_security_keys_and_destroys_their_keys(member):
    admin = make_staff(Role.ADMINISTRATOR)
    enrolled(member)
    data_key = SecurityKeyDevice.objects.get(user=member).data_key

    services.reset_two_factor(actor_id=admin.pk, user=member)

    assert not SecurityKeyDevice.objects.filter(user=member).exists()
    data_key.refresh_from_db()
    assert data_key.is_shredded


def test_a_replayed_shred_forgets_the_key(member):
    enrolled(member)
    device = SecurityKeyDevice.objects.get(user=member)

    services.forget_devices_sealed_under(device.data_key_id)

    assert not SecurityKeyDevice.objects.filter(pk=device.pk).exists()


def test_a_code_still_signs_in_a_member_with_a_key(member):
    enrolled(member)
    client = password_step(member)

    client.post(reverse("accounts:verify"), {"code": totp_now(member)})

    assert is_fully_signed_in(client)


# --- at rest ------------------------------------------------------------------------------


def test_database_dump_holds_no_key_name_credential_id_or_public_key(transactional_db):
    member = make_staff(Role.CASEWORKER, "keyholder")
    key = SoftwareKey()
    options, state = services.begin_security_key_registration(user=member)
    services.add_security_key(user=member, state=state, response=key.register(options), label=LABEL)
    device = SecurityKeyDevice.objects.get(user=member)
    public_key = cbor.encode(key.cose_key)

    haystack = database_bytes()

    assert find_forms(haystack, [services.SECURITY_KEY_DEVICE_NAME]), "not vacuous"
    assert device.label == LABEL
    leaks = find_forms(haystack, [LABEL, device.credential_id, device.public_key])
    for name, raw in {"credential id": key.credential_id, "public key": public_key}.items():
        if raw in haystack or raw.hex().encode() in haystack:
            leaks.append(name)
    assert leaks == [], f"a security key is readable in the stored bytes: {leaks}"


def test_signing_in_with_a_key_logs_no_credential_id(member, caplog):
    """fido2's server logs each credential id at INFO; the staff process turns it off."""
    key = enrolled(member)
    client = password_step(member)
    with caplog.at_level("INFO"):
        answer(client, key.assert_(key_options(client)))

    assert is_fully_signed_in(client)
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert key.credential_id.hex() not in logged


# --- the script's words -------------------------------------------------------------------

SCRIPT = Path(__file__).resolve().parents[2] / "src/waystation/static/waystation/security-key.js"


def _script_texts(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-text-([a-z-]+)="([^"]*)"', html))


def test_the_scripts_words_come_from_the_page_in_the_members_language(member):
    """security-key.js says nothing of its own (no inline script: the CSP forbids it);
    what it shows comes from the page's data-text-* attributes, translated there."""
    member.language = "ru"
    member.save(update_fields=["language"])
    add = signed_in_client(member, reauthenticated=True).get(reverse("accounts:security_key_add"))
    texts = _script_texts(add.content.decode())
    assert set(texts) == {"unsupported", "no-answer", "refused", "no-label"}
    cyrillic = re.compile("[\u0430-\u044f]")  # Russian, and no Latin letter left
    assert all(cyrillic.search(t) and not re.search("[A-Za-z]", t) for t in texts.values())

    key_holder = make_staff(Role.CASEWORKER)
    enrolled(key_holder)
    key_holder.language = "ru"
    key_holder.save(update_fields=["language"])
    verify = password_step(key_holder).get(reverse("accounts:verify")).content.decode()
    assert set(_script_texts(verify)) == {"unsupported", "no-answer", "refused"}

    code = "\n".join(
        line for line in SCRIPT.read_text().splitlines() if not line.strip().startswith("//")
    )
    assert re.findall(r'"[A-Z][a-z]* [^"]*"', code) == []  # no sentence in the script
    assert {"textUnsupported", "textNoAnswer", "textRefused", "textNoLabel"} <= set(
        re.findall(r"texts\.(\w+)", code)
    )
