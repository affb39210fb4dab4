"""``waystation dossier …``: checking an exported dossier, and the signing key.

- ``verify FILE.pdf [--manifest FILE.json] [--certificate CERT.pem]``: OK, or each thing
  altered (the signature, a page, an exhibit's digest, the manifest). Exits 1 when
  something is. With ``--certificate`` (the organisation's, or its CA's), the signer
  must be it or be issued by it. Needs neither the database nor the vault: a
  recipient's copy of Waystation checks a file offline.
- ``signing-key show``: the certificate in use (made, self-issued, if there is none).
- ``signing-key new``: a new self-issued certificate; the one before is retired.
- ``signing-key import --key KEY.pem --chain CHAIN.pem``: a key and the chain the
  organisation's CA issued for it (docs/dossiers.md, "A certificate from your CA").
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from waystation.dossiers.services import signing
from waystation.dossiers.services.common import DossierError
from waystation.dossiers.services.verify import verify
from waystation.vault import primitives
from waystation.vault.keyservice import VaultSealed

MAX_FILE_BYTES = 512 * 1024 * 1024


def _read(path: str, what: str) -> bytes:
    file = Path(path)
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{what} is larger than {MAX_FILE_BYTES // 2**20} MB.")
        return file.read_bytes()
    except OSError as exc:
        raise CommandError(f"{what} cannot be read: {exc.strerror}.") from exc


class Command(BaseCommand):
    help = "Dossiers: verify an exported PDF; show, renew or import the signing key."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("verify", help="check an exported dossier's PDF")
        check.add_argument("pdf")
        check.add_argument("--manifest", help="the manifest JSON exported beside it")
        check.add_argument(
            "--certificate", help="PEM: the organisation's certificate (or its CA's) to trust"
        )
        key = sub.add_parser("signing-key", help="the organisation's signing key")
        key_sub = key.add_subparsers(dest="key_action", required=True)
        key_sub.add_parser("show", help="print the certificate in use (made if none)")
        key_sub.add_parser("new", help="make a new self-issued certificate")
        imported = key_sub.add_parser("import", help="use a key and its CA-issued chain")
        imported.add_argument("--key", required=True, help="the private key, PEM, unencrypted")
        imported.add_argument("--chain", required=True, help="its certificate, then the chain")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            self._verify(options["pdf"], options.get("manifest"), options.get("certificate"))
            return
        try:
            self._signing_key(options)
        except VaultSealed as exc:
            raise CommandError("The vault is sealed: unseal it first.") from exc
        except DossierError as exc:
            raise CommandError(str(exc)) from exc

    def _verify(self, pdf_path: str, manifest_path: str | None, cert_path: str | None) -> None:
        pdf = _read(pdf_path, "The PDF")
        manifest = _read(manifest_path, "The manifest") if manifest_path else None
        trusted: list[bytes] = []
        if cert_path:
            try:
                trusted = primitives.certificate_ders(_read(cert_path, "The certificate"))
            except primitives.SigningKeyRefused as exc:
                raise CommandError("The certificate is not a PEM certificate.") from exc
        report = verify(pdf, manifest, trusted=trusted)
        if report.ok:
            self.stdout.write(
                f"OK: the signature by {report.signer} covers the whole file; "
                f"{report.pages} pages and {report.exhibits} exhibits match the manifest."
            )
            if not report.trusted:
                self.stdout.write(
                    "Note: the signer was not checked against a certificate you trust; "
                    "pass --certificate with the organisation's certificate."
                )
            return
        for problem in report.problems:
            self.stdout.write(f"ALTERED: {problem}")
        raise CommandError(f"{len(report.problems)} finding(s): the dossier is not as signed.")

    def _signing_key(self, options: dict[str, Any]) -> None:
        action = options["key_action"]
        if action == "new":
            row = signing.make_self_issued_key(actor_id=None)
        elif action == "import":
            row = signing.import_key(
                actor_id=None,
                key_pem=_read(options["key"], "The key"),
                chain_pem=_read(options["chain"], "The chain"),
            )
        else:
            row = signing.current_key(actor_id=None)
        self.stdout.write(f"SHA-256 {row.fingerprint}")
        self.stdout.write(row.certificate)
