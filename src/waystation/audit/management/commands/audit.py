from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waystation.audit.services import verify_chain


class Command(BaseCommand):
    help = "Audit log tools. `audit verify` checks the hash chain and names the first break."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="check the whole chain")

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(report.describe())
        self.stdout.write(report.describe())
