"""The organisation's signing key: the PAdES signature on every exported dossier.

The private key is sealed under a data key of its own (like the intake private key), so
it opens only while the vault is unsealed. Made on first use with a self-issued
certificate (``cryptography``), or imported with the chain the organisation's CA gave
(``waystation dossier signing-key import``; docs/dossiers.md says how).
"""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from waystation.dossiers.models import SigningKey
from waystation.dossiers.services.common import DossierError, record
from waystation.vault import datakeys

FIELD_NAME = "WaystationDossier"
SELF_ISSUED_YEARS = 5


def certificates_of(pem: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem.encode())


def fingerprint_of(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def _self_issued(private_key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    organisation = settings.WAYSTATION_INSTALLATION_NAME[:64] or "Waystation"
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} dossiers"[:64]),
        ]
    )
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * SELF_ISSUED_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(private_key, hashes.SHA256())
    )


def _store(private_pem: str, chain: list[x509.Certificate], *, self_issued: bool) -> SigningKey:
    SigningKey.objects.filter(retired_at__isnull=True).update(retired_at=datetime.now(UTC))
    row = SigningKey(
        data_key_id=datakeys.create_data_key().id,
        certificate="".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in chain),
        fingerprint=fingerprint_of(chain[0]),
        self_issued=self_issued,
    )
    row.private_key = private_pem
    row.save(force_insert=True)
    return row


@transaction.atomic
def make_self_issued_key(*, actor_id: int | None) -> SigningKey:
    """A new key pair and self-issued certificate; the one before is retired."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    row = _store(pem, [_self_issued(private_key)], self_issued=True)
    record(actor_id, "dossiers.signing_key_made", "signing_key", row.id)
    return row


@transaction.atomic
def import_key(*, actor_id: int | None, key_pem: bytes, chain_pem: bytes) -> SigningKey:
    """A key and the certificate chain the organisation's CA issued for it (the signer's
    certificate first). Refused unless the certificate is that key's."""
    try:
        private_key = serialization.load_pem_private_key(key_pem, password=None)
        chain = x509.load_pem_x509_certificates(chain_pem)
    except (ValueError, TypeError) as exc:
        raise DossierError(
            _("The key or the certificates could not be read (PEM, key not encrypted).")
        ) from exc
    if not isinstance(private_key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        raise DossierError(_("The key is neither an EC nor an RSA key."))
    public = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if (
        chain[0]
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        != public
    ):
        raise DossierError(_("The first certificate is not that of this key."))
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
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
    chain = certificates_of(certificate_pem)
    private = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    der_key = private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    ders = [c.public_bytes(serialization.Encoding.DER) for c in chain]
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
