"""The organisation's signing key: the PAdES signature on every exported dossier.

The private key is sealed under a data key of its own (like the intake private key), so
it opens only while the vault is unsealed. Made on first use with a self-issued
certificate (``cryptography``), or imported with the chain the organisation's CA gave
(``waystation dossier signing-key import``; docs/dossiers.md says how).
"""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from waystation.dossiers.models import SigningKey
from waystation.dossiers.services.common import DossierError, record
from waystation.vault import datakeys, primitives

FIELD_NAME = "WaystationDossier"
SELF_ISSUED_YEARS = 5


def fingerprint_of(certificate_der: bytes) -> str:
    return hashlib.sha256(certificate_der).hexdigest()


def self_issued_certificate(private_key_pem: str) -> str:
    """A certificate for the organisation's key, issued by itself (PEM)."""
    organisation = settings.WAYSTATION_INSTALLATION_NAME[:64] or "Waystation"
    return primitives.self_issued_certificate(
        private_key_pem,
        organisation=organisation,
        common_name=f"{organisation} dossiers"[:64],
        days=365 * SELF_ISSUED_YEARS,
    )


def _store(private_pem: str, chain: list[bytes], *, self_issued: bool) -> SigningKey:
    SigningKey.objects.filter(retired_at__isnull=True).update(retired_at=datetime.now(UTC))
    row = SigningKey(
        data_key_id=datakeys.create_data_key().id,
        certificate=primitives.certificates_pem(chain),
        fingerprint=fingerprint_of(chain[0]),
        self_issued=self_issued,
    )
    row.private_key = private_pem
    row.save(force_insert=True)
    return row


@transaction.atomic
def make_self_issued_key(*, actor_id: int | None) -> SigningKey:
    """A new key pair and self-issued certificate; the one before is retired."""
    pem = primitives.new_signing_key()
    chain = primitives.certificate_ders(self_issued_certificate(pem))
    row = _store(pem, chain, self_issued=True)
    record(actor_id, "dossiers.signing_key_made", "signing_key", row.id)
    return row


@transaction.atomic
def import_key(*, actor_id: int | None, key_pem: bytes, chain_pem: bytes) -> SigningKey:
    """A key and the certificate chain the organisation's CA issued for it (the signer's
    certificate first). Refused unless the certificate is that key's."""
    try:
        pem, chain = primitives.read_signing_key(key_pem, chain_pem)
    except primitives.SigningKeyRefused as exc:
        reason = str(exc)
        if "first certificate" in reason:
            raise DossierError(_("The first certificate is not that of this key.")) from exc
        if "neither" in reason:
            raise DossierError(_("The key is neither an EC nor an RSA key.")) from exc
        raise DossierError(
            _("The key or the certificates could not be read (PEM, key not encrypted).")
        ) from exc
    row = _store(pem, chain, self_issued=False)
    record(actor_id, "dossiers.signing_key_imported", "signing_key", row.id)
    return row


def current_key(*, actor_id: int | None) -> SigningKey:
    """The key in use; a self-issued one is made on first use."""
    row = SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at").first()
    return row or make_self_issued_key(actor_id=actor_id)


def sign(pdf: bytes, *, private_key_pem: str, certificate_pem: str) -> bytes:
    """``pdf`` with a PAdES baseline signature over the whole file, in memory, by the
    key ``private_key_pem`` whose certificate (then chain) is ``certificate_pem``."""
    ders = primitives.certificate_ders(certificate_pem)
    der_key = primitives.private_key_der(private_key_pem)
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(ders[0]),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [asn1_x509.Certificate.load(d) for d in ders[1:]]
        ),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason="Evidence dossier exported by Waystation",
    )
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer)
    return bytes(out.getvalue())
