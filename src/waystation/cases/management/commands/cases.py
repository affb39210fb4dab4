"""``waystation cases check-overdue``: raise alerts for missed check-ins;
``waystation cases reindex``: recompute blind indexes after their recipe changed;
``waystation cases retention``: the retention run (warn, shred what is due, erase expired
web requests); ``waystation cases shred ID --by USERNAME``: record a programme manager's
request to shred a case now, which a different programme manager confirms on its page.

Run check-overdue from cron (or a systemd timer) every few minutes. It is idempotent: each missed
check-in raises each alert once, however often it runs.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from waystation.cases.selectors.visibility import CaseNotFound
from waystation.cases.services import alerts, indexes, retention, shredding
from waystation.cases.services.common import CaseError


class Command(BaseCommand):
    help = "Casework operations: check-overdue, reindex, retention, shred."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        overdue = sub.add_parser(
            "check-overdue", help="alert assignees (and, after the grace period, supervisors)"
        )
        overdue.add_argument(
            "--now", help="pretend it is this ISO time (for tests and drills)", default=None
        )
        run = sub.add_parser(
            "retention",
            help="warn before the end of retention, shred the cases whose end has come, "
            "erase expired web requests (idempotent; run it every few minutes)",
        )
        run.add_argument("--now", help="pretend it is this ISO time (for drills)", default=None)
        shred = sub.add_parser(
            "shred",
            help="record a programme manager's request to shred a case now; a different "
            "programme manager confirms it on the case's page",
        )
        shred.add_argument("case_id", help="the case's id")
        shred.add_argument("--by", required=True, help="username of the programme manager who asks")
        shred.add_argument(
            "--reason",
            default=None,
            help="why (read from standard input when left out, which keeps it out of the "
            "shell's history)",
        )
        sub.add_parser(
            "reindex",
            help="recompute every case's blind indexes (after a change to how they are made, "
            "e.g. WAYSTATION_DEFAULT_PHONE_REGION); needs the vault unsealed",
        )

    def _now(self, options: dict[str, Any]) -> datetime | None:
        if not options.get("now"):
            return None
        now = parse_datetime(options["now"])
        if now is None or now.tzinfo is None:
            raise CommandError("--now takes an ISO time with a zone, e.g. 2026-01-01T12:00Z")
        return now

    def handle(self, *args: Any, **options: Any) -> None:
        if options["operation"] == "retention":
            ran = retention.run_retention(now=self._now(options))
            self.stdout.write(
                f"retention: {ran.warned} warning(s), {len(ran.shredded)} case(s) "
                f"shredded, {ran.requests_erased} web request(s) erased, "
                f"{ran.shred_requests_expired} shred request(s) expired"
            )
            if ran.failed:
                raise CommandError(
                    f"{ran.failed} shred(s) could not run (is the vault sealed?); "
                    "the next run tries again"
                )
            return
        if options["operation"] == "shred":
            reason = options["reason"]
            if reason is None:
                self.stderr.write("Reason for shredding (one line): ", ending="")
                reason = sys.stdin.readline(retention.REASON_LIMIT * 4 + 2).rstrip("\n")
            try:
                made = shredding.request_shred_as_operator(
                    username=options["by"], case_id=options["case_id"], reason=reason
                )
            except CaseNotFound as exc:
                raise CommandError(
                    "No such case, or not one that this programme manager may see."
                ) from exc
            except CaseError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"shred request {made.id} recorded for case {made.case_id}, asked by "
                f"{options['by']}; it expires {made.expires_at:%Y-%m-%d %H:%M} UTC. "
                "Nothing is shredded yet: a different programme manager must confirm it "
                "on the case's page, where it can also be cancelled."
            )
            return
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
