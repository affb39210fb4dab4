"""Fixtures for relocation: the casework staff and teams, and a case in planning that
the caseworker and the logistics coordinator are assigned to."""

from __future__ import annotations

import pytest

from tests.cases.conftest import Staff, new_case, other_team, staff, team
from waystation.cases.models import Case, Stage, Team

__all__ = ["Staff", "new_case", "other_team", "staff", "team"]


@pytest.fixture
def case(staff: Staff, team: Team) -> Case:
    """A case in planning, assigned to the caseworker and the logistics coordinator."""
    opened = new_case(team, [staff.caseworker, staff.logistics], full_name="Relocated Person")
    Case.objects.filter(pk=opened.pk).update(stage=Stage.PLANNING)
    opened.refresh_from_db()
    return opened
