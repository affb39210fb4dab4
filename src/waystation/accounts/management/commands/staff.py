from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waystation.accounts import services
from waystation.accounts.models import StaffUser
from waystation.accounts.roles import Role
from waystation.vault.keyservice import VaultSealed


class Command(BaseCommand):
    help = (
        "Staff accounts from the server's shell: create the first administrator, or help "
        "someone who is locked out (reset-two-factor, end-sessions, deactivate)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create an account (asks for the password)")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=[role.name.lower() for role in Role])
        create.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from standard input instead of asking",
        )
        create.add_argument(
            "--temporary",
            action="store_true",
            help="the person must choose a new password at first sign-in",
        )
        for name, text in (
            ("reset-two-factor", "remove the person's app and recovery codes; end sessions"),
            ("end-sessions", "end every session of the account"),
            ("deactivate", "stop the account from signing in; end sessions"),
        ):
            sub.add_parser(name, help=text).add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options)
            return
        user = StaffUser.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("no account has that username")
        service = {
            "reset-two-factor": services.reset_two_factor,
            "end-sessions": services.end_all_sessions,
            "deactivate": services.deactivate_staff,
        }[action]
        try:
            service(actor_id=None, user=user)
        except services.AccountError as exc:
            raise CommandError(str(exc)) from exc
        except VaultSealed as exc:  # a reset destroys the app's sealed secret: keys needed
            raise CommandError("The vault is sealed: unseal it first.") from exc
        self.stdout.write("Done.")

    def _create(self, options: dict[str, Any]) -> None:
        # The password never goes on the command line, where `ps` and the shell history
        # would show it.
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if getpass.getpass("Password again: ") != password:
                raise CommandError("the two passwords differ")
        try:
            user = services.create_staff(
                actor_id=None,
                username=options["username"],
                role=Role[options["role"].upper()],
                password=password,
                must_change_password=options["temporary"],
            )
        except services.AccountError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Created account #{user.pk}. At first sign-in it sets up two-factor sign-in."
        )
