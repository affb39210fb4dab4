from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waystation.audit.anchors import (
    Anchor,
    AnchorError,
    append_anchor,
    first_mismatch,
    read_anchors,
)
from waystation.audit.services import verify_chain


class Command(BaseCommand):
    help = "Audit log tools. `audit verify` checks the hash chain and names the first break."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="check the whole chain")
        verify.add_argument(
            "--anchors",
            type=Path,
            help="a file of earlier heads kept outside the database (see docs/operations.md): "
            "check them all, then append the current head",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(report.describe())
        path: Path | None = options.get("anchors")
        if path is None:
            self.stdout.write(report.describe())
            return
        try:
            anchors = read_anchors(path)
            mismatch = first_mismatch(anchors)
            if mismatch is not None:
                raise CommandError(f"BROKEN: {mismatch}")
            if report.entries:
                append_anchor(path, Anchor(seq=report.entries, entry_hash=report.head_hash))
        except AnchorError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{report.describe()}; {len(anchors)} earlier anchor(s) match")
