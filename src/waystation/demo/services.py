"""Creating the demo organisation. Demo mode only: refuses to run on a real installation."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction

from waystation.accounts import services as accounts
from waystation.accounts.models import StaffUser
from waystation.accounts.roles import Role
from waystation.accounts.services import DemoStaff
from waystation.cases.services import ManualIntake, create_team, open_case_manually
from waystation.demo.people import DEMO_APPLICANTS, DEMO_STAFF


class DemoRefused(Exception):
    pass


def demo_organisation_exists() -> bool:
    return StaffUser.objects.filter(username__in=DEMO_STAFF.values()).exists()


@transaction.atomic
def create_demo_organisation() -> list[DemoStaff]:
    """Staff for every role (with passwords and two-factor secrets returned once, for the
    tester to sign in) and a few invented cases. Needs the vault unsealed."""
    if not settings.DEMO_MODE:
        raise DemoRefused("the demo organisation is only created in WAYSTATION_MODE=demo")
    if demo_organisation_exists():
        raise DemoRefused("the demo organisation already exists")
    staff = [
        accounts.provision_demo_staff(
            username=username, role=role, password=f"demo-{secrets.token_urlsafe(9)}"
        )
        for role, username in DEMO_STAFF.items()
    ]
    # One team, supervised by the demo programme manager; the demo caseworker has the cases.
    manager = StaffUser.objects.get(username=DEMO_STAFF[Role.PROGRAMME_MANAGER])
    caseworker = StaffUser.objects.get(username=DEMO_STAFF[Role.CASEWORKER])
    team = create_team(actor_id=None, name="Demo team", supervisor_id=manager.pk)
    for person in DEMO_APPLICANTS:
        open_case_manually(
            actor_id=None,
            intake=ManualIntake(
                full_name=person.full_name,
                phone=person.phone,
                narrative=person.narrative,
                urgency=person.urgency,
                channel=person.channel,
                country=person.country,
            ),
            team_id=team.pk,
            assignee_ids=[caseworker.pk],
        )
    return staff
