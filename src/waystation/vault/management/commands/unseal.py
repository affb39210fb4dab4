from __future__ import annotations

import getpass
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from waystation.vault.agent import AgentUnavailable
from waystation.vault.keyservice import UnsealError
from waystation.vault.runtime import AgentBackend
from waystation.vault.shares import MAX_SHARES, ShareError, normalise_share

MAX_SHARE_LINE = 1000


class Command(BaseCommand):
    help = (
        "Unseal the running key agent with trustees' shares: typed (hidden) one after "
        "another, or piped one per line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--demo", action="store_true", help="demo mode only: unseal with the demo key file"
        )
        parser.add_argument(
            "--count", type=int, default=0, help="how many shares to ask for when typing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        agent = AgentBackend(settings.WAYSTATION_AGENT_SOCKET)
        try:
            if options["demo"]:
                agent.unseal_demo()
                self.stderr.write("Unsealed with the DEMO KEY - not for real data.")
                return
            shares = self._read_shares(options["count"])
            agent.unseal_with_shares(shares)
        except AgentUnavailable as exc:
            raise CommandError(f"{exc}; start it with `waystation agent`") from exc
        except (UnsealError, ShareError) as exc:
            raise CommandError(f"Not unsealed: {exc}") from exc
        self.stdout.write("Unsealed.")

    def _read_shares(self, count: int) -> list[str]:
        shares: list[str] = []
        if not sys.stdin.isatty():
            # Read one character past the limit: more input than that is refused, not cut
            # short (a cut-off share would only fail later with a misleading message).
            limit = MAX_SHARE_LINE * MAX_SHARES
            text = sys.stdin.read(limit + 1)
            if len(text) > limit:
                raise CommandError(f"more input than {MAX_SHARES} shares can be; nothing was sent")
            shares = [ln for ln in text.splitlines() if ln.strip()]
            if len(shares) > MAX_SHARES:
                raise CommandError(f"more than {MAX_SHARES} lines given; one share per line")
            if any(len(s) > MAX_SHARE_LINE for s in shares):
                raise CommandError("a share line is far too long")
            for share in shares:
                normalise_share(share)  # a word that is no share word: say so before sending
            return shares
        target = count or MAX_SHARES
        while len(shares) < target:
            text = getpass.getpass(f"Share {len(shares) + 1} (empty line to finish): ")
            if not text.strip():
                break
            try:
                normalise_share(text)
            except ShareError as exc:
                self.stderr.write(f"{exc}. Type it again.")
                continue
            shares.append(text)
        return shares
