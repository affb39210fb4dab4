from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from waystation.accounts.roles import ROLE_PERMISSIONS, sync_role_groups
from waystation.audit import services as audit


class Command(BaseCommand):
    help = "Show the roles and their permissions (show), or make the groups match them (sync)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("sync", help="give each role's group exactly its permissions")
        sub.add_parser("show", help="list each role's permissions")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "show":
            for role, perms in ROLE_PERMISSIONS.items():
                self.stdout.write(f"{role}: {', '.join(sorted(perms)) or '(none)'}")
            return
        try:
            with transaction.atomic():
                report = sync_role_groups(group_model=Group, permission_model=Permission)
                if report.changed:
                    audit.record(actor_id=None, action="accounts.roles_synced")
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        for name in report.created_groups:
            self.stdout.write(f"created group: {name}")
        for line in report.granted:
            self.stdout.write(f"granted {line}")
        for line in report.revoked:
            self.stdout.write(f"revoked {line}")
        if not report.changed:
            self.stdout.write("Roles already match ROLE_PERMISSIONS.")
