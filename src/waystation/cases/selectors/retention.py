"""Which cases are past the end of their retention and not shredded yet: a count and
the oldest end, never which cases (for the status checks, read by administrators who may
not read cases)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min

from waystation.cases.models import Case


@dataclass(frozen=True)
class PastRetention:
    count: int
    oldest_end: datetime | None


def past_retention(now: datetime) -> PastRetention:
    due = Case.objects.filter(shredded_at__isnull=True, retain_until__lte=now).aggregate(
        count=Count("pk"), oldest_end=Min("retain_until")
    )
    return PastRetention(count=due["count"], oldest_end=due["oldest_end"])
