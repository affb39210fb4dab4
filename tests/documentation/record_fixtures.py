"""Fixtures for the record's tests: the casework staff (one per role), a case in the
programme manager's team assigned to the caseworker and granted to the documentation
officer, and helpers that record an event and sources through the services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.cases.conftest import Staff, case, new_case, other_team, staff, team
from waystation.accounts.models import StaffUser
from waystation.cases.models import Case
from waystation.cases.services import access
from waystation.documentation.models import Event, Source
from waystation.documentation.services import record as services

__all__ = ["Staff", "case", "granted", "new_case", "other_team", "staff", "team"]


def grant(staff: Staff, case: Case, grantee: StaffUser) -> None:
    access.grant_access(
        user=staff.manager,
        case_id=case.id,
        grantee_id=grantee.pk,
        reason="Documenting the detention",
        until=timezone.now() + timedelta(days=7),
    )


@pytest.fixture
def granted(staff: Staff, case: Case) -> Case:
    """The case, which the documentation officer may see through a grant."""
    grant(staff, case, staff.documentation)
    return case


def details(**overrides: object) -> services.EventDetails:
    values: dict[str, object] = {
        "kind": "detention",
        "started_on": date(2017, 3, 12),
        "country": "RU",
        "region": "RU-CE",
        "title": "Detentions in Argun",
        "summary": "Men held in a former barracks.",
        "place": "Former barracks",
    }
    values.update(overrides)
    return services.EventDetails(**values)  # type: ignore[arg-type]


def new_event(user: StaffUser, **overrides: object) -> Event:
    return services.record_event(user=user, details=details(**overrides))


def source_details(grade: str = "B2", **overrides: object) -> services.SourceDetails:
    values: dict[str, object] = {
        "kind": "media",
        "reliability": grade[0],
        "credibility": int(grade[1]),
        "obtained_on": date(2017, 4, 1),
        "reference": "Newspaper, 1 April 2017",
        "summary": "Reports the detentions.",
    }
    values.update(overrides)
    return services.SourceDetails(**values)  # type: ignore[arg-type]


def add_source(
    user: StaffUser, event: Event, grade: str = "B2", stance: str = "supports", **overrides: object
) -> Source:
    return services.add_source(
        user=user, event_id=event.id, details=source_details(grade, **overrides), stance=stance
    )
