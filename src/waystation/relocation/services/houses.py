"""Safe houses, their keyholders, and the stays (placements) of people in them.

A house's address, contacts and notes are sealed with the house's own data key; a
stay's notes with its case's key (see ``relocation.models``). Every action checks the
role first and, for stays, that the actor may see the case (else ``CaseNotFound``).

Capacity is decided under a lock: a new or changed stay first locks its house's row
(``select_for_update``), then counts the beds already taken night by night, then
writes, all in one transaction. Two people booking the last bed at once are served
one after the other, and the second is told the night is full.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from waystation.accounts.models import Actor, StaffUser
from waystation.accounts.roles import Role
from waystation.cases.selectors.visibility import CaseNotFound
from waystation.relocation.models import (
    Placement,
    PlacementStatus,
    SafeHouse,
    SafeHouseKeyholder,
)
from waystation.relocation.services.common import (
    MANAGE_HOUSES,
    PLAN,
    RelocationError,
    case_for,
    clean_text,
    record,
    require,
)
from waystation.relocation.services.travel import clean_country
from waystation.vault import datakeys

# Further than this from today is a typing mistake, not a plan (a year typed as 2052).
MAX_DAYS_FROM_TODAY = 730
MAX_BEDS = 500
MAX_PLACEMENT_BEDS = 20
LABEL_LIMIT = 60


def _today() -> date:
    return timezone.localdate()


def _beds_word(n: int) -> str:
    return ngettext("%(count)s bed", "%(count)s beds", n) % {"count": n}


# --- houses -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseDetails:
    """What staff type about a house. ``address``, ``contacts`` and ``notes`` are sealed."""

    label: str
    country: str
    beds: int
    address: str
    contacts: str = ""
    notes: str = ""

    def __repr__(self) -> str:  # never print an address into a log or a traceback
        return f"<HouseDetails {self.label!r}>"


def _clean_beds(value: object, *, limit: int = MAX_BEDS, label: str | None = None) -> int:
    label = label or gettext("Beds")
    if isinstance(value, bool) or not isinstance(value, int):
        raise RelocationError(gettext("%(label)s is a whole number.") % {"label": label})
    if value < 1 or value > limit:
        raise RelocationError(
            gettext("%(label)s is a number from 1 to %(limit)s.") % {"label": label, "limit": limit}
        )
    return value


def _house_for(house_id: str, *, lock: bool = False) -> SafeHouse:
    if not isinstance(house_id, str) or len(house_id) > 32:
        raise RelocationError(gettext("No such safe house."))
    queryset = SafeHouse.objects.select_for_update() if lock else SafeHouse.objects.all()
    house = queryset.filter(pk=house_id).first()
    if house is None:
        raise RelocationError(gettext("No such safe house."))
    return house


def is_keyholder(user: Actor, house: SafeHouse) -> bool:
    return SafeHouseKeyholder.objects.filter(house=house, user_id=user.pk).exists()


@transaction.atomic
def add_house(*, user: Actor, details: HouseDetails) -> SafeHouse:
    """A new house under a data key of its own; whoever adds it holds its first key."""
    require(user, MANAGE_HOUSES, gettext("Your role does not allow managing safe houses."))
    label = clean_text(details.label, label=gettext("The label"), required=True, limit=LABEL_LIMIT)
    if SafeHouse.objects.filter(label__iexact=label).exists():
        raise RelocationError(gettext("Another house already has this label; choose another."))
    house = SafeHouse(
        data_key_id=datakeys.create_data_key().id,
        label=label,
        country=clean_country(details.country),
        beds=_clean_beds(details.beds),
        created_by_id=user.pk,
    )
    house.address = clean_text(
        details.address, label=gettext("The address"), required=True, limit=1_000
    )
    house.contacts = clean_text(details.contacts, label=gettext("The contacts"), limit=2_000)
    house.notes = clean_text(details.notes, label=gettext("The notes"), limit=5_000)
    try:
        with transaction.atomic():
            house.save(force_insert=True)
    except IntegrityError as exc:  # the same label, added by someone else a moment ago
        raise RelocationError(
            gettext("Another house already has this label; choose another.")
        ) from exc
    SafeHouseKeyholder.objects.create(house=house, user=user, added_by_id=user.pk)
    record(user, "safe_house.created", "safe_house", house.id)
    record(user, "safe_house.keyholder_added", "safe_house", house.id)
    return house


def _booked_by_night(house: SafeHouse, first: date, end: date) -> dict[date, int]:
    """Beds taken on each night from ``first`` up to (not including) ``end``."""
    stays = Placement.objects.filter(house=house, arrives_on__lt=end, leaves_on__gt=first).exclude(
        status=PlacementStatus.CANCELLED
    )
    booked: dict[date, int] = {}
    for arrives_on, leaves_on, beds in stays.values_list("arrives_on", "leaves_on", "beds"):
        night = max(arrives_on, first)
        while night < min(leaves_on, end):
            booked[night] = booked.get(night, 0) + beds
            night += timedelta(days=1)
    return booked


@transaction.atomic
def change_beds(*, user: Actor, house_id: str, beds: int) -> SafeHouse:
    """Fewer beds are refused while any coming night has more of them booked."""
    require(user, MANAGE_HOUSES, gettext("Your role does not allow managing safe houses."))
    house = _house_for(house_id, lock=True)
    beds = _clean_beds(beds)
    today = _today()
    horizon = today + timedelta(days=2 * MAX_DAYS_FROM_TODAY + 1)
    booked = _booked_by_night(house, today, horizon)
    over = sorted(night for night, taken in booked.items() if taken > beds)
    if over:
        night = over[0]
        raise RelocationError(
            gettext(
                "%(booked)s beds are already booked for the night of %(night)s; the house "
                "cannot have fewer than %(most)s beds until those stays are moved or cancelled."
            )
            % {"booked": booked[night], "night": f"{night:%Y-%m-%d}", "most": max(booked.values())}
        )
    if beds != house.beds:
        house.beds = beds
        house.save(update_fields=["beds"])
        record(user, "safe_house.beds_changed", "safe_house", house.id)
    return house


def may_change_status(user: Actor, house: SafeHouse) -> bool:
    """Deactivating and reactivating are for those who answer for the house: its
    keyholders who manage houses. Managing houses alone is not enough: a coordinator
    who holds no key would otherwise switch off a colleague's house."""
    return bool(user.is_active and user.has_perm(MANAGE_HOUSES) and is_keyholder(user, house))


def _require_status_change(user: Actor, house: SafeHouse, *, deactivating: bool) -> None:
    require(user, MANAGE_HOUSES, gettext("Your role does not allow managing safe houses."))
    if not may_change_status(user, house):
        refused = (
            gettext("Only the keyholders of %(house)s may deactivate it.")
            if deactivating
            else gettext("Only the keyholders of %(house)s may reactivate it.")
        )
        raise RelocationError(refused % {"house": house.label})


def stays_to_come(house: SafeHouse) -> int:
    """Stays planned or under way that have not ended: these keep a house active."""
    return (
        Placement.objects.filter(house=house, leaves_on__gt=_today())
        .filter(status__in=[PlacementStatus.PLANNED, PlacementStatus.STAYING])
        .count()
    )


@transaction.atomic
def deactivate_house(*, user: Actor, house_id: str) -> SafeHouse:
    """No new stays; refused while someone is staying or expected. Nothing is deleted or
    shredded, and a keyholder may reactivate the house."""
    house = _house_for(house_id, lock=True)
    _require_status_change(user, house, deactivating=True)
    if not house.active:
        raise RelocationError(gettext("This house is already inactive."))
    coming = stays_to_come(house)
    if coming:
        raise RelocationError(
            ngettext(
                "%(count)s stay is still planned or under way in this house; "
                "end or cancel them first.",
                "%(count)s stays are still planned or under way in this house; "
                "end or cancel them first.",
                coming,
            )
            % {"count": coming}
        )
    house.active = False
    house.save(update_fields=["active"])
    record(user, "safe_house.deactivated", "safe_house", house.id)
    return house


@transaction.atomic
def reactivate_house(*, user: Actor, house_id: str) -> SafeHouse:
    """The house takes new stays again, with the beds, address and keys it had."""
    house = _house_for(house_id, lock=True)
    _require_status_change(user, house, deactivating=False)
    if house.active:
        raise RelocationError(gettext("This house is already active."))
    house.active = True
    house.save(update_fields=["active"])
    record(user, "safe_house.reactivated", "safe_house", house.id)
    return house


def _require_keyholder(user: Actor, house: SafeHouse) -> None:
    require(user, MANAGE_HOUSES, gettext("Your role does not allow managing safe houses."))
    if not is_keyholder(user, house):
        raise RelocationError(gettext("Only the house's keyholders may change who holds its keys."))


def may_hold_keys(candidate: StaffUser) -> bool:
    """Casework staff only: an administrator runs the server and holds no house key."""
    return (
        candidate.is_active
        and candidate.has_perm(PLAN)
        and not candidate.groups.filter(name=Role.ADMINISTRATOR.value).exists()
    )


@transaction.atomic
def add_keyholder(*, user: Actor, house_id: str, keyholder_id: int) -> SafeHouseKeyholder:
    house = _house_for(house_id, lock=True)
    _require_keyholder(user, house)
    candidate = StaffUser.objects.filter(pk=keyholder_id).first()
    if candidate is None or not may_hold_keys(candidate):
        raise RelocationError(gettext("Keys go only to active staff who work cases."))
    if SafeHouseKeyholder.objects.filter(house=house, user=candidate).exists():
        raise RelocationError(
            gettext("%(name)s already holds a key.") % {"name": candidate.get_username()}
        )
    key = SafeHouseKeyholder.objects.create(house=house, user=candidate, added_by_id=user.pk)
    record(user, "safe_house.keyholder_added", "safe_house", house.id)
    return key


@transaction.atomic
def remove_keyholder(*, user: Actor, house_id: str, keyholder_id: int) -> None:
    house = _house_for(house_id, lock=True)
    _require_keyholder(user, house)
    keys = SafeHouseKeyholder.objects.filter(house=house)
    if not keys.filter(user_id=keyholder_id).exists():
        raise RelocationError(gettext("This person holds no key to this house."))
    if keys.count() == 1:
        # With no keyholder left, nobody could ever hand the house's keys on again.
        raise RelocationError(gettext("A house keeps at least one keyholder; add another first."))
    keys.filter(user_id=keyholder_id).delete()
    record(user, "safe_house.keyholder_removed", "safe_house", house.id)


# --- stays -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StayRequest:
    house_id: str
    arrives_on: date
    leaves_on: date
    beds: int = 1
    notes: str = ""

    def __repr__(self) -> str:
        return f"<StayRequest {self.house_id} {self.arrives_on}..{self.leaves_on}>"


def _check_dates(arrives_on: Any, leaves_on: Any) -> None:
    if not isinstance(arrives_on, date) or not isinstance(leaves_on, date):
        raise RelocationError(gettext("Give the day of arrival and the day of leaving."))
    if leaves_on <= arrives_on:
        raise RelocationError(gettext("The day of leaving must come after the day of arrival."))
    today = _today()
    limit = timedelta(days=MAX_DAYS_FROM_TODAY)
    if arrives_on < today - limit or leaves_on > today + limit:
        raise RelocationError(gettext("Those dates are more than two years away; check the year."))


def _overlapping_stays(case_id: str, arrives_on: date, leaves_on: date) -> QuerySet[Placement]:
    return Placement.objects.filter(
        case_id=case_id, arrives_on__lt=leaves_on, leaves_on__gt=arrives_on
    ).exclude(status=PlacementStatus.CANCELLED)


def _refuse_overbooking(house: SafeHouse, arrives_on: date, leaves_on: date, beds: int) -> None:
    """Call with the house row locked."""
    if beds > house.beds:
        raise RelocationError(
            gettext("%(house)s has only %(beds)s.")
            % {"house": house.label, "beds": _beds_word(house.beds)}
        )
    booked = _booked_by_night(house, arrives_on, leaves_on)
    for night in sorted(booked):
        free = max(house.beds - booked[night], 0)
        if booked[night] + beds > house.beds:
            raise RelocationError(
                gettext(
                    "%(house)s is full on the night of %(night)s: %(free)s free of %(all)s, "
                    "%(asked)s asked for."
                )
                % {
                    "house": house.label,
                    "night": f"{night:%Y-%m-%d}",
                    "free": _beds_word(free),
                    "all": house.beds,
                    "asked": beds,
                }
            )


@transaction.atomic
def add_placement(*, user: Actor, case_id: str, stay: StayRequest) -> Placement:
    """A stay for the case's person: refused if any night is full or the person is
    already somewhere else on one of those nights."""
    case = case_for(user, case_id)
    _check_dates(stay.arrives_on, stay.leaves_on)
    beds = _clean_beds(stay.beds, limit=MAX_PLACEMENT_BEDS, label=gettext("Beds for this stay"))
    notes = clean_text(stay.notes, label=gettext("The notes"))
    # Lock first, count after: the count must not change before the insert commits.
    house = _house_for(stay.house_id, lock=True)
    if not house.active:
        raise RelocationError(
            gettext("%(house)s is inactive and takes no new stays.") % {"house": house.label}
        )
    # A stay opens the house's address to everyone who may see the case, so only those
    # already trusted with the address may book one: otherwise anyone working a case
    # could learn every house by booking a bed in each.
    if not is_keyholder(user, house):
        raise RelocationError(
            gettext("Only the keyholders of %(house)s book stays there: ask one of them.")
            % {"house": house.label}
        )
    clash = _overlapping_stays(case.id, stay.arrives_on, stay.leaves_on).first()
    if clash is not None:
        raise RelocationError(
            gettext(
                "This person already has a stay from %(arrives)s to %(leaves)s that shares "
                "nights with this one."
            )
            % {"arrives": f"{clash.arrives_on:%Y-%m-%d}", "leaves": f"{clash.leaves_on:%Y-%m-%d}"}
        )
    _refuse_overbooking(house, stay.arrives_on, stay.leaves_on, beds)
    placement = Placement(
        case=case,
        data_key_id=case.data_key_id,
        house=house,
        arrives_on=stay.arrives_on,
        leaves_on=stay.leaves_on,
        beds=beds,
        created_by_id=user.pk,
    )
    placement.notes = notes
    placement.save(force_insert=True)
    record(user, "placement.created", "placement", placement.id)
    return placement


def _placement_for(user: Actor, case_id: str, placement_id: str) -> Placement:
    """The case's stay, with its house locked, or the 404 of a case one may not see.
    A stay of another case is not found here: its id says nothing on this case's page."""
    case = case_for(user, case_id)
    if not isinstance(placement_id, str) or len(placement_id) > 32:
        raise CaseNotFound(gettext("No such stay."))
    house_id = (
        Placement.objects.filter(pk=placement_id, case=case).values_list("house_id", flat=True)
    ).first()
    if house_id is None:
        raise CaseNotFound(gettext("No such stay."))
    SafeHouse.objects.select_for_update().filter(pk=house_id).first()
    return Placement.objects.select_for_update().get(pk=placement_id)


@transaction.atomic
def mark_arrived(*, user: Actor, case_id: str, placement_id: str) -> Placement:
    placement = _placement_for(user, case_id, placement_id)
    if placement.status != PlacementStatus.PLANNED:
        raise RelocationError(gettext("Only a planned stay can begin."))
    placement.status = PlacementStatus.STAYING
    placement.save(update_fields=["status"])
    record(user, "placement.arrived", "placement", placement.id)
    return placement


@transaction.atomic
def mark_left(
    *, user: Actor, case_id: str, placement_id: str, left_on: date | None = None
) -> Placement:
    """The stay ends; an early departure frees the nights after ``left_on``."""
    placement = _placement_for(user, case_id, placement_id)
    if placement.status != PlacementStatus.STAYING:
        raise RelocationError(
            gettext("Only a stay under way can end; cancel a planned one instead.")
        )
    today = _today()
    if left_on is None:
        left_on = min(today, placement.leaves_on)
    if not isinstance(left_on, date):
        raise RelocationError(gettext("Give the day they left."))
    if left_on > today:
        raise RelocationError(gettext("The day they left cannot be in the future."))
    if left_on > placement.leaves_on:
        # A longer stay would take nights that may have been given to someone else.
        raise RelocationError(
            gettext(
                "The stay was booked until %(leaves)s; to stay longer, book a new stay from "
                "that day."
            )
            % {"leaves": f"{placement.leaves_on:%Y-%m-%d}"}
        )
    if left_on <= placement.arrives_on:
        raise RelocationError(
            gettext("A stay lasts at least one night: the day they left must be after %(day)s.")
            % {"day": f"{placement.arrives_on:%Y-%m-%d}"}
        )
    placement.status = PlacementStatus.LEFT
    placement.leaves_on = left_on
    placement.save(update_fields=["status", "leaves_on"])
    record(user, "placement.left", "placement", placement.id)
    return placement


@transaction.atomic
def cancel_placement(*, user: Actor, case_id: str, placement_id: str) -> Placement:
    placement = _placement_for(user, case_id, placement_id)
    if placement.status == PlacementStatus.STAYING:
        raise RelocationError(gettext("They are staying there now: mark them as left instead."))
    if placement.status != PlacementStatus.PLANNED:
        raise RelocationError(gettext("Only a planned stay can be cancelled."))
    placement.status = PlacementStatus.CANCELLED
    placement.save(update_fields=["status"])
    record(user, "placement.cancelled", "placement", placement.id)
    return placement
