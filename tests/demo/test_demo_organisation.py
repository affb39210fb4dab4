"""The demo organisation: invented people, one staff member per role, demo mode only."""

import pytest
from django.core.management import CommandError, call_command

from waystation.accounts.models import StaffUser
from waystation.accounts.roles import Role
from waystation.accounts.selectors import role_of
from waystation.cases.models import Case
from waystation.demo import services
from waystation.demo.people import DEMO_APPLICANTS, DEMO_STAFF

pytestmark = pytest.mark.django_db


def test_creates_one_signed_in_ready_member_of_staff_per_role():
    staff = services.create_demo_organisation()

    assert {member.role for member in staff} == set(Role)
    for member in staff:
        user = StaffUser.objects.get(username=member.username)
        assert role_of(user) == member.role
        assert user.check_password(member.password)
        assert len(member.totp_secret_base32) >= 16 and member.recovery_codes
    assert Case.objects.count() >= len(DEMO_APPLICANTS)


def test_is_created_only_once():
    services.create_demo_organisation()

    with pytest.raises(services.DemoRefused, match="already exists"):
        services.create_demo_organisation()
    assert StaffUser.objects.filter(username__in=DEMO_STAFF.values()).count() == len(Role)


def test_is_refused_outside_demo_mode(settings):
    settings.DEMO_MODE = False

    with pytest.raises(services.DemoRefused, match="only created in WAYSTATION_MODE=demo"):
        services.create_demo_organisation()
    assert not StaffUser.objects.exists()


def test_demo_people_are_marked_as_invented():
    assert all("(Demo)" in person.narrative for person in DEMO_APPLICANTS)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--workers", "0"], "--workers"),
        (["--workers", "99"], "--workers"),
        (["--staff-port", "80"], "--staff-port"),
        (["--public-port", "70000"], "--public-port"),
        (["--staff-port", "9000", "--public-port", "9000"], "different ports"),
    ],
)
def test_serve_refuses_bad_arguments_before_starting_anything(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("demo", "serve", *args)
    assert not StaffUser.objects.exists()


def test_serve_is_refused_outside_demo_mode(settings):
    settings.DEMO_MODE = False

    with pytest.raises(CommandError, match="only with WAYSTATION_MODE=demo"):
        call_command("demo", "serve")


def test_has_something_on_every_relocation_page():
    from django.utils import timezone

    from waystation.cases.models import Alert, AlertKind
    from waystation.cases.services.alerts import check_overdue
    from waystation.relocation.models import (
        Budget,
        Leg,
        Payment,
        PaymentStatus,
        Placement,
        RelocationPlan,
        SafeHouse,
        TravelDocument,
    )

    services.create_demo_organisation()

    assert SafeHouse.objects.count() == 1 and Placement.objects.count() == 2
    assert RelocationPlan.objects.count() == 1 and Leg.objects.count() == 2
    assert Budget.objects.count() >= 5
    statuses = sorted(Payment.objects.values_list("status", flat=True))
    assert statuses == [PaymentStatus.APPROVED, PaymentStatus.AWAITING_APPROVAL]
    manager = StaffUser.objects.get(username=DEMO_STAFF[Role.PROGRAMME_MANAGER])
    assert Alert.objects.filter(recipient=manager, kind=AlertKind.PAYMENT_APPROVAL).exists()
    document = TravelDocument.objects.get()
    assert document.number_index and document.expires_on
    check_overdue(now=timezone.now())
    assert Alert.objects.filter(kind=AlertKind.DOCUMENT_EXPIRING, case=document.case).exists()


def test_has_events_of_several_levels_in_the_record():
    from waystation.documentation.models import Event, Level, Person

    services.create_demo_organisation()

    levels = sorted(Event.objects.values_list("level", flat=True))
    assert levels == [Level.SINGLE_SOURCE, Level.CORROBORATED, Level.DISPUTED]
    from_case = Person.objects.get(case__isnull=False)
    assert from_case.data_key_id == from_case.case.data_key_id
