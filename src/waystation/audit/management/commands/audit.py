from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waystation.audit.anchors import AnchorError
from waystation.audit.verification import LogNotVerified, anchor_log, verify_log

_ANCHORS_HELP = (
    "the anchor file, kept outside the database's reach (docs/operations.md#audit-log); "
    "default: WAYSTATION_AUDIT_ANCHOR, or the data folder's audit-anchors in demo mode"
)


class Command(BaseCommand):
    help = (
        "Audit log tools. `audit verify` checks the whole hash chain and every anchor and "
        "names the first break; `audit anchor` (every minute) writes the head down."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify", help="check the whole chain and every anchor, then append the head"
        )
        verify.add_argument("--anchors", type=Path, help=_ANCHORS_HELP)
        anchor = sub.add_parser(
            "anchor", help="check the entries since the newest anchor, then append the head"
        )
        anchor.add_argument("--anchors", type=Path, help=_ANCHORS_HELP)

    def handle(self, *args: Any, **options: Any) -> None:
        run = verify_log if options["action"] == "verify" else anchor_log
        try:
            line = run(anchors=options.get("anchors"))
        except (LogNotVerified, AnchorError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(line)
