"""``waystation cases check-overdue``: raise alerts for missed check-ins;
``waystation cases reindex``: recompute blind indexes after their recipe changed.

Run check-overdue from cron (or a systemd timer) every few minutes. It is idempotent: each missed
check-in raises each alert once, however often it runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from waystation.cases.services import alerts, indexes


class Command(BaseCommand):
    help = "Casework operations: check-overdue, reindex."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        overdue = sub.add_parser(
            "check-overdue", help="alert assignees (and, after the grace period, supervisors)"
        )
        overdue.add_argument(
            "--now", help="pretend it is this ISO time (for tests and drills)", default=None
        )
        sub.add_parser(
            "reindex",
            help="recompute every case's blind indexes (after a change to how they are made, "
            "e.g. WAYSTATION_DEFAULT_PHONE_REGION); needs the vault unsealed",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["operation"] == "reindex":
            reindexed = indexes.reindex_cases(actor_id=None)
            self.stdout.write(
                f"reindexed {reindexed.cases} case(s); {reindexed.changed} had changed digests"
            )
            return
        if options["operation"] == "check-overdue":
            now: datetime | None = None
            if options["now"]:
                now = parse_datetime(options["now"])
                if now is None or now.tzinfo is None:
                    raise CommandError(
                        "--now takes an ISO time with a zone, e.g. 2026-01-01T12:00Z"
                    )
            report = alerts.check_overdue(now=now)
            self.stdout.write(
                f"checked {report.checked} overdue schedule(s): {report.satisfied} satisfied "
                f"by web check-ins, {report.alerts} alert(s), {report.escalations} escalation(s); "
                f"{report.web_alerts} alert(s) for web-mailbox contact; "
                f"{report.other_alerts} alert(s) for travel legs and documents"
            )
