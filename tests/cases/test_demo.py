"""The demo organisation has a team and cases the demo caseworker can work on."""

from __future__ import annotations

from waystation.accounts.models import StaffUser
from waystation.cases.selectors import visibility
from waystation.demo.people import DEMO_APPLICANTS
from waystation.demo.services import create_demo_organisation


def test_the_demo_caseworker_and_manager_see_the_demo_cases(db):
    create_demo_organisation()
    caseworker = StaffUser.objects.get(username="caseworker")
    manager = StaffUser.objects.get(username="manager")
    admin = StaffUser.objects.get(username="admin")
    assert visibility.visible_cases(caseworker).count() == len(DEMO_APPLICANTS)
    assert visibility.visible_cases(manager).count() == len(DEMO_APPLICANTS)
    assert visibility.visible_cases(admin).count() == 0
