"""The WebAuthn ceremonies, with Yubico's ``fido2`` doing the checks: options for the
browser, and the answers checked against the state kept in the session.

Nothing here signs anyone in or writes anything: ``accounts.services`` does that, so a
security key goes through the same throttle, audit entries and session-key change as a
code. Each ceremony's state (its challenge) lives in the session, for one use, for
``CEREMONY_SECONDS``; the views keep it there, this module only makes and checks it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from fido2 import cbor
from fido2.cose import CoseKey
from fido2.rpid import verify_rp_id
from fido2.server import Fido2Server
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    Aaguid,
    AttestedCredentialData,
    AuthenticationResponse,
    PublicKeyCredentialDescriptor,
    PublicKeyCredentialRpEntity,
    PublicKeyCredentialType,
    PublicKeyCredentialUserEntity,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from waystation.vault import blind

# How long the browser, and then the server, wait for the member to touch the key.
CEREMONY_SECONDS = 120
REGISTER = "register"
AUTHENTICATE = "authenticate"
# What the key and the browser's prompt are told about the account: nothing that names
# the person (a key that stores it would say whose it is).
USER_NAME = "staff sign-in"


class CeremonyError(ValueError):
    """The answer does not fit the challenge (wrong origin, key, signature, expired)."""


@dataclass(frozen=True)
class Credential:
    """A registered key's public half, as stored (sealed) on the device."""

    credential_id: bytes
    public_key: bytes  # CBOR of the COSE key

    def attested(self) -> AttestedCredentialData:
        return AttestedCredentialData.create(
            Aaguid.NONE,
            self.credential_id,
            CoseKey.parse(cast(Mapping[int, Any], cbor.decode(self.public_key))),
        )


def server() -> Fido2Server:
    rp = PublicKeyCredentialRpEntity(
        name=str(getattr(settings, "OTP_TOTP_ISSUER", "") or "Waystation"),
        id=settings.WAYSTATION_WEBAUTHN_RP_ID,
    )
    # No attestation asked for: which model of key someone carries is none of ours.
    return Fido2Server(rp, verify_origin=_on_this_host)


def _on_this_host(origin: str) -> bool:
    """An answer made on the staff side's own host only. fido2's own check also takes
    every subdomain of the relying party's id; a page on another host under the same
    name (a forgotten test site, a partner's wiki) must not be able to sign anyone in."""
    rp_id = settings.WAYSTATION_WEBAUTHN_RP_ID
    return verify_rp_id(rp_id, origin) and urlsplit(origin).hostname == rp_id


def user_handle(user_id: int) -> bytes:
    """The opaque id the key keeps for the account: a keyed digest, not the row id."""
    return blind.blind_digest("webauthn_user", str(user_id)).encode()


def _descriptors(credentials: Sequence[Credential]) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(type=PublicKeyCredentialType.PUBLIC_KEY, id=c.credential_id)
        for c in credentials
    ]


def _state(kind: str, user_id: int, fido_state: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "kind": kind,
        "user": user_id,
        "challenge": str(fido_state["challenge"]),
        "user_verification": str(fido_state["user_verification"]),
        "expires": time.time() + CEREMONY_SECONDS,
    }


def registration_options(
    *, user_id: int, existing: Sequence[Credential]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Options for ``navigator.credentials.create`` (JSON, bytes as base64url) and the
    state to keep. A key already registered is excluded."""
    options, state = server().register_begin(
        PublicKeyCredentialUserEntity(
            name=USER_NAME, id=user_handle(user_id), display_name=USER_NAME
        ),
        _descriptors(existing),
        resident_key_requirement=ResidentKeyRequirement.DISCOURAGED,
        user_verification=UserVerificationRequirement.DISCOURAGED,
    )
    public_key = dict(options)["publicKey"]
    public_key["timeout"] = CEREMONY_SECONDS * 1000
    return public_key, _state(REGISTER, user_id, state)


def authentication_options(
    *, user_id: int, credentials: Sequence[Credential]
) -> tuple[dict[str, Any], dict[str, Any]]:
    options, state = server().authenticate_begin(
        _descriptors(credentials), user_verification=UserVerificationRequirement.DISCOURAGED
    )
    public_key = dict(options)["publicKey"]
    public_key["timeout"] = CEREMONY_SECONDS * 1000
    return public_key, _state(AUTHENTICATE, user_id, state)


def _check_state(state: Any, kind: str, user_id: int) -> dict[str, str]:
    if (
        not isinstance(state, dict)
        or state.get("kind") != kind
        or state.get("user") != user_id
        or not isinstance(state.get("expires"), int | float)
        or state["expires"] < time.time()
    ):
        raise CeremonyError("no current challenge")
    return {"challenge": state["challenge"], "user_verification": state["user_verification"]}


def complete_registration(*, state: Any, user_id: int, response: Any) -> Credential:
    """Check a ``navigator.credentials.create`` answer; the new key's public half."""
    fido_state = _check_state(state, REGISTER, user_id)
    try:
        auth_data = server().register_complete(fido_state, response)
    except Exception as exc:  # fido2 raises ValueError, KeyError, TypeError on bad input
        raise CeremonyError("registration refused") from exc
    data = auth_data.credential_data
    if data is None:
        raise CeremonyError("no credential in the answer")
    return Credential(
        credential_id=bytes(data.credential_id), public_key=cbor.encode(data.public_key)
    )


@dataclass(frozen=True)
class Assertion:
    credential_id: bytes
    counter: int


def complete_authentication(
    *, state: Any, user_id: int, credentials: Sequence[Credential], response: Any
) -> Assertion:
    """Check a ``navigator.credentials.get`` answer against this user's keys only (a
    key of someone else's is an unknown key here). The sign count is the caller's to
    compare with the stored one."""
    fido_state = _check_state(state, AUTHENTICATE, user_id)
    try:
        parsed = AuthenticationResponse.from_dict(response)
        matched = server().authenticate_complete(
            fido_state, [c.attested() for c in credentials], parsed
        )
    except Exception as exc:  # as above
        raise CeremonyError("assertion refused") from exc
    return Assertion(
        credential_id=bytes(matched.credential_id),
        counter=int(parsed.response.authenticator_data.counter),
    )


def encode(data: bytes) -> str:
    return websafe_encode(data)


def decode(text: str) -> bytes:
    return websafe_decode(text)
