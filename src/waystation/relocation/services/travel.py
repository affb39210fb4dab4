"""Relocation plans and travel legs: one function per action, each in one transaction
with its audit entry inside (ids and action names only).

A leg's planned arrival is a check-in deadline (:func:`raise_leg_alerts`). The rule,
kept simple on purpose so staff can predict it: once a leg's planned departure has
passed, its deadline is met by recording its arrival, or by any check-in after the
planned departure, recorded by staff (``CaseCheckIn``) or pressed in the web mailbox
(intake's ``CheckIn`` of the case's request). Otherwise, after the planned arrival,
every assignee is alerted; ``grace_hours`` later the team's supervisor too.

Legs move the case along the casework workflow through ``cases.services.stages.change_stage``,
never around it: the first departure asks for "in transit", the last arrival for
"arrived". If the workflow refuses or wants a second person, the leg is still recorded
and the person is told why the stage stayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from babel import Locale
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext

from waystation.accounts.models import Actor
from waystation.audit import services as audit
from waystation.cases import workflow
from waystation.cases.models import AlertKind, Case, CaseCheckIn, Stage
from waystation.cases.selectors import visibility as case_visibility
from waystation.cases.services import alerts as case_alerts
from waystation.cases.services import check_ins as case_check_ins
from waystation.cases.services import common as case_common
from waystation.cases.services import stages as case_stages
from waystation.intake.models import CheckIn
from waystation.relocation.models import Leg, LegStatus, Pathway, RelocationPlan, TransportMode
from waystation.relocation.services.common import (
    PLAN,
    RelocationError,
    case_for,
    clean_text,
    record,
)

MAX_GRACE_HOURS = 72
# A journey is planned weeks ahead, not years; a leg lasts hours or days. Anything outside
# these bounds is a typing slip (a year of 2205, a month for a bus ride), not a plan.
MAX_PLAN_AHEAD = timedelta(days=2 * 365)
MAX_PAST = timedelta(days=365)
MAX_LEG_LENGTH = timedelta(days=31)
# Devices and servers disagree by a little: "now" on a phone may be a minute ahead.
CLOCK_SKEW = timedelta(minutes=5)
LEG_ALERTS = (AlertKind.LEG_OVERDUE, AlertKind.LEG_ESCALATED)
OPEN_LEG = (LegStatus.PLANNED, LegStatus.UNDER_WAY)

# Codes babel knows that are not countries in ISO 3166-1 (regions, reserved codes).
_NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
)


@cache
def country_names() -> dict[str, str]:
    """ISO 3166-1 alpha-2 codes (and Kosovo's XK, in common use) with English names."""
    territories = Locale("en").territories
    return {
        code: str(name)
        for code, name in sorted(territories.items())
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }


def clean_country(value: str | None, *, label: str | None = None) -> str:
    """A two-letter country code, or "" when none is given."""
    code = (value or "").strip().upper()
    if not code:
        return ""
    if code not in country_names():
        raise RelocationError(
            gettext("%(label)s must be a two-letter country code, like DE or GE.")
            % {"label": label or gettext("The country")}
        )
    return code


# --- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanInput:
    pathway: str
    destination_country: str = ""
    destination: str = ""
    notes: str = ""

    def __repr__(self) -> str:  # never print a person's destination into a log
        return f"<PlanInput {self.pathway}>"


@transaction.atomic
def save_plan(*, user: Actor, case_id: str, plan: PlanInput) -> RelocationPlan:
    """Create the case's one plan, or change it."""
    case = case_for(user, case_id, PLAN)
    if plan.pathway not in Pathway.values:
        raise RelocationError(gettext("Choose a pathway."))
    country = clean_country(plan.destination_country, label=gettext("The destination country"))
    destination = clean_text(plan.destination, label=gettext("The destination"), limit=500)
    notes = clean_text(plan.notes, label=gettext("The notes"), limit=10_000)
    row = RelocationPlan.objects.select_for_update().filter(case=case).first()
    created = row is None
    if row is None:
        row = RelocationPlan(case=case, data_key_id=case.data_key_id, created_by_id=user.pk)
    row.pathway = plan.pathway
    row.destination_country = country
    row.destination = destination
    row.notes = notes
    row.save(force_insert=created)
    record(
        user, "relocation.plan_created" if created else "relocation.plan_changed", "case", case.id
    )
    return row


# --- legs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegInput:
    mode: str
    planned_departure: datetime
    planned_arrival: datetime
    from_country: str = ""
    to_country: str = ""
    grace_hours: int = 6
    origin: str = ""
    destination: str = ""
    escort: str = ""
    notes: str = ""

    def __repr__(self) -> str:  # never print a route or an escort into a log
        return f"<LegInput {self.mode}>"


@dataclass(frozen=True)
class LegResult:
    leg: Leg
    stage_note: str = ""  # why the case's stage did not follow, for the person


def _check_times(departure: datetime, arrival: datetime, now: datetime) -> None:
    if timezone.is_naive(departure) or timezone.is_naive(arrival):
        raise RelocationError(gettext("Times need a time zone."))
    if arrival <= departure:
        raise RelocationError(gettext("A leg must arrive after it leaves."))
    if arrival - departure > MAX_LEG_LENGTH:
        raise RelocationError(
            gettext("A leg lasts at most 31 days; split a longer journey into legs.")
        )
    if departure < now - MAX_PAST:
        raise RelocationError(gettext("That departure is more than a year ago: check the date."))
    if departure > now + MAX_PLAN_AHEAD:
        raise RelocationError(
            gettext("That departure is more than two years ahead: check the date.")
        )


def _neighbours(case: Case, position: int, *, exclude: str | None) -> tuple[Leg | None, Leg | None]:
    """The non-cancelled legs just before and just after ``position``."""
    others = Leg.objects.filter(case=case).exclude(status=LegStatus.CANCELLED)
    if exclude:
        others = others.exclude(pk=exclude)
    before = others.filter(position__lt=position).order_by("-position").first()
    after = others.filter(position__gt=position).order_by("position").first()
    return before, after


def _check_sequence(case: Case, position: int, leg: LegInput, *, exclude: str | None) -> None:
    before, after = _neighbours(case, position, exclude=exclude)
    if before is not None and leg.planned_departure < before.planned_arrival:
        raise RelocationError(
            gettext(
                "This leg would leave before leg %(position)s arrives: legs of one journey "
                "cannot overlap."
            )
            % {"position": before.position}
        )
    if after is not None and after.planned_departure < leg.planned_arrival:
        raise RelocationError(
            gettext(
                "This leg would arrive after leg %(position)s leaves: legs of one journey "
                "cannot overlap."
            )
            % {"position": after.position}
        )


def _fill(row: Leg, leg: LegInput, now: datetime) -> None:
    if leg.mode not in TransportMode.values:
        raise RelocationError(gettext("Choose how they travel."))
    if not 0 <= leg.grace_hours <= MAX_GRACE_HOURS:
        raise RelocationError(
            gettext("The grace period is 0 to %(hours)s hours.") % {"hours": MAX_GRACE_HOURS}
        )
    _check_times(leg.planned_departure, leg.planned_arrival, now)
    row.mode = leg.mode
    row.from_country = clean_country(leg.from_country, label=gettext("The country of departure"))
    row.to_country = clean_country(leg.to_country, label=gettext("The country of arrival"))
    row.planned_departure = leg.planned_departure
    row.planned_arrival = leg.planned_arrival
    row.grace_hours = leg.grace_hours
    row.origin = clean_text(leg.origin, label=gettext("Where they leave from"), limit=300)
    row.destination = clean_text(leg.destination, label=gettext("Where they arrive"), limit=300)
    row.escort = clean_text(leg.escort, label=gettext("The escort"), limit=300)
    row.notes = clean_text(leg.notes, label=gettext("The notes"), limit=5_000)


def _leg_for(case: Case, leg_id: str) -> Leg:
    found = Leg.objects.select_for_update().filter(pk=str(leg_id)[:32], case=case).first()
    if found is None:
        raise RelocationError(gettext("No such leg on this case."))
    return found


@transaction.atomic
def add_leg(*, user: Actor, case_id: str, leg: LegInput, now: datetime | None = None) -> Leg:
    """Append a leg to the journey; it must leave after the previous one arrives."""
    case = case_for(user, case_id, PLAN)
    now = now or timezone.now()
    last = Leg.objects.filter(case=case).order_by("-position").values_list("position", flat=True)
    position = (last.first() or 0) + 1
    row = Leg(case=case, data_key_id=case.data_key_id, position=position, created_by_id=user.pk)
    _fill(row, leg, now)
    _check_sequence(case, position, leg, exclude=None)
    row.save(force_insert=True)
    record(user, "relocation.leg_added", "leg", row.id)
    return row


@transaction.atomic
def change_leg(
    *, user: Actor, case_id: str, leg_id: str, leg: LegInput, now: datetime | None = None
) -> Leg:
    case = case_for(user, case_id, PLAN)
    now = now or timezone.now()
    row = _leg_for(case, leg_id)
    if row.status in (LegStatus.CANCELLED, LegStatus.ARRIVED):
        raise RelocationError(gettext("A cancelled or completed leg cannot be changed."))
    _fill(row, leg, now)
    _check_sequence(case, row.position, leg, exclude=row.id)
    row.save()
    record(user, "relocation.leg_changed", "leg", row.id)
    return row


def _resolve_leg_alerts(case_id: str, leg_ids: list[str], at: datetime) -> int:
    return case_alerts.resolve_alerts(kinds=LEG_ALERTS, case_id=case_id, subjects=leg_ids, at=at)


@transaction.atomic
def cancel_leg(*, user: Actor, case_id: str, leg_id: str) -> Leg:
    """A leg that will not happen: it stops being a deadline and a neighbour."""
    case = case_for(user, case_id, PLAN)
    row = _leg_for(case, leg_id)
    if row.status not in OPEN_LEG:
        raise RelocationError(gettext("Only a planned or current leg can be cancelled."))
    row.status = LegStatus.CANCELLED
    row.save(update_fields=["status"])
    _resolve_leg_alerts(case.id, [row.id], timezone.now())
    record(user, "relocation.leg_cancelled", "leg", row.id)
    return row


def _check_moment(at: datetime, now: datetime) -> None:
    if timezone.is_naive(at):
        raise RelocationError(gettext("Times need a time zone."))
    if at > now + CLOCK_SKEW:
        raise RelocationError(gettext("That time is in the future: record it when it happens."))
    if at < now - MAX_PAST:
        raise RelocationError(gettext("That time is more than a year ago: check the date."))


def _follow_stage(user: Actor, case: Case, target: Stage) -> str:
    """Ask the workflow to move the case; say why not, if it would not."""
    if not workflow.allowed(case.stage, target):
        return gettext("The case stays %(stage)s: it cannot move to %(target)s.") % {
            "stage": case.get_stage_display(),
            "target": target.label,
        }
    if workflow.needs_approval(case, target):
        return gettext(
            "Moving the case to %(target)s needs a second person: ask on the case page."
        ) % {"target": target.label}
    try:
        with transaction.atomic():  # a refused move leaves nothing behind
            case_stages.change_stage(user=user, case_id=case.id, to_stage=target)
    except case_common.CaseError as exc:
        return gettext("The case stays %(stage)s: %(reason)s") % {
            "stage": case.get_stage_display(),
            "reason": exc,
        }
    return ""


@transaction.atomic
def record_departure(
    *,
    user: Actor,
    case_id: str,
    leg_id: str,
    at: datetime | None = None,
    now: datetime | None = None,
) -> LegResult:
    """They set off. The first departure of a case in planning puts it in transit."""
    case = case_for(user, case_id, PLAN)
    now = now or timezone.now()
    at = at or now
    _check_moment(at, now)
    row = _leg_for(case, leg_id)
    if row.status != LegStatus.PLANNED:
        raise RelocationError(gettext("Only a planned leg can set off."))
    before, _after = _neighbours(case, row.position, exclude=row.id)
    if before is not None and before.status != LegStatus.ARRIVED:
        raise RelocationError(
            gettext("Record the arrival of leg %(position)s first.") % {"position": before.position}
        )
    if before is not None and before.actual_arrival and at < before.actual_arrival:
        raise RelocationError(
            gettext("They cannot set off before leg %(position)s arrived.")
            % {"position": before.position}
        )
    row.actual_departure = at
    row.status = LegStatus.UNDER_WAY
    row.save(update_fields=["actual_departure", "status"])
    record(user, "relocation.leg_departed", "leg", row.id)
    note = ""
    if case.stage == Stage.PLANNING:
        note = _follow_stage(user, case, Stage.IN_TRANSIT)
    return LegResult(leg=row, stage_note=note)


@transaction.atomic
def record_arrival(
    *,
    user: Actor,
    case_id: str,
    leg_id: str,
    at: datetime | None = None,
    now: datetime | None = None,
) -> LegResult:
    """They arrived. The arrival of the journey's last leg marks the case arrived."""
    case = case_for(user, case_id, PLAN)
    now = now or timezone.now()
    at = at or now
    _check_moment(at, now)
    row = _leg_for(case, leg_id)
    if row.status != LegStatus.UNDER_WAY:
        raise RelocationError(gettext("Record the departure of this leg first."))
    if row.actual_departure is not None and at < row.actual_departure:
        raise RelocationError(gettext("They cannot arrive before they set off."))
    row.actual_arrival = at
    row.status = LegStatus.ARRIVED
    row.save(update_fields=["actual_arrival", "status"])
    _resolve_leg_alerts(case.id, [row.id], now)
    record(user, "relocation.leg_arrived", "leg", row.id)
    _before, after = _neighbours(case, row.position, exclude=row.id)
    note = ""
    if after is None and case.stage == Stage.IN_TRANSIT:
        note = _follow_stage(user, case, Stage.ARRIVED)
    elif after is None and case.stage != Stage.ARRIVED:
        note = gettext("The case stays %(stage)s.") % {"stage": case.get_stage_display()}
    return LegResult(leg=row, stage_note=note)


@transaction.atomic
def record_leg_check_in(*, user: Actor, case_id: str, leg_id: str) -> None:
    """Staff heard from the person while on a leg: a case check-in (the casework action,
    audited there), which meets the leg's deadline at once."""
    case = case_for(user, case_id, PLAN)
    row = _leg_for(case, leg_id)
    if row.status not in OPEN_LEG:
        raise RelocationError(gettext("This leg is over; record the check-in on the case page."))
    now = timezone.now()
    try:
        case_check_ins.record_check_in(user=user, case_id=case.id, at=now)
    except case_common.CaseError as exc:
        raise RelocationError(str(exc)) from exc
    _resolve_leg_alerts(case.id, [row.id], now)


# --- deadlines --------------------------------------------------------------------------------


def raise_leg_alerts(*, now: datetime) -> int:
    """Alert for every overdue leg (see the module's docstring for the rule); resolve the
    alerts of legs whose deadline has since been met. Returns how many alerts it raised.
    Runs inside ``cases.services.alerts.check_overdue``'s transaction."""
    staff_check_in = CaseCheckIn.objects.filter(
        case_id=OuterRef("case_id"), at__gt=OuterRef("planned_departure"), at__lte=now
    )
    web_check_in = CheckIn.objects.filter(
        request_id=OuterRef("case__source_request_id"),
        at__gt=OuterRef("planned_departure"),
        at__lte=now,
    )
    # One query over the (status, planned_arrival) index: only legs whose deadline passed.
    due = list(
        Leg.objects.select_for_update(of=("self",))
        .filter(status__in=OPEN_LEG, planned_departure__lte=now, planned_arrival__lt=now)
        .annotate(met=Exists(staff_check_in) | Exists(web_check_in))
        .select_related("case")
    )
    if not due:
        return 0
    met = [leg for leg in due if leg.met]
    if met:
        case_alerts.resolve_alerts(kinds=LEG_ALERTS, subjects=[leg.id for leg in met], at=now)
    missed = [leg for leg in due if not leg.met]
    viewers = case_visibility.viewers_of({leg.case_id for leg in missed})
    raised = 0
    for leg in missed:
        raised += case_alerts.alert_each(
            sorted(viewers[leg.case_id].assignees),
            kind=AlertKind.LEG_OVERDUE,
            case=leg.case,
            subject=leg.id,
            now=now,
        )
        supervisor_id = viewers[leg.case_id].supervisor_id
        grace_over = now >= leg.planned_arrival + timedelta(hours=leg.grace_hours)
        if (
            grace_over
            and supervisor_id is not None
            and case_alerts.raise_alert(
                recipient_id=supervisor_id,
                kind=AlertKind.LEG_ESCALATED,
                case=leg.case,
                subject=leg.id,
                now=now,
            )
        ):
            raised += 1
            audit.record(
                actor_id=None,
                action="relocation.leg_escalated",
                object_type="leg",
                object_id=leg.id,
            )
    return raised
