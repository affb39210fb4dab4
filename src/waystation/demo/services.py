"""Creating the demo organisation. Demo mode only: refuses to run on a real installation."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from waystation.accounts import services as accounts
from waystation.accounts.models import StaffUser
from waystation.accounts.roles import Role
from waystation.accounts.services import DemoStaff
from waystation.api.services import tokens as api_tokens
from waystation.cases.models import Case, Stage
from waystation.cases.services.access import create_team
from waystation.cases.services.opening import ManualIntake, open_case_manually
from waystation.demo.people import (
    DEMO_APPLICANTS,
    DEMO_BUDGETS,
    DEMO_PARTNERS,
    DEMO_SECOND_MANAGER,
    DEMO_STAFF,
)
from waystation.demo.record import demo_record
from waystation.filemodes import make_private_folder, write_private_file
from waystation.partners.services import identity as partner_identity
from waystation.partners.services import partners as partner_services
from waystation.partners.services import referrals as partner_referrals
from waystation.relocation.models import (
    BudgetCategory,
    DocumentKind,
    DocumentStatus,
    Pathway,
    TransportMode,
)
from waystation.relocation.services import documents, houses, money, travel
from waystation.vault import age


class DemoRefused(Exception):
    pass


def demo_api_token(*, username: str, scope: str = "write") -> str:
    """A token for one of the demo organisation's accounts, for tools and tests that
    reach the API without a browser. Only in demo mode, and only for the demo's own
    invented staff: never for an account someone made by hand."""
    if not settings.DEMO_MODE:
        raise DemoRefused("`demo api-token` runs only with WAYSTATION_MODE=demo")
    if username not in DEMO_STAFF.values():
        raise DemoRefused(f"not a demo account; the demo's are: {', '.join(DEMO_STAFF.values())}")
    user = StaffUser.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise DemoRefused("that demo account does not exist yet: run `demo serve` first")
    try:
        return api_tokens.issue_demo_token(user=user, scope=scope).secret
    except api_tokens.TokenError as exc:
        raise DemoRefused(str(exc)) from exc


def demo_password() -> str:
    """A throwaway password for a demo account. Digits after the prefix: a random mix of
    letters was now and then refused as too like the account's name ("documentation")."""
    return f"demo-{secrets.randbelow(10**16):016d}"


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
        accounts.provision_demo_staff(username=username, role=role, password=demo_password())
        for role, username in DEMO_STAFF.items()
    ]
    # One team, supervised by the demo programme manager; the demo caseworker has the cases.
    manager = StaffUser.objects.get(username=DEMO_STAFF[Role.PROGRAMME_MANAGER])
    caseworker = StaffUser.objects.get(username=DEMO_STAFF[Role.CASEWORKER])
    logistics = StaffUser.objects.get(username=DEMO_STAFF[Role.LOGISTICS])
    team = create_team(actor_id=None, name="Demo team", supervisor_id=manager.pk)
    cases = [
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
            # The logistics coordinator works the cases that are moving, like a real one.
            assignee_ids=[caseworker.pk, logistics.pk] if person.moving else [caseworker.pk],
        )
        for person in DEMO_APPLICANTS
    ]
    _demo_relocation(manager=manager, logistics=logistics, cases=cases)
    second = accounts.provision_demo_staff(
        username=DEMO_SECOND_MANAGER,
        role=Role.PROGRAMME_MANAGER,
        password=demo_password(),
    )
    staff.append(second)
    _demo_partners(
        manager=manager,
        second=StaffUser.objects.get(username=DEMO_SECOND_MANAGER),
        caseworker=caseworker,
        case=cases[0],
    )
    demo_record(
        manager=manager,
        officer=StaffUser.objects.get(username=DEMO_STAFF[Role.DOCUMENTATION]),
        case=cases[0],
    )
    return staff


def _demo_partners(
    *, manager: StaffUser, second: StaffUser, caseworker: StaffUser, case: Case
) -> None:
    """Three invented partners, each with a key proposed by one programme manager and
    approved by the other, and their private keys in the data folder (demo only) so a
    tester can open what is sent to them: ``age -d -i partner-keys/<name>.agekey``. One
    draft referral waits for consent on the first case."""
    folder = settings.DATA_DIR / "partner-keys"
    make_private_folder(folder)
    partner_identity.ensure_installation_identity(actor_id=None)
    partners = []
    for demo in DEMO_PARTNERS:
        partner = partner_services.add_partner(
            user=manager,
            details=partner_services.PartnerDetails(
                name=demo.name, country=demo.country, kinds=demo.kinds, contacts=demo.contacts
            ),
        )
        made = age.new_identity()
        path = folder / demo.key_file
        if path.exists():  # left by an earlier demo in the same folder
            path.unlink()
        write_private_file(
            path,
            f"# DEMO partner key for {demo.name}: invented, not for real data\n{made.secret}\n",
        )
        change = partner_services.propose_key(
            user=manager, partner_id=partner.id, recipient=made.recipient
        )
        partner_services.decide_key_change(user=second, change_id=change.id, approve=True)
        partners.append(partner)
    partner_referrals.create_referral(
        user=caseworker,
        case_id=case.id,
        draft=partner_referrals.ReferralDraft(
            partner_id=partners[0].id,
            purpose="Shelter on arrival and help with the asylum claim",
            parts=["summary", "relocation_needs"],
            summary="Invented demo person; needs a safe place to stay on arrival.",
            relocation_needs="A bed for two weeks from arrival; Russian-speaking staff.",
        ),
    )


def _demo_relocation(*, manager: StaffUser, logistics: StaffUser, cases: list[Case]) -> None:
    """A programme with budgets, a safe house, a journey of two legs, a passport about to
    expire and two payments, one of them waiting for the manager's approval: enough for
    a tester to see every relocation page with something on it."""
    today = timezone.localdate()
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    programme = money.create_programme(user=manager, name="Demo evacuation programme")
    year = date(today.year, 1, 1), date(today.year, 12, 31)
    for category, euros in DEMO_BUDGETS.items():
        money.set_budget(
            user=manager,
            programme_id=programme.pk,
            category=category,
            period_start=year[0],
            period_end=year[1],
            amount_minor=euros * 100,
        )
    house = houses.add_house(
        user=logistics,
        details=houses.HouseDetails(
            label="House A",
            country="GE",
            beds=4,
            address="(Demo) 1 Invented Street, Example Town",
            contacts="(Demo) Host: Nino Exampleshvili, +995 500 00 00 99",
        ),
    )
    moving, settling = cases[1], cases[2]
    for case in (moving, settling):
        Case.objects.filter(pk=case.pk).update(stage=Stage.PLANNING)
    travel.save_plan(
        user=logistics,
        case_id=moving.pk,
        plan=travel.PlanInput(
            pathway=Pathway.HUMANITARIAN_VISA,
            destination_country="DE",
            destination="(Demo) a partner shelter in an invented city",
        ),
    )
    first_departure = now + timedelta(days=3)
    travel.add_leg(
        user=logistics,
        case_id=moving.pk,
        leg=travel.LegInput(
            mode=TransportMode.BUS,
            planned_departure=first_departure,
            planned_arrival=first_departure + timedelta(hours=20),
            from_country="RU",
            to_country="GE",
            origin="(Demo) a bus station",
            destination="(Demo) the border crossing",
            escort="(Demo) volunteer driver",
        ),
    )
    travel.add_leg(
        user=logistics,
        case_id=moving.pk,
        leg=travel.LegInput(
            mode=TransportMode.PLANE,
            planned_departure=first_departure + timedelta(days=5),
            planned_arrival=first_departure + timedelta(days=5, hours=6),
            from_country="GE",
            to_country="DE",
            origin="(Demo) Example Town airport",
            destination="(Demo) Invented City airport",
        ),
    )
    houses.add_placement(
        user=logistics,
        case_id=moving.pk,
        stay=houses.StayRequest(
            house_id=house.pk,
            arrives_on=(first_departure + timedelta(days=1)).date(),
            leaves_on=(first_departure + timedelta(days=5)).date(),
        ),
    )
    houses.add_placement(
        user=logistics,
        case_id=settling.pk,
        stay=houses.StayRequest(
            house_id=house.pk, arrives_on=today, leaves_on=today + timedelta(days=21)
        ),
    )
    documents.add_document(
        user=logistics,
        case_id=moving.pk,
        document=documents.DocumentInput(
            kind=DocumentKind.PASSPORT,
            status=DocumentStatus.ISSUED,
            country="RU",
            issued_on=today - timedelta(days=3650 - 20),
            expires_on=today + timedelta(days=20),
            number="00 0000000",
        ),
    )
    money.record_rate(user=logistics, currency="RUB", day=today, rate=Decimal("0.0105"))
    money.record_payment(
        user=logistics,
        case_id=moving.pk,
        programme_id=programme.pk,
        category=BudgetCategory.DOMESTIC_TRAVEL,
        currency="RUB",
        amount_minor=4_500_00,
        paid_on=today,
        payee="(Demo) bus company",
        purpose="(Demo) ticket to the border",
    )
    money.record_payment(  # above the threshold: waits for the manager
        user=logistics,
        case_id=moving.pk,
        programme_id=programme.pk,
        category=BudgetCategory.VISAS_DEPARTURE,
        currency="EUR",
        amount_minor=820_00,
        paid_on=today,
        payee="(Demo) an invented travel agency",
        purpose="(Demo) flight ticket",
    )
