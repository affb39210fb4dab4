"""Similarity matches: other cases that share an identifier, a contact or a story with
this one, from keyed digests only."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from waystation.accounts.models import Actor
from waystation.accounts.templatetags.staff_format import local_number
from waystation.cases.models import (
    Case,
    CaseIdentifier,
    IdentifierKind,
    StoryBand,
)
from waystation.cases.selectors.visibility import visible_cases
from waystation.vault import blind

SIMILAR_STORY_THRESHOLD = 0.5
MATCHES_SHOWN_MAX = 20


@dataclass(frozen=True)
class CaseMatch:
    """One kind of match: the matching cases the viewer may see, and how many others."""

    kind: str
    label: str
    visible_ids: list[str]
    others: int
    detail: str = ""

    @property
    def total(self) -> int:
        return len(self.visible_ids) + self.others


def matching_cases(case: Case) -> dict[str, dict[str, float]]:
    """Other cases that match this one, by kind of match: ``{kind: {case_id: score}}``.
    Computed from keyed digests only; no plaintext is opened. Not scoped to a user:
    :func:`case_matches` splits the result into what the viewer may see and a count."""
    found: dict[str, dict[str, float]] = {}
    mine = list(CaseIdentifier.objects.filter(case=case).values_list("kind", "digest"))
    for kind in IdentifierKind.values:
        digests = [d for k, d in mine if k == kind]
        if not digests:
            continue
        others = (
            CaseIdentifier.objects.filter(kind=kind, digest__in=digests)
            .exclude(case=case)
            .values_list("case_id", flat=True)
            .distinct()
        )
        ids = {case_id: 1.0 for case_id in others}
        if ids:
            found[kind] = ids
    similar = similar_stories(case)
    if similar:
        found["story"] = similar
    return found


def similar_stories(case: Case) -> dict[str, float]:
    if not case.story_signature:
        return {}
    bands = list(StoryBand.objects.filter(case=case).values_list("band", "digest"))
    if not bands:
        return {}
    match = Q(pk__in=[])
    for band, digest in bands:
        match |= Q(band=band, digest=digest)
    candidates = set(
        StoryBand.objects.filter(match).exclude(case=case).values_list("case_id", flat=True)
    )
    if not candidates:
        return {}
    mine = blind.signature_from_bytes(bytes(case.story_signature))
    result = {}
    for other_id, signature in Case.objects.filter(pk__in=candidates).values_list(
        "id", "story_signature"
    ):
        if signature is None:
            continue
        score = blind.estimated_similarity(mine, blind.signature_from_bytes(bytes(signature)))
        if score >= SIMILAR_STORY_THRESHOLD:
            result[other_id] = score
    return result


_MATCH_LABELS: dict[str, Promise] = {
    **dict(IdentifierKind.choices),
    "story": _("Near-duplicate story"),
}


def case_matches(*, user: Actor, case: Case) -> list[CaseMatch]:
    found = matching_cases(case)
    all_ids = {i for ids in found.values() for i in ids}
    seen = set(visible_cases(user).filter(pk__in=all_ids).values_list("pk", flat=True))
    matches = []
    for kind, ids in found.items():
        shown = sorted((i for i in ids if i in seen), key=lambda i: -ids[i])
        detail = ""
        if kind == "story":
            detail = gettext("similarity up to %(percent)s%%") % {
                "percent": local_number(round(max(ids.values()) * 100))
            }
        matches.append(
            CaseMatch(
                kind=kind,
                label=str(_MATCH_LABELS[kind]),
                visible_ids=shown[:MATCHES_SHOWN_MAX],
                others=len(ids) - len(shown[:MATCHES_SHOWN_MAX]),
                detail=detail,
            )
        )
    return matches
