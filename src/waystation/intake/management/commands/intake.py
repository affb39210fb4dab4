"""``waystation intake …``: operating the public intake.

- ``init-key``: create the intake key pair if there is none (needs the vault unsealed).
  The staff side also creates it the first time a screener opens the queue.
- ``rotate-key``: make a new intake key pair current and retire the old one (audited);
  with ``--destroy-unused``, then destroy every retired key that nothing needs any more.
- ``destroy-unused-keys``: only that last step, for a timer (``intake/keys.py`` says
  when a key is still needed; one needed is never destroyed).
- ``keys``: list the intake keys: fingerprint, created, retired, destroyed, still needed.
- ``public-key``: print the current public key (hex) and its fingerprint.
- ``sweep``: delete attachment files that no request names (left by a crash between
  writing a file and committing its row) and unfinished ``.part`` files, older than an hour.
- ``public-role``: (PostgreSQL) create the public process's role if missing and make its
  grants exactly what ``intake/public_role.py`` lists; migrations do this too.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from waystation.intake import keys, public_role, screening, storage
from waystation.intake.models import Attachment
from waystation.intake.public_services import IntakeUnavailable
from waystation.vault import boxes
from waystation.vault.keyservice import VaultSealed


class Command(BaseCommand):
    help = (
        "Operate the public intake: init-key, rotate-key, destroy-unused-keys, keys, "
        "public-key, sweep, public-role."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("init-key", help="create the intake key pair if there is none")
        rotate = sub.add_parser("rotate-key", help="make a new intake key pair current")
        rotate.add_argument(
            "--destroy-unused",
            action="store_true",
            help="then destroy every retired intake key that no request needs any more",
        )
        sub.add_parser(
            "destroy-unused-keys", help="destroy retired intake keys no request needs any more"
        )
        sub.add_parser("keys", help="list the intake keys and whether each is still needed")
        sub.add_parser("public-key", help="print the current intake public key")
        sweep = sub.add_parser("sweep", help="delete orphaned attachment files")
        sweep.add_argument("--older-than", type=int, default=storage.ORPHAN_AGE_SECONDS)
        sub.add_parser("public-role", help="(PostgreSQL) re-apply the public role's grants")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "init-key":
            try:
                key = screening.ensure_intake_key(actor_id=None)
            except VaultSealed as exc:
                raise CommandError("The vault is sealed: unseal it first.") from exc
            public = bytes(key.public_key)
            self.stdout.write(f"Intake key {key.id}, fingerprint {boxes.fingerprint(public)}")
        elif action == "rotate-key":
            try:
                rotated = keys.rotate_intake_key(actor_id=None)
            except VaultSealed as exc:
                raise CommandError("The vault is sealed: unseal it first.") from exc
            self.stdout.write(
                f"New intake key {rotated.new_key_id}, fingerprint {rotated.fingerprint}; "
                f"retired: {', '.join(rotated.retired_key_ids) or 'none'}."
            )
            if options["destroy_unused"]:
                self._destroy_unused()
        elif action == "destroy-unused-keys":
            self._destroy_unused()
        elif action == "keys":
            for state in keys.intake_keys():
                status = (
                    f"destroyed {state.destroyed_at:%Y-%m-%d %H:%M}"
                    if state.destroyed_at
                    else f"retired {state.retired_at:%Y-%m-%d %H:%M}"
                    if state.retired_at
                    else "current"
                )
                needed = "needed" if state.needed else "not needed"
                self.stdout.write(
                    f"{state.id}  {state.fingerprint}  created {state.created_at:%Y-%m-%d %H:%M}"
                    f"  {status}  {needed if not state.destroyed_at else ''}".rstrip()
                )
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
        elif action == "public-role":
            try:
                run = public_role.apply(connection)
            except public_role.RoleSetupFailed as exc:
                raise CommandError(str(exc)) from exc
            if not run:
                self.stdout.write("SQLite has no roles: nothing to do.")
            else:
                self.stdout.write(f"Role {public_role.ROLE}: {len(run)} statements applied.")

    def _destroy_unused(self) -> None:
        try:
            destroyed = keys.destroy_unused_intake_keys(actor_id=None)
        except VaultSealed as exc:
            raise CommandError("The vault is sealed: unseal it first.") from exc
        if destroyed:
            self.stdout.write(f"Destroyed intake key(s): {', '.join(destroyed)}.")
        else:
            self.stdout.write("No retired intake key can be destroyed yet.")
