"""``waystation intake …``: operating the public intake.

- ``init-key``: create the intake key pair if there is none (needs the vault unsealed).
  The staff side also creates it the first time a screener opens the queue.
- ``public-key``: print the current public key (hex) and its fingerprint.
- ``sweep``: delete attachment files that no request names (left by a crash between
  writing a file and committing its row) and unfinished ``.part`` files, older than an hour.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from waystation.intake import screening, storage
from waystation.intake.models import Attachment
from waystation.intake.services import IntakeUnavailable
from waystation.vault import boxes
from waystation.vault.keyservice import VaultSealed


class Command(BaseCommand):
    help = "Operate the public intake: init-key, public-key, sweep."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("init-key", help="create the intake key pair if there is none")
        sub.add_parser("public-key", help="print the current intake public key")
        sweep = sub.add_parser("sweep", help="delete orphaned attachment files")
        sweep.add_argument("--older-than", type=int, default=storage.ORPHAN_AGE_SECONDS)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "init-key":
            try:
                key = screening.ensure_intake_key(actor_id=None)
            except VaultSealed as exc:
                raise CommandError("The vault is sealed: unseal it first.") from exc
            public = bytes(key.public_key)
            self.stdout.write(f"Intake key {key.id}, fingerprint {boxes.fingerprint(public)}")
        elif action == "public-key":
            try:
                public = screening.export_public_key()
            except IntakeUnavailable as exc:
                raise CommandError("There is no intake key yet: run `intake init-key`.") from exc
            self.stdout.write(f"{public.hex()}  fingerprint {boxes.fingerprint(public)}")
        elif action == "sweep":
            known = set(Attachment.objects.values_list("storage_name", flat=True))
            removed = storage.sweep_orphans(known, older_than=options["older_than"])
            self.stdout.write(f"Removed {removed} orphaned file(s).")
