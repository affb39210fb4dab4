from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from waystation.vault import services
from waystation.vault.agent import AgentUnavailable
from waystation.vault.keyservice import KeyService, UnsealError, VaultSealed
from waystation.vault.keystore import KeystoreError
from waystation.vault.shares import MAX_SHARES, ShareError


class Command(BaseCommand):
    help = "Create the root key and its shares (init), or rotate key-encryption keys (rotate)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        init = sub.add_parser("init", help="create the root key and print k-of-n shares")
        init.add_argument("--shares", type=int, default=5)
        init.add_argument("--threshold", type=int, default=3)
        init.add_argument(
            "--demo",
            action="store_true",
            help="demo mode only: keep the root key in a file instead of printing shares",
        )
        sub.add_parser("rotate", help="rewrap every data key under a new key-encryption key")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "init":
            self._init(options)
        else:
            self._rotate()

    def _init(self, options: dict[str, Any]) -> None:
        service = KeyService(settings.WAYSTATION_KEYSTORE_PATH)
        if options["demo"]:
            if not settings.DEMO_MODE:
                raise CommandError("a demo key file is refused outside WAYSTATION_MODE=demo")
            try:
                service.initialise_demo(settings.WAYSTATION_DEMO_KEY_FILE)
            except KeystoreError as exc:
                raise CommandError(str(exc)) from exc
            self.stderr.write(
                f"DEMO KEY written to {settings.WAYSTATION_DEMO_KEY_FILE}: NOT FOR REAL DATA."
            )
            return
        shares, threshold = options["shares"], options["threshold"]
        if not 2 <= threshold <= shares <= MAX_SHARES:
            raise CommandError(
                f"--threshold must be at least 2 and at most --shares (at most {MAX_SHARES})"
            )
        try:
            words = service.initialise(shares=shares, threshold=threshold)
        except (KeystoreError, ShareError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Root key created. Give one share to each of {shares} trustees; any {threshold} "
            "unseal Waystation. These shares are shown once and stored nowhere.\n"
        )
        for number, share in enumerate(words, start=1):
            self.stdout.write(f"Share {number} of {shares}:\n{share}\n")

    def _rotate(self) -> None:
        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  rewrapped {done} of {total} data keys")

        try:
            version = services.rotate_keys(actor_id=None, progress=progress)
        except (VaultSealed, AgentUnavailable) as exc:
            raise CommandError("the vault is sealed or the key agent is not running") from exc
        except (UnsealError, KeystoreError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Done: every data key is now wrapped under key v{version}.")
