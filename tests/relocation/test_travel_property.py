"""Whatever sequence of adds, changes and cancels staff type in, no stored leg arrives
before it leaves or overlaps the non-cancelled leg before it."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.relocation.test_travel import leg_input
from waystation.relocation.models import Leg, LegStatus
from waystation.relocation.services import travel
from waystation.relocation.services.common import RelocationError

# Offsets in hours from a fixed start: small enough that overlaps are frequent.
hours = st.integers(min_value=-30, max_value=60)
action = st.tuples(st.sampled_from(["add", "change", "cancel"]), hours, hours, st.integers(0, 5))


def _journey_is_sound(case) -> None:
    previous = None
    for leg in Leg.objects.filter(case=case).order_by("position"):
        assert leg.planned_arrival > leg.planned_departure
        if leg.status == LegStatus.CANCELLED:
            continue
        if previous is not None:
            assert leg.planned_departure >= previous.planned_arrival
        previous = leg


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(action, min_size=1, max_size=8))
def test_random_leg_sequences_never_store_a_bad_journey(case, staff, actions):
    Leg.objects.filter(case=case).delete()
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    for kind, leave, length, pick in actions:
        departure = start + timedelta(hours=leave)
        arrival = departure + timedelta(hours=length)  # length may be zero or negative
        legs = list(Leg.objects.filter(case=case).order_by("position"))
        try:
            if kind == "add" or not legs:
                travel.add_leg(
                    user=staff.logistics,
                    case_id=case.id,
                    leg=leg_input(departure, planned_arrival=arrival),
                )
            elif kind == "change":
                travel.change_leg(
                    user=staff.logistics,
                    case_id=case.id,
                    leg_id=legs[pick % len(legs)].id,
                    leg=leg_input(departure, planned_arrival=arrival),
                )
            else:
                travel.cancel_leg(
                    user=staff.logistics, case_id=case.id, leg_id=legs[pick % len(legs)].id
                )
        except RelocationError:
            pass
        _journey_is_sound(case)
