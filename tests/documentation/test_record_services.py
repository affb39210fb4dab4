"""The record's services: what each stores and seals, what each refuses, the audit
entries they write, and the levels stored after every change to sources and citations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.documentation.record_fixtures import (
    Staff,
    add_source,
    case,
    granted,
    new_event,
    other_team,
    source_details,
    staff,
    team,
)
from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.cases.selectors.visibility import CaseNotFound
from waystation.documentation.models import (
    Act,
    Citation,
    Event,
    Level,
    Person,
    Source,
)
from waystation.documentation.services import record as services
from waystation.documentation.services.record_common import RecordError

__all__ = ["case", "granted", "other_team", "staff", "team"]

pytestmark = pytest.mark.django_db


def _levels(event: Event) -> tuple[int, list[int]]:
    event.refresh_from_db()
    return event.level, list(
        Act.objects.filter(event=event).order_by("recorded_at").values_list("level", flat=True)
    )


def _victim_act(user, event: Event) -> Act:
    person = services.add_person(
        user=user, event_id=event.id, details=services.PersonDetails(role="victim", name="Adam")
    )
    return services.add_act(
        user=user,
        event_id=event.id,
        details=services.ActDetails(victim_id=person.id, act_type="arrest"),
    )


def test_an_event_gets_a_key_of_its_own_and_its_acts_and_perpetrators_use_it(staff: Staff):
    officer = staff.documentation
    event = new_event(officer)
    perpetrator = services.add_perpetrator(
        user=officer, event_id=event.id, kind="police", name="District police unit"
    )
    person = services.add_person(
        user=officer,
        event_id=event.id,
        details=services.PersonDetails(role="victim", name="Adam", details={"birth_year": "1990"}),
    )
    act = services.add_act(
        user=officer,
        event_id=event.id,
        details=services.ActDetails(
            victim_id=person.id,
            act_type="torture",
            happened_on=date(2017, 3, 20),
            happened_precision="month",
            perpetrator_ids=[perpetrator.id],
            place_of_detention="Barracks",
        ),
    )
    act.refresh_from_db()
    assert act.data_key_id == event.data_key_id == perpetrator.data_key_id
    assert person.data_key_id not in (event.data_key_id, None)
    assert act.happened_on == date(2017, 3, 1)  # the first day of what is known
    assert list(act.perpetrators.all()) == [perpetrator]
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.name == "Adam" and fresh.details == {"birth_year": "1990"}
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", "object_id"))
    assert ("event.recorded", event.id) in actions and ("act.added", act.id) in actions


def test_dates_codes_and_lengths_are_checked(staff: Staff):
    officer = staff.documentation
    bad = [
        {"started_on": timezone.localdate() + timedelta(days=2)},
        {"started_on": date(1800, 1, 1)},
        {"started_on": None},
        {"ended_on": date(2017, 3, 1)},  # before the start
        {"country": "XX"},
        {"country": "R"},
        {"region": "GE-TB"},  # not in the event's country
        {"region": "RU-CHECHNYA"},
        {"kind": "massacre"},
        {"title": ""},
        {"title": "two\nlines"},
        {"title": "x" * 201},
        {"summary": "y" * 20_001},
        {"started_precision": "week"},
    ]
    for overrides in bad:
        with pytest.raises(RecordError):
            new_event(officer, **overrides)
    assert Event.objects.count() == 0
    event = new_event(officer, started_on=date(2017, 5, 17), started_precision="year", region="")
    assert event.started_on == date(2017, 1, 1) and event.region == ""


def test_only_documentation_officers_record(staff: Staff):
    for user in (staff.manager, staff.caseworker, staff.screener, staff.admin):
        with pytest.raises(RecordError):
            new_event(user)
    event = new_event(staff.documentation)
    with pytest.raises(RecordError):
        add_source(staff.manager, event)
    assert Source.objects.count() == 0


def test_an_act_takes_only_a_victim_and_perpetrators_of_its_own_event(staff: Staff):
    officer = staff.documentation
    first, second = new_event(officer), new_event(officer, title="Another")
    theirs = services.add_person(
        user=officer, event_id=second.id, details=services.PersonDetails(role="victim", name="B")
    )
    ours = services.add_person(
        user=officer, event_id=first.id, details=services.PersonDetails(role="victim", name="A")
    )
    their_perpetrator = services.add_perpetrator(user=officer, event_id=second.id, kind="police")
    with pytest.raises(RecordError, match="persons of this event"):
        services.add_act(
            user=officer,
            event_id=first.id,
            details=services.ActDetails(victim_id=theirs.id, act_type="arrest"),
        )
    with pytest.raises(RecordError, match="perpetrators"):
        services.add_act(
            user=officer,
            event_id=first.id,
            details=services.ActDetails(
                victim_id=ours.id, act_type="arrest", perpetrator_ids=[their_perpetrator.id]
            ),
        )
    assert Act.objects.count() == 0


def test_levels_follow_the_sources_and_fall_back_when_one_is_unlinked(staff: Staff):
    officer = staff.documentation
    event = new_event(officer)
    act = _victim_act(officer, event)
    assert _levels(event) == (Level.UNSOURCED, [Level.UNSOURCED])
    first = add_source(officer, event, "B2")
    assert _levels(event) == (Level.CREDIBLE, [Level.UNSOURCED])
    retelling = add_source(officer, event, "A1", same_origin_as=first.id)
    assert retelling.group_id == first.group_id
    assert _levels(event) == (Level.CREDIBLE, [Level.UNSOURCED])
    second = add_source(officer, event, "C3")
    assert _levels(event) == (Level.CORROBORATED, [Level.UNSOURCED])
    services.cite(user=officer, source_id=second.id, event_id=event.id, act_id=act.id)
    assert _levels(event) == (Level.CORROBORATED, [Level.SINGLE_SOURCE])
    with pytest.raises(RecordError, match="already cited"):
        services.cite(user=officer, source_id=second.id, event_id=event.id, act_id=act.id)
    citation = Citation.objects.get(source=first, act__isnull=True)
    services.unlink_citation(user=officer, event_id=event.id, citation_id=citation.id)
    # The retelling now counts for its group: it is the first of it still cited.
    assert _levels(event) == (Level.CORROBORATED, [Level.SINGLE_SOURCE])
    services.change_source(user=officer, source_id=second.id, details=source_details("B2"))
    assert _levels(event) == (Level.CORROBORATED, [Level.CREDIBLE])
    add_source(officer, event, "C3", stance="contradicts")
    assert _levels(event) == (Level.DISPUTED, [Level.CREDIBLE])


def test_a_citation_of_an_act_of_another_event_is_refused(staff: Staff):
    officer = staff.documentation
    first, second = new_event(officer), new_event(officer, title="Another")
    act = _victim_act(officer, second)
    source = add_source(officer, first)
    with pytest.raises(RecordError, match="act"):
        services.cite(user=officer, source_id=source.id, event_id=first.id, act_id=act.id)
    other_citation = Citation.objects.get(source=source)
    with pytest.raises(RecordError):
        services.unlink_citation(user=officer, event_id=second.id, citation_id=other_citation.id)
    assert Citation.objects.count() == 1


def test_the_case_person_and_account_are_sealed_with_the_case_key(staff: Staff, granted):
    officer = staff.documentation
    event = new_event(officer)
    added = services.add_from_case(
        user=officer,
        event_id=event.id,
        taken=services.FromCase(
            case_id=granted.id, person_role="victim", source=source_details("B2", kind="media")
        ),
    )
    person, source = added
    assert isinstance(person, Person) and isinstance(source, Source)
    assert person.data_key_id == granted.data_key_id == source.data_key_id
    assert Person.objects.get(pk=person.pk).name == "Test Person"
    assert Source.objects.get(pk=source.pk).kind == "victim_testimony"
    event.refresh_from_db()
    assert event.level == Level.CREDIBLE
    with pytest.raises(RecordError, match="already"):
        services.add_case_person(user=officer, event_id=event.id, case_id=granted.id)


def test_a_case_one_may_not_see_is_not_found_and_nothing_is_added(staff: Staff, case):
    event = new_event(staff.documentation)
    with pytest.raises(CaseNotFound):
        services.add_from_case(
            user=staff.documentation,
            event_id=event.id,
            taken=services.FromCase(case_id=case.id, person_role="victim", source=source_details()),
        )
    assert Person.objects.count() == 0 and Source.objects.count() == 0


def test_a_source_of_a_case_one_may_not_see_cannot_be_joined_or_cited(staff: Staff, granted):
    officer = staff.documentation
    event = new_event(officer)
    _, source = services.add_from_case(
        user=officer,
        event_id=event.id,
        taken=services.FromCase(case_id=granted.id, person_role="victim", source=source_details()),
    )
    other = make_staff(Role.DOCUMENTATION, "otherofficer")  # no grant on the case
    with pytest.raises(RecordError):
        add_source(other, event, same_origin_as=source.id)
    with pytest.raises(RecordError):
        services.cite(user=other, source_id=source.id, event_id=event.id)
    citation = Citation.objects.get(source=source)
    with pytest.raises(RecordError):
        services.unlink_citation(user=other, event_id=event.id, citation_id=citation.id)
    assert Citation.objects.count() == 1
