"""Plans and legs through the services: what is refused saves nothing, and legs move the
case along the workflow through casework's own actions."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from waystation.audit.models import AuditEntry
from waystation.cases.models import Stage, StageChange
from waystation.cases.selectors.visibility import CaseNotFound
from waystation.cases.services import check_ins as case_check_ins
from waystation.relocation.models import Leg, LegStatus, Pathway, RelocationPlan
from waystation.relocation.services import travel
from waystation.relocation.services.common import RelocationError


def leg_input(start: datetime, hours: float = 4, **more: object) -> travel.LegInput:
    values: dict[str, object] = {
        "mode": "bus",
        "planned_departure": start,
        "planned_arrival": start + timedelta(hours=hours),
        "from_country": "RU",
        "to_country": "GE",
        "origin": "Bus station north",
        "destination": "Border crossing",
        "escort": "Volunteer Alpha",
    }
    values.update(more)
    return travel.LegInput(**values)  # type: ignore[arg-type]


def soon(hours: float = 24) -> datetime:
    return timezone.now().replace(microsecond=0) + timedelta(hours=hours)


# --- the plan ---------------------------------------------------------------------------


def test_a_plan_is_made_once_and_changed_after(case, staff):
    plan = travel.PlanInput(
        pathway=Pathway.HUMANITARIAN_VISA, destination_country="de", destination="Berlin host"
    )
    travel.save_plan(user=staff.caseworker, case_id=case.id, plan=plan)
    travel.save_plan(
        user=staff.logistics,
        case_id=case.id,
        plan=travel.PlanInput(pathway=Pathway.UNHCR, destination_country="GE"),
    )
    row = RelocationPlan.objects.get(case=case)
    assert (row.pathway, row.destination_country, row.destination) == (Pathway.UNHCR, "GE", "")
    assert row.data_key_id == case.data_key_id
    actions = set(AuditEntry.objects.filter(object_id=case.id).values_list("action", flat=True))
    assert {"relocation.plan_created", "relocation.plan_changed"} <= actions


@pytest.mark.parametrize(
    "plan, message",
    [
        (travel.PlanInput(pathway="teleport"), "pathway"),
        (travel.PlanInput(pathway=Pathway.UNHCR, destination_country="XY"), "country code"),
        (travel.PlanInput(pathway=Pathway.UNHCR, destination_country="<s>"), "country code"),
        (travel.PlanInput(pathway=Pathway.UNHCR, destination="x" * 501), "500"),
        (travel.PlanInput(pathway=Pathway.UNHCR, notes="x" * 10_001), "10,000"),
    ],
)
def test_a_bad_plan_is_refused_and_saves_nothing(case, staff, plan, message):
    with pytest.raises(RelocationError, match=message):
        travel.save_plan(user=staff.caseworker, case_id=case.id, plan=plan)
    assert not RelocationPlan.objects.exists()


def test_an_outsider_cannot_plan_whatever_the_role(case, staff):
    for outsider in (staff.other_caseworker, staff.other_manager, staff.admin, staff.screener):
        with pytest.raises(CaseNotFound):
            travel.save_plan(
                user=outsider, case_id=case.id, plan=travel.PlanInput(pathway=Pathway.UNHCR)
            )
    assert not RelocationPlan.objects.exists()


# --- legs -------------------------------------------------------------------------------


def test_legs_are_appended_in_order(case, staff):
    first = travel.add_leg(user=staff.logistics, case_id=case.id, leg=leg_input(soon()))
    second = travel.add_leg(user=staff.logistics, case_id=case.id, leg=leg_input(soon(30)))
    assert (first.position, second.position) == (1, 2)
    assert first.data_key_id == case.data_key_id


def test_a_leg_that_arrives_before_it_leaves_is_refused(case, staff):
    start = soon()
    for arrival in (start - timedelta(minutes=1), start):
        with pytest.raises(RelocationError, match="arrive after it leaves"):
            travel.add_leg(
                user=staff.logistics,
                case_id=case.id,
                leg=leg_input(start, planned_arrival=arrival),
            )
    assert not Leg.objects.exists()


def test_a_leg_leaving_before_the_previous_one_arrives_is_refused(case, staff):
    travel.add_leg(user=staff.logistics, case_id=case.id, leg=leg_input(soon(), hours=10))
    with pytest.raises(RelocationError, match="overlap"):
        travel.add_leg(user=staff.logistics, case_id=case.id, leg=leg_input(soon(33)))
    assert Leg.objects.count() == 1


def test_a_cancelled_leg_no_longer_blocks_the_next(case, staff):
    first = travel.add_leg(user=staff.logistics, case_id=case.id, leg=leg_input(soon(), hours=10))
    travel.cancel_leg(user=staff.logistics, case_id=case.id, leg_id=first.id)
    travel.add_leg(user=staff.logistics, case_id=case.id, leg=leg_input(soon(26)))
    assert Leg.objects.exclude(status=LegStatus.CANCELLED).count() == 1


def test_changing_a_leg_into_its_neighbour_is_refused(case, staff):
    first = travel.add_leg(user=staff.logistics, case_id=case.id, leg=leg_input(soon()))
    travel.add_leg(user=staff.logistics, case_id=case.id, leg=leg_input(soon(30)))
    with pytest.raises(RelocationError, match="overlap"):
        travel.change_leg(
            user=staff.logistics, case_id=case.id, leg_id=first.id, leg=leg_input(soon(), hours=7)
        )
    first.refresh_from_db()
    assert first.planned_arrival - first.planned_departure == timedelta(hours=4)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"start": 24 * 365 * 3}, "two years"),
        ({"start": -24 * 400}, "more than a year ago"),
        ({"hours": 24 * 32}, "31 days"),
        ({"planned_departure": datetime(2030, 1, 1, 10)}, "time zone"),
        ({"grace_hours": 73}, "0 to 72"),
        ({"grace_hours": -1}, "0 to 72"),
        ({"mode": "rocket"}, "how they travel"),
        ({"from_country": "ZZZ"}, "country code"),
        ({"escort": "x" * 301}, "300"),
        ({"notes": "x" * 5_001}, "5,000"),
    ],
)
def test_absurd_or_oversized_legs_are_refused(case, staff, change, message):
    values = dict(change)
    start = soon(float(values.pop("start", 24)))
    hours = float(values.pop("hours", 4))
    with pytest.raises(RelocationError, match=message):
        travel.add_leg(user=staff.logistics, case_id=case.id, leg=leg_input(start, hours, **values))
    assert not Leg.objects.exists()


def test_a_leg_of_another_case_is_not_found(case, staff, team):
    from tests.cases.conftest import new_case

    other = new_case(team, [staff.logistics])
    theirs = travel.add_leg(user=staff.logistics, case_id=other.id, leg=leg_input(soon()))
    with pytest.raises(RelocationError, match="No such leg"):
        travel.cancel_leg(user=staff.logistics, case_id=case.id, leg_id=theirs.id)
    theirs.refresh_from_db()
    assert theirs.status == LegStatus.PLANNED


def test_a_role_without_casework_cannot_add_legs_even_with_a_grant(case, staff):
    from waystation.cases.models import AccessGrant

    AccessGrant.objects.create(
        case=case,
        data_key_id=case.data_key_id,
        user=staff.admin,
        granted_by_id=staff.manager.pk,
        until=timezone.now() + timedelta(days=1),
    )
    with pytest.raises(RelocationError, match="role"):
        travel.add_leg(user=staff.admin, case_id=case.id, leg=leg_input(soon()))


# --- departure, arrival and the stage ----------------------------------------------------------


@pytest.fixture
def journey(case, staff):
    """Two legs, the first leaving an hour ago."""
    start = timezone.now() - timedelta(hours=1)
    first = travel.add_leg(user=staff.logistics, case_id=case.id, leg=leg_input(start))
    second = travel.add_leg(
        user=staff.logistics, case_id=case.id, leg=leg_input(start + timedelta(hours=5))
    )
    return case, first, second


def _schedule(case, staff):
    case_check_ins.set_check_in_schedule(user=staff.caseworker, case_id=case.id, every_hours=12)


def test_the_first_departure_puts_the_case_in_transit(journey, staff):
    case, first, _second = journey
    _schedule(case, staff)
    result = travel.record_departure(user=staff.logistics, case_id=case.id, leg_id=first.id)
    case.refresh_from_db()
    assert result.stage_note == ""
    assert case.stage == Stage.IN_TRANSIT
    assert StageChange.objects.filter(case=case, to_stage=Stage.IN_TRANSIT).exists()
    assert AuditEntry.objects.filter(action="case.stage_changed", object_id=case.id).exists()
    first.refresh_from_db()
    assert first.status == LegStatus.UNDER_WAY and first.actual_departure is not None


def test_a_departure_the_workflow_refuses_is_recorded_and_explained(journey, staff):
    case, first, _second = journey  # no check-in schedule: "in transit" needs one
    result = travel.record_departure(user=staff.logistics, case_id=case.id, leg_id=first.id)
    case.refresh_from_db()
    first.refresh_from_db()
    assert first.status == LegStatus.UNDER_WAY
    assert case.stage == Stage.PLANNING
    assert "check-in schedule" in result.stage_note
    assert not StageChange.objects.filter(case=case, to_stage=Stage.IN_TRANSIT).exists()


def test_the_last_arrival_marks_the_case_arrived(journey, staff):
    case, first, second = journey
    _schedule(case, staff)
    travel.record_departure(user=staff.logistics, case_id=case.id, leg_id=first.id)
    travel.record_arrival(user=staff.logistics, case_id=case.id, leg_id=first.id)
    case.refresh_from_db()
    assert case.stage == Stage.IN_TRANSIT  # one leg still to go
    travel.record_departure(user=staff.logistics, case_id=case.id, leg_id=second.id)
    result = travel.record_arrival(user=staff.logistics, case_id=case.id, leg_id=second.id)
    case.refresh_from_db()
    assert case.stage == Stage.ARRIVED and result.stage_note == ""


def test_a_cancelled_last_leg_makes_the_one_before_it_last(journey, staff):
    case, first, second = journey
    _schedule(case, staff)
    travel.cancel_leg(user=staff.logistics, case_id=case.id, leg_id=second.id)
    travel.record_departure(user=staff.logistics, case_id=case.id, leg_id=first.id)
    travel.record_arrival(user=staff.logistics, case_id=case.id, leg_id=first.id)
    case.refresh_from_db()
    assert case.stage == Stage.ARRIVED


def test_the_next_leg_cannot_leave_before_the_previous_arrived(journey, staff):
    case, _first, second = journey
    with pytest.raises(RelocationError, match="arrival of leg 1 first"):
        travel.record_departure(user=staff.logistics, case_id=case.id, leg_id=second.id)


def test_arrival_before_departure_is_refused(journey, staff):
    case, first, _second = journey
    now = timezone.now()
    with pytest.raises(RelocationError, match="departure of this leg first"):
        travel.record_arrival(user=staff.logistics, case_id=case.id, leg_id=first.id)
    travel.record_departure(user=staff.logistics, case_id=case.id, leg_id=first.id, at=now)
    with pytest.raises(RelocationError, match="before they set off"):
        travel.record_arrival(
            user=staff.logistics, case_id=case.id, leg_id=first.id, at=now - timedelta(minutes=1)
        )
    first.refresh_from_db()
    assert first.status == LegStatus.UNDER_WAY and first.actual_arrival is None


def test_a_departure_in_the_future_is_refused(journey, staff):
    case, first, _second = journey
    with pytest.raises(RelocationError, match="future"):
        travel.record_departure(
            user=staff.logistics,
            case_id=case.id,
            leg_id=first.id,
            at=timezone.now() + timedelta(hours=2),
        )
