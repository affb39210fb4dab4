"""Safe houses and stays: capacity, one person in one place a night, who may open an
address, and what bad input gets."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.template.loader import render_to_string

from tests.factories import make_staff
from tests.relocation.conftest import Staff, new_case
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.cases.models import Case, Team
from waystation.cases.selectors.visibility import CaseNotFound
from waystation.relocation.models import Placement, PlacementStatus, SafeHouse, SafeHouseKeyholder
from waystation.relocation.selectors import houses as selectors
from waystation.relocation.services import houses as services
from waystation.relocation.services.common import RelocationError

ADDRESS = "Ulitsa Qxhousemarker 12, flat 4"
CONTACTS = "Host Qxhostmarker +995 555 010 203"


def today() -> date:
    from django.utils import timezone

    return timezone.localdate()


def day(n: int) -> date:
    return today() + timedelta(days=n)


def add_house(user, *, label: str = "House 3", beds: int = 2) -> SafeHouse:
    return services.add_house(
        user=user,
        details=services.HouseDetails(
            label=label, country="ge", beds=beds, address=ADDRESS, contacts=CONTACTS
        ),
    )


def book(user, case: Case, house: SafeHouse, start: int, end: int, beds: int = 1) -> Placement:
    return services.add_placement(
        user=user,
        case_id=case.id,
        stay=services.StayRequest(
            house_id=house.id, arrives_on=day(start), leaves_on=day(end), beds=beds
        ),
    )


def actions(**filters: str) -> list[str]:
    return list(
        AuditEntry.objects.filter(**filters).order_by("seq").values_list("action", flat=True)
    )


@pytest.fixture
def house(staff: Staff) -> SafeHouse:
    return add_house(staff.logistics)


@pytest.fixture
def second_case(staff: Staff, team: Team) -> Case:
    return new_case(team, [staff.caseworker, staff.logistics], full_name="Second Person")


# --- houses -----------------------------------------------------------------------------------


def test_adding_a_house_seals_it_under_its_own_key_and_makes_a_keyholder(staff, house, case):
    assert house.data_key_id != case.data_key_id
    assert SafeHouse.objects.exclude(pk=house.pk).filter(data_key_id=house.data_key_id).count() == 0
    assert house.country == "GE"
    assert SafeHouseKeyholder.objects.filter(house=house, user=staff.logistics).exists()
    assert actions(object_id=house.id) == ["safe_house.created", "safe_house.keyholder_added"]
    fresh = SafeHouse.objects.get(pk=house.pk)
    assert fresh.address == ADDRESS


def test_adding_a_house_needs_the_permission(staff):
    with pytest.raises(RelocationError, match="does not allow"):
        add_house(staff.caseworker)
    assert not SafeHouse.objects.exists()


def test_house_labels_are_unique_whatever_their_case(staff, house):
    with pytest.raises(RelocationError, match="label"):
        add_house(staff.manager, label="HOUSE 3")
    assert SafeHouse.objects.count() == 1


def test_beds_cannot_drop_below_a_coming_night(staff, house, case, second_case):
    book(staff.logistics, case, house, 3, 5)
    book(staff.logistics, second_case, house, 4, 6)
    with pytest.raises(RelocationError, match=f"{day(4):%Y-%m-%d}"):
        services.change_beds(user=staff.logistics, house_id=house.id, beds=1)
    assert SafeHouse.objects.get(pk=house.pk).beds == 2
    services.change_beds(user=staff.logistics, house_id=house.id, beds=5)
    assert SafeHouse.objects.get(pk=house.pk).beds == 5
    assert "safe_house.beds_changed" in actions(object_id=house.id)


def test_past_nights_do_not_hold_beds_up(staff, house, case, second_case):
    book(staff.logistics, case, house, -10, -5)
    book(staff.logistics, second_case, house, -9, -6)
    services.change_beds(user=staff.logistics, house_id=house.id, beds=1)
    assert SafeHouse.objects.get(pk=house.pk).beds == 1


def test_deactivating_is_refused_while_stays_are_coming(staff, house, case):
    stay = book(staff.logistics, case, house, 2, 4)
    with pytest.raises(RelocationError, match="still planned"):
        services.deactivate_house(user=staff.logistics, house_id=house.id)
    services.cancel_placement(user=staff.caseworker, case_id=case.id, placement_id=stay.id)
    services.deactivate_house(user=staff.logistics, house_id=house.id)
    assert not SafeHouse.objects.get(pk=house.pk).active
    with pytest.raises(RelocationError, match="inactive"):
        book(staff.logistics, case, house, 2, 4)


def test_keyholders_hand_keys_to_casework_staff_only(staff, house):
    services.add_keyholder(
        user=staff.logistics, house_id=house.id, keyholder_id=staff.caseworker.pk
    )
    for refused in (staff.admin, staff.screener):
        with pytest.raises(RelocationError, match="active staff who work cases"):
            services.add_keyholder(user=staff.logistics, house_id=house.id, keyholder_id=refused.pk)
    with pytest.raises(RelocationError):
        services.add_keyholder(user=staff.logistics, house_id=house.id, keyholder_id=10**9)
    holders = set(SafeHouseKeyholder.objects.filter(house=house).values_list("user_id", flat=True))
    assert holders == {staff.logistics.pk, staff.caseworker.pk}


def test_only_keyholders_who_manage_houses_change_keyholders(staff, house):
    services.add_keyholder(
        user=staff.logistics, house_id=house.id, keyholder_id=staff.caseworker.pk
    )
    # The manager manages houses but holds no key; the caseworker holds one but may not manage.
    for who in (staff.manager, staff.caseworker):
        with pytest.raises(RelocationError):
            services.add_keyholder(user=who, house_id=house.id, keyholder_id=staff.manager.pk)
    assert not SafeHouseKeyholder.objects.filter(house=house, user=staff.manager).exists()


def test_the_last_key_is_never_taken_back(staff, house):
    with pytest.raises(RelocationError, match="at least one keyholder"):
        services.remove_keyholder(
            user=staff.logistics, house_id=house.id, keyholder_id=staff.logistics.pk
        )
    services.add_keyholder(user=staff.logistics, house_id=house.id, keyholder_id=staff.manager.pk)
    services.remove_keyholder(
        user=staff.manager, house_id=house.id, keyholder_id=staff.logistics.pk
    )
    assert list(
        SafeHouseKeyholder.objects.filter(house=house).values_list("user_id", flat=True)
    ) == [staff.manager.pk]
    assert actions(object_id=house.id)[-1] == "safe_house.keyholder_removed"


# --- stays -----------------------------------------------------------------------------------


def test_overbooking_is_refused_naming_the_night_and_the_free_beds(staff, house, case, second_case):
    third = new_case(None, [staff.caseworker, staff.logistics], full_name="Third Person")
    book(staff.logistics, case, house, 1, 5)
    book(staff.logistics, second_case, house, 3, 4)
    with pytest.raises(RelocationError) as refused:
        book(staff.logistics, third, house, 2, 6)
    assert f"{day(3):%Y-%m-%d}" in str(refused.value)
    assert "0 beds free of 2" in str(refused.value)
    assert not Placement.objects.filter(case=third).exists()
    with pytest.raises(RelocationError, match="1 bed free of 2, 2 asked for"):
        book(staff.logistics, third, house, 4, 6, beds=2)


def test_leaving_on_the_day_another_arrives_shares_no_night(staff, house, case, second_case):
    services.change_beds(user=staff.logistics, house_id=house.id, beds=1)
    book(staff.logistics, case, house, 1, 4)
    book(staff.logistics, second_case, house, 4, 7)  # arrives on the day the first leaves
    with pytest.raises(RelocationError, match=f"{day(3):%Y-%m-%d}"):
        book(staff.logistics, new_case(None, [staff.caseworker, staff.logistics]), house, 3, 5)
    assert Placement.objects.filter(house=house).count() == 2


def test_cancelled_stays_free_their_beds(staff, house, case, second_case):
    services.change_beds(user=staff.logistics, house_id=house.id, beds=1)
    stay = book(staff.logistics, case, house, 1, 4)
    services.cancel_placement(user=staff.caseworker, case_id=case.id, placement_id=stay.id)
    book(staff.logistics, second_case, house, 1, 4)


def test_one_person_is_never_in_two_places_on_one_night(staff, house, case):
    other_house = add_house(staff.logistics, label="House 4")
    book(staff.logistics, case, house, 1, 5)
    with pytest.raises(RelocationError) as refused:
        book(staff.logistics, case, other_house, 4, 8)
    assert f"from {day(1):%Y-%m-%d} to {day(5):%Y-%m-%d}" in str(refused.value)
    book(staff.logistics, case, other_house, 5, 8)  # moving house on the morning of day 5
    assert Placement.objects.filter(case=case).count() == 2


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (3, 3, "after the day of arrival"),
        (5, 2, "after the day of arrival"),
        (1, 800, "two years"),
        (-800, 2, "two years"),
    ],
)
def test_impossible_dates_are_refused(staff, house, case, start, end, message):
    with pytest.raises(RelocationError, match=message):
        book(staff.logistics, case, house, start, end)
    assert not Placement.objects.exists()


@pytest.mark.parametrize("beds", [0, -1, 21, 10**12, True])
def test_impossible_bed_counts_are_refused(staff, house, case, beds):
    with pytest.raises(RelocationError, match="Beds"):
        book(staff.logistics, case, house, 1, 2, beds=beds)
    assert not Placement.objects.exists()


def test_a_stay_is_planned_then_staying_then_left(staff, house, case):
    stay = book(staff.logistics, case, house, -3, 5)
    services.mark_arrived(user=staff.logistics, case_id=case.id, placement_id=stay.id)
    with pytest.raises(RelocationError, match="in the future"):
        services.mark_left(
            user=staff.caseworker, case_id=case.id, placement_id=stay.id, left_on=day(1)
        )
    with pytest.raises(RelocationError, match="at least one night"):
        services.mark_left(
            user=staff.caseworker, case_id=case.id, placement_id=stay.id, left_on=day(-3)
        )
    with pytest.raises(RelocationError, match="mark them as left"):
        services.cancel_placement(user=staff.caseworker, case_id=case.id, placement_id=stay.id)
    services.mark_left(user=staff.caseworker, case_id=case.id, placement_id=stay.id)
    stay.refresh_from_db()
    assert (stay.status, stay.leaves_on) == (PlacementStatus.LEFT, today())
    assert actions(object_id=stay.id) == [
        "placement.created",
        "placement.arrived",
        "placement.left",
    ]
    with pytest.raises(RelocationError):
        services.mark_arrived(user=staff.logistics, case_id=case.id, placement_id=stay.id)


def test_stays_need_the_case_visible_and_the_role(staff, house, case):
    # A key to the house does not make the case visible: keyholders who may not see the
    # case get its 404 as well.
    for holder in (staff.other_caseworker, staff.other_manager):
        services.add_keyholder(user=staff.logistics, house_id=house.id, keyholder_id=holder.pk)
    for outsider in (staff.other_caseworker, staff.other_manager, staff.admin):
        with pytest.raises(CaseNotFound):
            book(outsider, case, house, 1, 2)
    stay = book(staff.logistics, case, house, 1, 2)
    with pytest.raises(CaseNotFound):
        services.cancel_placement(
            user=staff.other_caseworker, case_id=case.id, placement_id=stay.id
        )
    assert list(Placement.objects.values_list("pk", flat=True)) == [stay.pk]


def test_a_stay_of_another_case_is_not_found_through_this_one(staff, house, case, second_case):
    stay = book(staff.logistics, second_case, house, 1, 2)
    with pytest.raises(CaseNotFound):
        services.cancel_placement(user=staff.caseworker, case_id=case.id, placement_id=stay.id)
    assert Placement.objects.get(pk=stay.pk).status == PlacementStatus.PLANNED


# --- who books a stay: the house's keyholders -----------------------------------------------

REFUSED_WITHOUT_A_KEY = "Only the keyholders of House 3 book stays there: ask one of them."


def test_a_caseworker_who_sees_the_case_but_holds_no_key_may_not_book(staff, house, case):
    assert selectors.case_section(user=staff.caseworker, case=case)["can_work"]
    assert not services.is_keyholder(staff.caseworker, house)
    before = AuditEntry.objects.count()
    with pytest.raises(RelocationError) as refused:
        book(staff.caseworker, case, house, 1, 3)
    assert str(refused.value) == REFUSED_WITHOUT_A_KEY
    assert "Qx" not in str(refused.value)  # the refusal names the label, never the place
    assert not Placement.objects.exists()
    assert AuditEntry.objects.count() == before
    assert not selectors.may_open_house(staff.caseworker, house)


def test_a_coordinator_who_manages_houses_but_holds_no_key_to_this_one_may_not_book(
    staff, house, team
):
    other_logistics = make_staff(Role.LOGISTICS, "logistics2")
    assert other_logistics.has_perm("relocation.manage_safe_houses")
    theirs = new_case(team, [other_logistics], full_name="Their Person")
    own_house = add_house(other_logistics, label="House 4")
    with pytest.raises(RelocationError) as refused:
        book(other_logistics, theirs, house, 1, 3)
    assert str(refused.value) == REFUSED_WITHOUT_A_KEY
    assert not Placement.objects.filter(house=house).exists()
    assert not selectors.may_open_house(other_logistics, house)
    book(other_logistics, theirs, own_house, 1, 3)  # their own house takes the stay
    assert Placement.objects.filter(case=theirs).count() == 1


def test_once_a_keyholder_gives_them_a_key_they_may_book(staff, house, case):
    with pytest.raises(RelocationError, match="Only the keyholders"):
        book(staff.caseworker, case, house, 1, 3)
    services.add_keyholder(
        user=staff.logistics, house_id=house.id, keyholder_id=staff.caseworker.pk
    )
    stay = book(staff.caseworker, case, house, 1, 3)
    assert (stay.house_id, stay.created_by_id) == (house.id, staff.caseworker.pk)
    assert actions(object_id=stay.id) == ["placement.created"]


def test_the_booking_form_offers_only_the_houses_the_user_holds_a_key_to(staff, house, case):
    add_house(staff.manager, label="House 4")  # the manager's key, not the coordinator's
    inactive = add_house(staff.logistics, label="House 5")
    services.deactivate_house(user=staff.logistics, house_id=inactive.id)
    logistics_choices = selectors.case_section(user=staff.logistics, case=case)["house_choices"]
    assert logistics_choices == [(house.id, "House 3")]
    assert selectors.case_section(user=staff.caseworker, case=case)["house_choices"] == []
    assert selectors.active_house_choices(user=staff.caseworker) == []
    assert [label for _, label in selectors.all_active_houses()] == ["House 3", "House 4"]


# --- who opens an address ---------------------------------------------------------------------


def test_who_may_open_a_house(staff, house, case):
    other_logistics = make_staff(Role.LOGISTICS, "logistics2")
    assert selectors.may_open_house(staff.logistics, house)  # keyholder
    assert not selectors.may_open_house(other_logistics, house)
    assert not selectors.may_open_house(staff.caseworker, house)
    stay = book(staff.logistics, case, house, 2, 4)
    assert selectors.may_open_house(staff.caseworker, house)  # a coming stay of their case
    assert selectors.may_open_house(staff.manager, house)  # supervises the case's team
    assert not selectors.may_open_house(staff.other_caseworker, house)
    assert not selectors.may_open_house(other_logistics, house)
    services.cancel_placement(user=staff.caseworker, case_id=case.id, placement_id=stay.id)
    assert not selectors.may_open_house(staff.caseworker, house)


def test_an_ended_stay_no_longer_opens_the_house(staff, house, case):
    book(staff.logistics, case, house, -6, -1)
    assert not selectors.may_open_house(staff.caseworker, house)
    book(staff.logistics, case, house, -1, 0)  # leaves today: still theirs today
    assert selectors.may_open_house(staff.caseworker, house)


def test_case_section_opens_the_address_only_for_who_may_and_audits_it(staff, house, case):
    book(staff.logistics, case, house, 1, 3)
    before = AuditEntry.objects.count()
    section = selectors.case_section(user=staff.caseworker, case=case)
    [stay] = section["stays"]
    assert stay.house_opened == {"address": ADDRESS, "contacts": CONTACTS, "notes": ""}
    assert actions()[before:] == ["safe_house.opened"]  # the case's own entry is the page's
    html = render_to_string("relocation/houses/_case_section.html", {"houses": section})
    assert "Qxhousemarker" in html and "Qxhostmarker" in html


def test_case_section_keeps_the_address_sealed_after_the_stay(staff, house, case):
    book(staff.logistics, case, house, -5, -2)
    section = selectors.case_section(user=staff.caseworker, case=case)
    assert section["stays"][0].house_opened is None
    html = render_to_string("relocation/houses/_case_section.html", {"houses": section})
    assert "Qxhousemarker" not in html
    assert "safe_house.opened" not in actions()
