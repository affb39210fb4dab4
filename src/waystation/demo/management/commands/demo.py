from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from waystation.accounts.services import DemoStaff
from waystation.demo import services
from waystation.filemodes import PRIVATE_FILE_MODE, make_private_folder, use_private_umask
from waystation.intake.screening import ensure_intake_key
from waystation.vault.agent import AgentClient, AgentUnavailable
from waystation.web.serving import gunicorn_command

AGENT_START_SECONDS = 20.0
CHECK_EVERY_SECONDS = 60.0
# What production timers do (docs/operations.md), every minute: missed check-ins and
# web-mailbox contact on cases become alerts; cases and requests past their retention are
# shredded; retired intake keys no request needs are destroyed; the audit log's head is
# written to its anchor file, so that a log cut or emptied since is caught.
SCHEDULED_JOBS: tuple[tuple[str, ...], ...] = (
    ("cases", "check-overdue"),
    ("cases", "retention"),
    ("intake", "destroy-unused-keys"),
    ("audit", "anchor"),
)


def _make_data_private() -> None:
    """The demo's data folder is 0700 and its SQLite files 0600, also in a checkout whose
    folder an earlier version left open (0755, the database 0644). What is created from
    here on is private by the umask (waystation.filemodes)."""
    use_private_umask()
    make_private_folder(settings.DATA_DIR)
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        path = Path(database["NAME"])
        for file in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
            if file.exists():
                file.chmod(PRIVATE_FILE_MODE)


class Command(BaseCommand):
    help = (
        "Demo mode only. `demo serve`: migrate, start the key agent with the demo key, "
        "create the demo organisation on first start, and serve the staff side. "
        "`demo api-token USERNAME`: print an API token for a demo account."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        serve = sub.add_parser("serve", help="set everything up and serve on localhost")
        serve.add_argument("--staff-port", type=int, default=8000)
        serve.add_argument("--public-port", type=int, default=8001)
        serve.add_argument("--workers", type=int, default=2)
        token = sub.add_parser(
            "api-token", help="print a new API token for a demo account (docs/api.md)"
        )
        token.add_argument("username")
        token.add_argument("--scope", choices=["read", "write"], default="write")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("`demo` runs only with WAYSTATION_MODE=demo")
        if options["action"] == "api-token":
            try:
                secret = services.demo_api_token(
                    username=options["username"], scope=options["scope"]
                )
            except services.DemoRefused as exc:
                raise CommandError(str(exc)) from exc
            # The token alone on stdout, for `TOKEN=$(waystation demo api-token ...)`.
            self.stdout.write(secret)
            return
        if not 1 <= options["workers"] <= 16:
            raise CommandError("--workers must be between 1 and 16")
        for port in ("staff_port", "public_port"):
            if not 1024 <= options[port] <= 65535:
                raise CommandError(f"--{port.replace('_', '-')} must be between 1024 and 65535")
        if options["staff_port"] == options["public_port"]:
            raise CommandError("the staff and public sides need different ports")
        self._serve(
            staff_port=options["staff_port"],
            public_port=options["public_port"],
            workers=options["workers"],
        )

    def _serve(self, *, staff_port: int, public_port: int, workers: int) -> None:
        _make_data_private()
        call_command("migrate", interactive=False, verbosity=0)
        children: list[subprocess.Popen[bytes]] = []
        try:
            children.append(self._start_agent())
            if services.demo_organisation_exists():
                self.stdout.write(
                    "The demo organisation exists; its sign-in details were printed when it "
                    "was created. `make clean` starts over with new ones."
                )
            else:
                self._print_credentials(services.create_demo_organisation())
            # The public side seals requests to this key pair's public half.
            ensure_intake_key(actor_id=None)
            children.append(
                subprocess.Popen(  # noqa: S603  (fixed arguments, our own interpreter)
                    [
                        sys.executable,
                        "-m",
                        "waystation.cli",
                        "serve-public",
                        "--bind",
                        f"127.0.0.1:{public_port}",
                    ]
                )
            )
            children.append(
                subprocess.Popen(  # noqa: S603  (fixed arguments, our own interpreter)
                    # As in production: no access log, no forwarding header trusted.
                    gunicorn_command(
                        "waystation.wsgi:application",
                        bind=f"127.0.0.1:{staff_port}",
                        workers=workers,
                    )
                )
            )
            self.stdout.write(
                f"\nStaff side:  http://127.0.0.1:{staff_port}/\n"
                f"Public side: http://127.0.0.1:{public_port}/   (Ctrl-C stops everything)\n"
                "DEMO KEY IN USE - NOT FOR REAL DATA.\n"
            )
            self._wait(children)
        finally:
            # The agent goes last: on SIGTERM it seals, and workers see the seal.
            for child in reversed(children):
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in reversed(children):
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

    def _start_agent(self) -> subprocess.Popen[bytes]:
        agent = subprocess.Popen([sys.executable, "-m", "waystation.cli", "agent", "--demo"])
        client = AgentClient(settings.WAYSTATION_AGENT_SOCKET)
        deadline = time.monotonic() + AGENT_START_SECONDS
        while time.monotonic() < deadline:
            if agent.poll() is not None:
                raise CommandError("the key agent stopped at start; see the message above")
            try:
                if not client.request({"op": "status"}, timeout=1.0).get("sealed", True):
                    return agent
            except AgentUnavailable:
                pass
            time.sleep(0.1)
        agent.kill()
        raise CommandError("the key agent did not come up in time")

    def _print_credentials(self, staff: list[DemoStaff]) -> None:
        self.stdout.write(
            "\nDemo organisation created. Sign-in details, shown this once (invented people, "
            "demo key):\n"
        )
        for member in staff:
            self.stdout.write(
                f"  {member.role.value:<22} user {member.username:<14} "
                f"password {member.password}\n"
                f"  {'':<22} two-factor secret {member.totp_secret_base32} (any TOTP app)\n"
                f"  {'':<22} recovery codes {' '.join(member.recovery_codes[:3])}\n"
            )
        self.stdout.write(
            "\n  Demo partners' private age keys (invented): "
            f"{settings.DATA_DIR / 'partner-keys'}; open a package sent to one with "
            "`age -d -i <that folder>/<partner>.agekey referral-….age > referral.zip`.\n"
        )

    def _wait(self, children: list[subprocess.Popen[bytes]]) -> None:
        stop = False

        def on_signal(_signum: int, _frame: object) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        next_check = time.monotonic()
        while not stop:
            for child in children:
                if child.poll() is not None:
                    raise CommandError(f"a server process stopped (exit {child.returncode})")
            if time.monotonic() >= next_check:
                # One process each: a failing job (its message on stderr) stops no other.
                for job in SCHEDULED_JOBS:
                    subprocess.run(  # noqa: S603  (fixed arguments, our own interpreter)
                        [sys.executable, "-m", "waystation.cli", *job],
                        stdout=subprocess.DEVNULL,
                        check=False,
                    )
                next_check = time.monotonic() + CHECK_EVERY_SECONDS
            time.sleep(0.3)
