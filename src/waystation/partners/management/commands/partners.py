"""``waystation partners …``: the installation's own age key, for operators.

- ``identity``: make this installation's age identity if there is none (needs the vault
  unsealed) and print its public key and fingerprint, for partners to encrypt to.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from waystation.partners.services import identity
from waystation.vault import age
from waystation.vault.keyservice import VaultSealed


class Command(BaseCommand):
    help = "Partners: identity (this installation's age public key)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("identity", help="make if missing, and print, our age public key")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            made = identity.ensure_installation_identity(actor_id=None)
        except VaultSealed as exc:
            raise CommandError("The vault is sealed: unseal it first.") from exc
        self.stdout.write(f"{made.recipient}  fingerprint {age.fingerprint(made.recipient)}")
