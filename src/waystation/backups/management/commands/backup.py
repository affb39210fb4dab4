"""``waystation backup create|verify|restore`` (docs/operations.md#backups)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from waystation.backups import services
from waystation.backups.archive import BackupError
from waystation.vault.ledger import LedgerError


class Command(BaseCommand):
    help = "Write an encrypted backup (create), check one (verify), or restore one (restore)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="write OUT, encrypted to the backup recipients")
        create.add_argument("out", type=Path)
        create.add_argument("--quiet", action="store_true", help="no progress on stderr")
        verify = sub.add_parser("verify", help="check that IN is whole and say what it holds")
        verify.add_argument("path", type=Path)
        verify.add_argument(
            "--identity", type=Path, help="an age identity file: also decrypt and check every part"
        )
        restore = sub.add_parser("restore", help="restore IN into this empty installation")
        restore.add_argument("path", type=Path)
        restore.add_argument("--identity", type=Path, required=True)
        restore.add_argument(
            "--ledger",
            type=Path,
            help="the shred ledger to re-apply (default: WAYSTATION_SHRED_LEDGER)",
        )
        restore.add_argument(
            "--no-ledger",
            action="store_true",
            help="restore without re-applying shreds (only when no ledger survives)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except (BackupError, LedgerError) as exc:
            raise CommandError(str(exc)) from exc

    def _progress(self, message: str) -> None:
        self.stderr.write(message)

    def _create(self, options: dict[str, Any]) -> None:
        created = services.create_backup(
            options["out"], progress=None if options["quiet"] else self._progress
        )
        self.stdout.write(
            f"OK: backup {created.backup_id} written to {created.path} ({created.size} bytes, "
            f"{created.manifest['media_files']} sealed file(s)); sha256 {created.sha256} in "
            f"{created.path.name}.check"
        )

    def _verify(self, options: dict[str, Any]) -> None:
        identity = options["identity"]
        identities = services.read_identities(identity) if identity else None
        result = services.verify_backup(
            options["path"], identities=identities, progress=self._progress
        )
        for line in result.lines:
            self.stdout.write(line)
        if identities is None:
            self.stdout.write(
                "Proves: the file is an age file to these recipients"
                + (", byte for byte the one the check file describes" if result.check_file else "")
                + ". It does not prove what is inside: run with --identity for that."
            )
        else:
            self.stdout.write(
                "Proves: every byte decrypts and authenticates under the given key, and every "
                "part matches the manifest's SHA-256. A restore of this file can proceed."
            )
        self.stdout.write("OK")

    def _restore(self, options: dict[str, Any]) -> None:
        if options["no_ledger"] and options["ledger"]:
            raise CommandError("give --ledger or --no-ledger, not both")
        ledger_path: Path | None = None
        if not options["no_ledger"]:
            ledger_path = options["ledger"] or Path(settings.WAYSTATION_SHRED_LEDGER)
            if not ledger_path.is_file():
                raise CommandError(
                    f"no shred ledger at {ledger_path}: without it, every case shredded after "
                    "this backup comes back. Copy the ledger here (or pass --ledger FILE); "
                    "--no-ledger only if none survives. Nothing was changed."
                )
        identities = services.read_identities(options["identity"])
        restored = services.restore_backup(
            options["path"], identities=identities, ledger_path=ledger_path, progress=self._progress
        )
        manifest = restored.manifest
        self.stdout.write(
            f"OK: restored backup {manifest['id']} of {manifest['created_at']} "
            f"({manifest['media_files']} sealed file(s)); re-applied {len(restored.reapplied)} "
            f"shred(s) of {restored.ledger_entries} in the ledger (the others were shredded "
            "before the backup or are not in it)."
        )
        self.stdout.write(
            "The installation is sealed: unseal it with the trustees' shares"
            + (", then run `waystation keys rotate`." if restored.rotation_owed else ".")
        )
