"""Checking an exported dossier: `waystation dossier verify FILE.pdf [--manifest FILE.json]`.

It says OK, or each thing that was altered:

- the signature: the signed bytes changed, the signature does not verify, something was
  added after signing (an incremental update), or the signer is not the certificate the
  manifest names;
- a page: its digest (``document.page_digest``) is not the manifest's;
- an exhibit: its attached file is missing, or its SHA-256 is not the manifest's;
- the manifest: the JSON beside the PDF is not the one signed inside it.

It reads the file as untrusted input: a file that does not parse is a finding, never a
traceback: the two PDF libraries raise more kinds of error on a damaged file than they
document, so every ``except Exception`` here turns one into a finding. It needs no
database and no key (only the PDF and, if given, the JSON).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from waystation.dossiers.services.document import FORMAT, MANIFEST_NAME, page_digest


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    signer: str = ""
    pages: int = 0
    exhibits: int = 0
    trusted: bool = False  # the signer was checked against a certificate given to trust

    @property
    def ok(self) -> bool:
        return not self.problems


def _attachments(pdf: bytes) -> tuple[PdfReader | None, dict[str, bytes], str]:
    try:
        reader = PdfReader(io.BytesIO(pdf))
        found = {name: datas[-1] for name, datas in reader.attachments.items() if datas}
    except Exception as exc:
        return None, {}, f"the file is not a readable PDF ({type(exc).__name__})"
    return reader, found, ""


def _check_signature(
    pdf: bytes, manifest: dict[str, Any] | None, report: Report, trusted: list[bytes]
) -> None:
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:
        report.problems.append(f"signature: the file cannot be read ({type(exc).__name__})")
        return
    if not signatures:
        report.problems.append("signature: the PDF is not signed")
        return
    if len(signatures) > 1:
        report.problems.append("signature: the PDF holds more than one signature")
    embedded = signatures[0]
    try:
        signer = embedded.signer_cert
        report.signer = signer.subject.human_friendly
        # Without a certificate to trust, the signer is taken as its own root: that says
        # the file is as its signer made it, not who the signer is (docs/dossiers.md).
        roots = [asn1_x509.Certificate.load(d) for d in trusted] or [
            asn1_x509.Certificate.load(signer.dump())
        ]
        status = validate_pdf_signature(embedded, ValidationContext(trust_roots=roots))
    except Exception as exc:
        report.problems.append(f"signature: it cannot be checked ({type(exc).__name__})")
        return
    if not status.intact:
        report.problems.append("signature: the signed bytes were altered after signing")
    elif not status.valid:
        report.problems.append("signature: it does not verify against the signer's key")
    if trusted:
        if status.intact and status.valid and not status.trusted:
            report.problems.append(
                "signature: the signer is not the certificate given to trust, nor issued by it"
            )
        report.trusted = bool(status.trusted)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        report.problems.append(
            "signature: content was added to the file after signing (it covers only an "
            "earlier revision)"
        )
    if manifest is not None:
        fingerprint = hashlib.sha256(signer.dump()).hexdigest()
        if fingerprint != manifest.get("signing_certificate_sha256"):
            report.problems.append(
                "signature: the signer's certificate is not the one the manifest names"
            )


def _load_manifest(data: bytes, where: str, report: Report) -> dict[str, Any] | None:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        report.problems.append(f"manifest: {where} is not valid JSON")
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        report.problems.append(f"manifest: {where} is not a dossier manifest")
        return None
    return manifest


def _check_pages(reader: PdfReader, manifest: dict[str, Any], report: Report) -> None:
    listed = manifest.get("pages")
    if not isinstance(listed, list):
        report.problems.append("manifest: it lists no pages")
        return
    try:
        digests = [page_digest(page) for page in reader.pages]
    except Exception as exc:
        report.problems.append(f"pages: they cannot be read ({type(exc).__name__})")
        return
    report.pages = len(digests)
    if len(digests) != len(listed):
        report.problems.append(
            f"pages: the file has {len(digests)}, the manifest lists {len(listed)}"
        )
    for number, (digest, entry) in enumerate(zip(digests, listed, strict=False), start=1):
        if not isinstance(entry, dict) or entry.get("sha256") != digest:
            report.problems.append(f"page {number}: it is not the page that was signed")


def _check_exhibits(files: dict[str, bytes], manifest: dict[str, Any], report: Report) -> None:
    exhibits = manifest.get("exhibits")
    if not isinstance(exhibits, list):
        report.problems.append("manifest: it lists no exhibits")
        return
    report.exhibits = len(exhibits)
    for entry in exhibits:
        if not isinstance(entry, dict):
            report.problems.append("manifest: an exhibit entry is not an object")
            continue
        number = entry.get("number")
        name = entry.get("attachment")
        stored = entry.get("stored")
        stored = stored if isinstance(stored, dict) else {}
        data = files.get(name) if isinstance(name, str) else None
        if data is None:
            report.problems.append(f"exhibit {number}: its file is missing from the PDF")
        elif hashlib.sha256(data).hexdigest() != stored.get("sha256"):
            report.problems.append(
                f"exhibit {number}: its file's SHA-256 is not the one in the manifest"
            )


def verify(
    pdf: bytes, manifest_json: bytes | None = None, *, trusted: list[bytes] | None = None
) -> Report:
    """``trusted``: DER certificates (the organisation's, or its CA's) the signer must be
    or chain to; without them the signature is checked against its own certificate."""
    report = Report()
    reader, files, unreadable = _attachments(pdf)
    embedded: dict[str, Any] | None = None
    if unreadable:
        report.problems.append(unreadable)
    elif MANIFEST_NAME not in files:
        report.problems.append("manifest: the PDF holds no manifest.json")
    else:
        embedded = _load_manifest(files[MANIFEST_NAME], "the one in the PDF", report)
    beside = _load_manifest(manifest_json, "the JSON file", report) if manifest_json else None
    if beside is not None and embedded is not None and beside != embedded:
        report.problems.append("manifest: the JSON file is not the one signed in the PDF")
    reference = beside if beside is not None else embedded
    _check_signature(pdf, reference, report, trusted or [])
    if reader is not None and reference is not None:
        _check_pages(reader, reference, report)
        _check_exhibits(files, reference, report)
    return report
