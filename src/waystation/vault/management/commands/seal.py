from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from waystation.vault import services
from waystation.vault.agent import AgentUnavailable


class Command(BaseCommand):
    help = "Seal now: every worker drops its keys; staff pages refuse until unsealed."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = services.seal_now(actor_id=None)
        except AgentUnavailable as exc:
            raise CommandError(f"{exc}: nothing is unsealed without it") from exc
        self.stdout.write(report.describe())
        if report.acknowledged < report.workers:
            raise CommandError(
                "some workers did not confirm within a second; they will fail closed "
                "when they next notice the agent, but check them"
            )
