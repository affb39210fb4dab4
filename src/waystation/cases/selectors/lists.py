"""Lists of cases: the queue, my cases, search. Operational fields only; nothing is
decrypted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet

from waystation.accounts.models import Actor
from waystation.cases import workflow
from waystation.cases.models import (
    Assignment,
    Case,
    CaseNameToken,
    Channel,
    Stage,
    Urgency,
)
from waystation.cases.selectors.visibility import visible_cases
from waystation.ids import RANDOM_ID_LENGTH
from waystation.vault import blind, normalisers

QUEUE_PAGE = 50


@dataclass(frozen=True)
class QueueRow:
    id: str
    stage: str
    stage_label: str
    urgency: int
    urgency_label: str
    channel_label: str
    country: str
    team: str
    opened_at: datetime


def _rows(queryset: QuerySet[Case]) -> list[QueueRow]:
    stages = dict(Stage.choices)
    urgencies = dict(Urgency.choices)
    channels = dict(Channel.choices)
    return [
        QueueRow(
            id=row["id"],
            stage=row["stage"],
            stage_label=str(stages.get(row["stage"], row["stage"])),
            urgency=row["urgency"],
            urgency_label=str(urgencies.get(row["urgency"], row["urgency"])),
            channel_label=str(channels.get(row["channel"], row["channel"])),
            country=row["country"],
            team=row["team__name"] or "",
            opened_at=row["opened_at"],
        )
        for row in queryset.values(
            "id", "stage", "urgency", "channel", "country", "team__name", "opened_at"
        )
    ]


@dataclass(frozen=True)
class CasePage:
    rows: list[QueueRow]
    page: Page[Any]


def _paged(queryset: QuerySet[Case], page_number: Any) -> CasePage:
    ordered = queryset.order_by("urgency", "opened_at", "id")
    paginator = Paginator(ordered.values_list("id", flat=True), QUEUE_PAGE)
    page = paginator.get_page(page_number)
    ids = list(page.object_list)
    by_id = {row.id: row for row in _rows(Case.objects.filter(pk__in=ids))}
    return CasePage(rows=[by_id[i] for i in ids if i in by_id], page=page)


def case_queue(*, user: Actor, page: Any = 1, stage: str = "") -> CasePage:
    """Open cases this user may see: most urgent first, then the longest waiting."""
    queryset = visible_cases(user).exclude(stage__in=workflow.TERMINAL)
    if stage in Stage.values:
        queryset = visible_cases(user).filter(stage=stage)
    return _paged(queryset, page)


def my_cases(*, user: Actor, page: Any = 1) -> CasePage:
    queryset = visible_cases(user).filter(
        pk__in=Assignment.objects.filter(user=user).values("case_id")
    )
    return _paged(queryset.exclude(stage__in=workflow.TERMINAL), page)


def search_cases(*, user: Actor, query: str) -> list[QueueRow]:
    """By case id, or by phone, e-mail, handle or name through their blind indexes.
    The query itself never reaches SQL: only its keyed digests do."""
    query = query.strip()[:200]
    if not query:
        return []
    visible = visible_cases(user)
    match = Q(pk=query.lower()) if len(query) == RANDOM_ID_LENGTH else Q(pk__in=[])
    match |= _phone_match(query)
    for kind, index in (("email", "email_index"), ("handle", "handle_index")):
        digest = blind.blind_index(kind, query)
        if digest:
            match |= Q(**{index: digest})
    # Each part is answered from its own index first, then scoped: one OR of indexed
    # columns and the visibility subqueries made PostgreSQL scan every case (bench/cases.py,
    # "search by phone").
    found = set(
        visible.filter(pk__in=list(Case.objects.filter(match).values_list("pk", flat=True)[:500]))
        .order_by()
        .values_list("pk", flat=True)
    )
    # A phone number is no name: its digits would only be one more token to look up.
    tokens = [] if _PHONE_LIKE.fullmatch(query) else blind.blind_name_tokens(query)
    if tokens:
        named = visible
        for token in tokens:
            named = named.filter(
                Exists(CaseNameToken.objects.filter(case=OuterRef("pk"), digest=token))
            )
        found |= set(
            named.order_by("urgency", "opened_at", "id").values_list("pk", flat=True)[:QUEUE_PAGE]
        )
    return _rows(Case.objects.filter(pk__in=found).order_by("urgency", "opened_at", "id"))[
        :QUEUE_PAGE
    ]


_PHONE_LIKE = re.compile(r"[+\d][\d\s().-]{5,}")


def _phone_match(query: str) -> Q:
    """Cases whose phone number is the one typed. With a country code one digest finds
    it wherever it is; without one, the number is read in each country cases are in and
    matches the cases of that country, the way their digests were computed
    (``Case.phone_index`` reads numbers in the case's ``country``, via
    :func:`blind.phone_region`). The digits as typed match too: numbers that no region
    makes sense of are indexed that way."""
    as_typed = blind.blind_index("phone", query)
    if as_typed is None:
        return Q(pk__in=[])
    match = Q(phone_index=as_typed)
    if not _PHONE_LIKE.fullmatch(query) or (normalisers.phone(query) or "").startswith("+"):
        return match
    # Country codes are operational; reading them for every case leaks nothing, and
    # the match itself stays within what the user may see.
    by_region: dict[str | None, list[str]] = {}
    for country in Case.objects.order_by().values_list("country", flat=True).distinct():
        by_region.setdefault(blind.phone_region(country), []).append(country)
    for region, countries in by_region.items():
        digest = blind.blind_index("phone", query, region=region) if region else None
        if digest and digest != as_typed:
            match |= Q(country__in=countries, phone_index=digest)
    return match
