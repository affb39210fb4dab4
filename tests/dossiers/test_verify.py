"""`waystation dossier verify`: OK for the file as exported; for one changed byte of
the signed PDF, or one exhibit swapped after signing, it fails and names what changed."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader, PdfWriter

from tests.dossiers.test_export import exported
from waystation.dossiers.models import SigningKey
from waystation.dossiers.services import exports, signing

pytestmark = pytest.mark.django_db


def run_verify(
    pdf: bytes, tmp_path: Path, manifest: dict | None = None, certificate: str = ""
) -> tuple[bool, str]:
    (tmp_path / "dossier.pdf").write_bytes(pdf)
    args = ["dossier", "verify", str(tmp_path / "dossier.pdf")]
    if certificate:
        (tmp_path / "cert.pem").write_text(certificate)
        args += ["--certificate", str(tmp_path / "cert.pem")]
    if manifest is not None:
        (tmp_path / "manifest.json").write_text(json.dumps(manifest))
        args += ["--manifest", str(tmp_path / "manifest.json")]
    out = io.StringIO()
    try:
        call_command(*args, stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


def one_digit_changed_on_page(pdf: bytes, page_index: int) -> bytes:
    """The PDF with one digit of one page's content stream changed (it still parses)."""
    reader = PdfReader(io.BytesIO(pdf))
    contents = reader.pages[page_index].raw_get("/Contents")
    if isinstance(contents.get_object(), list):  # an array of streams, perhaps by reference
        contents = contents.get_object()
    first = (contents if isinstance(contents, list) else [contents])[0]
    object_at = reader.xref[0][first.idnum]  # where the xref table says the object is
    stream_at = pdf.index(b"stream\n", object_at) + len(b"stream\n")
    digit = re.compile(rb"[0-9]").search(pdf, stream_at)
    assert digit is not None
    at = digit.start()
    changed = bytearray(pdf)
    changed[at] = ord("1") if pdf[at] != ord("1") else ord("2")
    return bytes(changed)


def test_the_exported_file_verifies(staff, built, tmp_path):
    pdf, manifest = exported(staff, built)

    ok, output = run_verify(pdf, tmp_path, manifest)

    assert ok, output
    assert output.startswith("OK:") and "11 pages and 2 exhibits" in output
    assert "not checked against a certificate you trust" in output


def test_with_the_organisations_certificate_the_signer_is_trusted(staff, built, tmp_path):
    pdf, manifest = exported(staff, built)
    ours = SigningKey.objects.get(retired_at__isnull=True).certificate

    ok, output = run_verify(pdf, tmp_path, manifest, certificate=ours)

    assert ok and "not checked" not in output, output


def test_a_dossier_signed_by_another_key_is_refused_with_the_certificate(staff, built, tmp_path):
    exported(staff, built)
    ours = SigningKey.objects.get(retired_at__isnull=True).certificate
    # A forger builds the same dossier and signs it with a key of their own, its
    # manifest consistent with it: only the certificate the recipient trusts tells.
    signing.make_self_issued_key(actor_id=None)
    forged, forged_manifest = exports.build_signed(built.dossier, actor_id=None)
    assert run_verify(forged, tmp_path, forged_manifest)[0]

    ok, output = run_verify(forged, tmp_path, forged_manifest, certificate=ours)

    assert not ok
    assert "ALTERED: signature: the signer is not the certificate given to trust" in output


def test_one_byte_changed_on_a_page_is_named(staff, built, tmp_path):
    pdf, manifest = exported(staff, built)

    ok, output = run_verify(one_digit_changed_on_page(pdf, 3), tmp_path, manifest)

    assert not ok
    assert "ALTERED: signature: the signed bytes were altered after signing" in output
    assert "ALTERED: page 4: it is not the page that was signed" in output
    assert "page 3:" not in output and "page 5:" not in output and "exhibit" not in output


def test_one_byte_changed_anywhere_fails_the_signature(staff, built, tmp_path):
    pdf, _manifest = exported(staff, built)
    changed = bytearray(pdf)
    at = len(pdf) // 3  # in the signed range: wherever it is, the digest changes
    changed[at] ^= 0x01

    ok, output = run_verify(bytes(changed), tmp_path)

    assert not ok
    assert "ALTERED: " in output


def test_an_exhibit_swapped_after_signing_is_named(staff, built, tmp_path):
    pdf, manifest = exported(staff, built)
    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    name = manifest["exhibits"][1]["attachment"]
    (swapped,) = [f for f in writer.attachment_list if f.name == name]
    swapped.content = b"%PDF-1.4 a different certificate"
    out = io.BytesIO()
    writer.write(out)

    ok, output = run_verify(out.getvalue(), tmp_path, manifest)

    assert not ok
    assert "ALTERED: signature: content was added to the file after signing" in output
    assert "ALTERED: exhibit 2: its file's SHA-256 is not the one in the manifest" in output
    assert "exhibit 1:" not in output


def test_a_manifest_changed_beside_the_pdf_is_named(staff, built, tmp_path):
    pdf, manifest = exported(staff, built)
    manifest["exhibits"][0]["stored"]["sha256"] = "0" * 64

    ok, output = run_verify(pdf, tmp_path, manifest)

    assert not ok
    assert "ALTERED: manifest: the JSON file is not the one signed in the PDF" in output
    assert "ALTERED: exhibit 1: its file's SHA-256 is not the one in the manifest" in output


@pytest.mark.parametrize(
    "data", [b"", b"not a pdf at all", b"%PDF-1.7\n%%EOF", b"%PDF-1.4\n" + b"\x00" * 4096]
)
def test_a_file_that_is_no_dossier_is_a_finding_not_a_traceback(data, tmp_path):
    ok, output = run_verify(data, tmp_path)

    assert not ok
    assert output.startswith("ALTERED: ")
