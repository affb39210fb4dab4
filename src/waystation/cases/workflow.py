"""The journey of a case (docs/design.md §1) as data: which moves exist, what each needs, and
which need a second person. ``services.stages.change_stage`` and ``services.stages.decide_approval``
are the only code that moves a case, and they read these tables and nothing else.

    screening ─► verification ─► planning ─► in transit ─► arrived ─► resettlement ─► closed
        │              │             │           │  ▲
        └─► declined   ├─► referred  └─► on hold └─► lost contact ─► closed
                       └─► declined      │  ▲
                                         └──┘ (back to planning, or closed)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from waystation.cases.models import Case, Outcome, Stage, Urgency


class Needs(StrEnum):
    """What must be true, or given, for a move."""

    REASON = "reason"  # a written reason, sealed with the move
    OUTCOME = "outcome"  # an outcome code (closure)
    CHECKLIST = "checklist"  # the verification checklist complete
    REFERENCE = "reference"  # at least one partner reference recorded
    CHECK_IN_SCHEDULE = "check_in_schedule"  # a check-in schedule for the journey


# What the case page says a move needs, in words (never the codes above).
NEEDS_LABELS: dict[Needs, Promise] = {
    Needs.REASON: _("a reason"),
    Needs.OUTCOME: _("an outcome"),
    Needs.CHECKLIST: _("the verification checklist complete"),
    Needs.REFERENCE: _("a supporting partner reference"),
    Needs.CHECK_IN_SCHEDULE: _("a check-in schedule"),
}


TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.SCREENING: frozenset({Stage.VERIFICATION, Stage.DECLINED}),
    Stage.VERIFICATION: frozenset({Stage.PLANNING, Stage.REFERRED, Stage.DECLINED}),
    Stage.PLANNING: frozenset({Stage.IN_TRANSIT, Stage.ON_HOLD}),
    Stage.ON_HOLD: frozenset({Stage.PLANNING, Stage.CLOSED}),
    Stage.IN_TRANSIT: frozenset({Stage.ARRIVED, Stage.LOST_CONTACT}),
    Stage.LOST_CONTACT: frozenset({Stage.IN_TRANSIT, Stage.CLOSED}),
    Stage.ARRIVED: frozenset({Stage.RESETTLEMENT, Stage.CLOSED}),
    Stage.RESETTLEMENT: frozenset({Stage.CLOSED}),
    Stage.CLOSED: frozenset(),
    Stage.DECLINED: frozenset(),
    Stage.REFERRED: frozenset(),
    Stage.REQUEST: frozenset(),  # requests live in intake; a case starts at screening
}

# Requirements by target stage.
REQUIRES: dict[Stage, frozenset[Needs]] = {
    Stage.PLANNING: frozenset(),
    Stage.DECLINED: frozenset({Needs.REASON}),
    Stage.REFERRED: frozenset({Needs.REASON}),
    Stage.ON_HOLD: frozenset({Needs.REASON}),
    Stage.IN_TRANSIT: frozenset({Needs.CHECK_IN_SCHEDULE}),
    Stage.LOST_CONTACT: frozenset(),
    Stage.CLOSED: frozenset({Needs.OUTCOME}),
}
# Requirements of one particular move, on top of its target's.
REQUIRES_MOVE: dict[tuple[Stage, Stage], frozenset[Needs]] = {
    # "Verification complete": the checklist ticked and a partner has vouched.
    (Stage.VERIFICATION, Stage.PLANNING): frozenset({Needs.CHECKLIST, Needs.REFERENCE}),
}

# Moves that need a second person's approval. A function of the case, because declining
# is routine except when the person is in danger now.
_ALWAYS_APPROVED: frozenset[tuple[Stage, Stage]] = frozenset({(Stage.VERIFICATION, Stage.PLANNING)})
_APPROVED_TARGETS: frozenset[Stage] = frozenset({Stage.CLOSED})
_APPROVED_IF_URGENT: frozenset[Stage] = frozenset({Stage.DECLINED})

# Stages where the case is over: the retention clock runs from entering them.
TERMINAL: frozenset[Stage] = frozenset({Stage.CLOSED, Stage.DECLINED, Stage.REFERRED})
# Outcomes recorded without asking, for moves that say it themselves.
IMPLIED_OUTCOME: dict[Stage, Outcome] = {
    Stage.DECLINED: Outcome.DECLINED,
    Stage.REFERRED: Outcome.REFERRED,
}


def allowed(from_stage: str, to_stage: str) -> bool:
    try:
        return Stage(to_stage) in TRANSITIONS[Stage(from_stage)]
    except ValueError:
        return False


def needs_approval(case: Case, to_stage: str) -> bool:
    move = (Stage(case.stage), Stage(to_stage))
    if move in _ALWAYS_APPROVED or move[1] in _APPROVED_TARGETS:
        return True
    return move[1] in _APPROVED_IF_URGENT and case.urgency == Urgency.NOW


def requirements(from_stage: str, to_stage: str) -> frozenset[Needs]:
    target = Stage(to_stage)
    return REQUIRES.get(target, frozenset()) | REQUIRES_MOVE.get(
        (Stage(from_stage), target), frozenset()
    )


@dataclass(frozen=True)
class Offered:
    """A move as the case page offers it."""

    stage: Stage
    needs_approval: bool
    needs: frozenset[Needs]

    @property
    def label(self) -> str:
        return str(self.stage.label)

    @property
    def need_labels(self) -> list[str]:
        return [str(NEEDS_LABELS[need]) for need in sorted(self.needs)]


def moves_from(case: Case) -> list[Offered]:
    order = list(Stage)
    return [
        Offered(
            stage=target,
            needs_approval=needs_approval(case, target),
            needs=requirements(case.stage, target),
        )
        for target in sorted(TRANSITIONS[Stage(case.stage)], key=order.index)
    ]
