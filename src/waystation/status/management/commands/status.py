"""``waystation status``: the installation's status, for an administrator at the console
or a timer (docs/operations.md#status-and-monitoring).

Exit code: 0 when every check is ok, 1 when at least one is not (the output names it),
2 when the command is used wrongly. The output holds no personal data.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from waystation.status.checks import run_checks

NOT_OK_EXIT_CODE = 1


class Command(BaseCommand):
    help = (
        "The installation's status: sealed or not, the key agent's workers, the oldest "
        "unanswered request, the last backup, cases due for shredding, the audit chain's "
        "head. Exits 1 when something is not ok."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="one JSON object, for programs")

    def handle(self, *args: Any, **options: Any) -> None:
        report = run_checks()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), indent=2))
        else:
            width = max(len(f.title) for f in report.findings)
            for finding in report.findings:
                mark = "ok    " if finding.ok else "NOT OK"
                self.stdout.write(f"{mark}  {finding.title:<{width}}  {finding.summary}")
            self.stdout.write(
                "Everything is ok." if report.ok else "Something is not ok: see NOT OK above."
            )
        if not report.ok:
            self.stdout.flush()
            sys.exit(NOT_OK_EXIT_CODE)
