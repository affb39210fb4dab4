from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from waystation.vault import agent
from waystation.vault.keyservice import KeyService, UnsealError


class Command(BaseCommand):
    help = "Run the key agent: holds the root key in memory and serves keys to workers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--demo",
            action="store_true",
            help="demo mode only: create a demo key on first start and unseal with it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        service = KeyService(settings.WAYSTATION_KEYSTORE_PATH)
        demo_key = None
        if options["demo"]:
            if not settings.DEMO_MODE:
                raise CommandError("the demo key is refused outside WAYSTATION_MODE=demo")
            demo_key = settings.WAYSTATION_DEMO_KEY_FILE
            if not service.keystore.exists():
                service.initialise_demo(demo_key)
            try:
                service.unseal_with_demo_key_file(demo_key)
            except UnsealError as exc:
                raise CommandError(str(exc)) from exc
            self.stderr.write(
                "*** DEMO KEY IN USE - NOT FOR REAL DATA. Anyone with "
                f"{demo_key} can read everything. ***"
            )
        elif not service.keystore.exists():
            raise CommandError("no key store yet: run `waystation keys init` first")
        try:
            server = agent.serve(settings.WAYSTATION_AGENT_SOCKET, service, allow_demo_key=demo_key)
        except agent.AgentUnavailable as exc:
            raise CommandError(str(exc)) from exc

        def stop(_signum: int, _frame: object) -> None:
            service.seal()
            threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        state = "unsealed (demo key)" if service.is_unsealed else "sealed: run `waystation unseal`"
        self.stderr.write(f"Key agent listening on {settings.WAYSTATION_AGENT_SOCKET}; {state}.")
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            server.server_close()
            settings.WAYSTATION_AGENT_SOCKET.unlink(missing_ok=True)
