"""A security key written in the test: an EC P-256 key pair from ``cryptography``, and
the CBOR a real key and browser would send, built with fido2's own classes. It answers
``navigator.credentials.create`` ("none" attestation) and ``.get`` options as JSON, in
the shape security-key.js posts."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    Aaguid,
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

ORIGIN = "http://localhost"
RP_ID = "localhost"


@dataclass
class SoftwareKey:
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    counter: int = 0

    @property
    def cose_key(self) -> ES256:
        return ES256.from_cryptography_key(self.private_key.public_key())

    def _client_data(self, kind: str, options: dict[str, Any], origin: str) -> CollectedClientData:
        return CollectedClientData.create(
            type=kind, challenge=websafe_decode(options["challenge"]), origin=origin
        )

    def _credential(self, client_data: CollectedClientData, **response: bytes) -> dict[str, Any]:
        """The browser's JSON for a credential, its binary parts base64url-encoded."""
        encoded = {name: websafe_encode(value) for name, value in response.items()}
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {"clientDataJSON": websafe_encode(bytes(client_data)), **encoded},
        }

    def register(
        self, options: dict[str, Any], *, origin: str = ORIGIN, rp_id: str = RP_ID
    ) -> dict[str, Any]:
        client_data = self._client_data("webauthn.create", options, origin)
        attested = AttestedCredentialData.create(Aaguid.NONE, self.credential_id, self.cose_key)
        auth_data = AuthenticatorData.create(
            hashlib.sha256(rp_id.encode()).digest(),
            AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.AT,
            self.counter,
            bytes(attested),
        )
        attestation = AttestationObject.create("none", auth_data, {})
        return self._credential(client_data, attestationObject=bytes(attestation))

    def assert_(
        self,
        options: dict[str, Any],
        *,
        origin: str = ORIGIN,
        rp_id: str = RP_ID,
        counter: int | None = None,
    ) -> dict[str, Any]:
        """An assertion over the options' challenge; the counter goes up by one unless
        given."""
        self.counter = self.counter + 1 if counter is None else counter
        client_data = self._client_data("webauthn.get", options, origin)
        auth_data = AuthenticatorData.create(
            hashlib.sha256(rp_id.encode()).digest(), AuthenticatorData.FLAG.UP, self.counter
        )
        signature = self.private_key.sign(
            bytes(auth_data) + client_data.hash, ec.ECDSA(hashes.SHA256())
        )
        return self._credential(
            client_data, authenticatorData=bytes(auth_data), signature=signature
        )


def tampered(assertion: dict[str, Any]) -> dict[str, Any]:
    """The same assertion with one bit of its signature flipped."""
    signature = bytearray(websafe_decode(assertion["response"]["signature"]))
    signature[-1] ^= 1
    response = {**assertion["response"], "signature": websafe_encode(bytes(signature))}
    return {**assertion, "response": response}
