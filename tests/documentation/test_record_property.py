"""The corroboration rule's two promises, held through the services and the stored
levels (not only by ``corroboration.level`` on its own): whatever sources an event and
its act already have, a source of an origin already counted never changes a stored
level, and a good (B2 or better) supporting source of a new origin never lowers one."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.documentation.record_fixtures import new_event, source_details, staff
from waystation.documentation.models import Act, Event, Level, Person
from waystation.documentation.services import record as services

__all__ = ["staff"]

grades = st.tuples(st.sampled_from("ABCDEF"), st.integers(min_value=1, max_value=6)).map(
    lambda g: f"{g[0]}{g[1]}"
)
stances = st.sampled_from(["supports", "contradicts"])
# A source as added: its grade, its stance, whether it is cited on the act too, and the
# origin: None for a new one, or the index of an earlier source it shares its origin with.
added = st.tuples(grades, stances, st.booleans(), st.none() | st.integers(min_value=0))


def _order(value: int) -> int:
    return -1 if value == Level.DISPUTED else value


def _levels(event: Event, act: Act) -> tuple[int, int]:
    return (
        Event.objects.get(pk=event.pk).level,
        Act.objects.get(pk=act.pk).level,
    )


def _add(officer, event, act, sources, grade, stance, on_act, origin):
    same = "" if origin is None or not sources else sources[origin % len(sources)].id
    source = services.add_source(
        user=officer,
        event_id=event.id,
        details=source_details(grade, same_origin_as=same),
        stance=stance,
    )
    if on_act:
        services.cite(
            user=officer, source_id=source.id, event_id=event.id, act_id=act.id, stance=stance
        )
    sources.append(source)
    return source


def _world(officer):
    event = new_event(officer)
    victim = services.add_person(
        user=officer, event_id=event.id, details=services.PersonDetails(role="victim")
    )
    act = services.add_act(
        user=officer,
        event_id=event.id,
        details=services.ActDetails(
            victim_id=Person.objects.get(pk=victim.pk).id, act_type="arrest"
        ),
    )
    return event, act


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    recorded=st.lists(added, max_size=5),
    again=st.tuples(grades, stances, st.booleans(), st.integers(min_value=0)),
)
def _counted_origin(staff, recorded, again):
    officer = staff.documentation
    event, act = _world(officer)
    sources: list = []
    for step in recorded:
        _add(officer, event, act, sources, *step)
    if not sources:
        return
    grade, stance, on_act, origin = again
    # Only sources already cited where the new one is cited share a counted group: on
    # the act, take one cited on the act (else cite the event only).
    on_act_ids = set(act.citations.values_list("source_id", flat=True))
    if on_act and on_act_ids:
        candidates = [s for s in sources if s.id in on_act_ids]
    else:
        candidates, on_act = sources, False
    before = _levels(event, act)
    _add(officer, event, act, candidates, grade, stance, on_act, origin)
    assert _levels(event, act) == before


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    recorded=st.lists(added, max_size=5),
    good=st.sampled_from(["A1", "A2", "B1", "B2"]),
    on_act=st.booleans(),
)
def _new_good_origin(staff, recorded, good, on_act):
    officer = staff.documentation
    event, act = _world(officer)
    sources: list = []
    for step in recorded:
        _add(officer, event, act, sources, *step)
    before = _levels(event, act)
    _add(officer, event, act, sources, good, "supports", on_act, None)
    after = _levels(event, act)
    for was, now in zip(before, after, strict=True):
        if was == Level.DISPUTED:
            assert now == Level.DISPUTED
        else:
            assert _order(now) >= _order(was)


def test_a_source_of_an_origin_already_counted_never_changes_a_stored_level(staff):
    _counted_origin(staff)


def test_a_good_supporting_source_of_a_new_origin_never_lowers_a_stored_level(staff):
    _new_good_origin(staff)
