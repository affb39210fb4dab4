"""Reading safe houses and stays, always for a given user.

Who may see what:

- a house's label, country, beds and occupancy: staff who manage safe houses;
- its address, contacts and notes (:func:`may_open_house`): its keyholders, and the
  people who may see a case with a stay there that is coming or under way. Every
  opening is on the audit record (``safe_house.opened``);
- a case's stays: whoever may see the case (``cases.selectors.visibility.visible_cases``).

Occupancy counts beds, never people: it names no case and no person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from waystation.accounts.models import Actor, StaffUser
from waystation.accounts.roles import Role
from waystation.audit import services as audit
from waystation.cases.models import Case
from waystation.cases.selectors.visibility import visible_cases
from waystation.relocation.models import Placement, PlacementStatus, SafeHouse, SafeHouseKeyholder
from waystation.relocation.services.common import MANAGE_HOUSES, PLAN

DEFAULT_OCCUPANCY_DAYS = 14
MAX_OCCUPANCY_DAYS = 92


class HouseNotFound(Http404):
    """No such house, or not one this user may look at: the two are the same answer."""


def _manages(user: Actor) -> bool:
    return bool(user is not None and user.is_active and user.has_perm(MANAGE_HOUSES))


def may_open_house(user: Actor, house: SafeHouse) -> bool:
    """Its keyholders, and whoever may see a case with a stay there that has not ended."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if SafeHouseKeyholder.objects.filter(house=house, user_id=user.pk).exists():
        return True
    return (
        Placement.objects.filter(
            house=house,
            case__in=visible_cases(user),
            leaves_on__gte=timezone.localdate(),
        )
        .exclude(status=PlacementStatus.CANCELLED)
        .exists()
    )


def _opened(user: Actor, house: SafeHouse) -> dict[str, str]:
    """Decrypt a house's sealed fields; the caller has checked :func:`may_open_house`."""
    audit.record(
        actor_id=user.pk, action="safe_house.opened", object_type="safe_house", object_id=house.id
    )
    return {
        "address": house.address or "",
        "contacts": house.contacts or "",
        "notes": house.notes or "",
    }


# --- houses -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseRow:
    id: str
    label: str
    country: str
    beds: int
    active: bool
    booked_tonight: int
    keyholder: bool

    @property
    def free_tonight(self) -> int:
        return max(self.beds - self.booked_tonight, 0)


def _booked_tonight(house_ids: list[str]) -> dict[str, int]:
    today = timezone.localdate()
    booked: dict[str, int] = {}
    rows = (
        Placement.objects.filter(house_id__in=house_ids, arrives_on__lte=today, leaves_on__gt=today)
        .exclude(status=PlacementStatus.CANCELLED)
        .values_list("house_id", "beds")
    )
    for house_id, beds in rows:
        booked[house_id] = booked.get(house_id, 0) + beds
    return booked


def house_list(*, user: Actor) -> list[HouseRow]:
    """Every house, active first; operational fields only."""
    if not _manages(user):
        raise HouseNotFound(gettext("No such page."))
    houses = list(
        SafeHouse.objects.order_by("-active", "label").values(
            "id", "label", "country", "beds", "active"
        )
    )
    held = set(
        SafeHouseKeyholder.objects.filter(user_id=user.pk).values_list("house_id", flat=True)
    )
    booked = _booked_tonight([h["id"] for h in houses])
    return [
        HouseRow(**h, booked_tonight=booked.get(h["id"], 0), keyholder=h["id"] in held)
        for h in houses
    ]


@dataclass
class HousePage:
    house: SafeHouse
    booked_tonight: int
    opened: dict[str, str] | None  # the sealed fields, when this user may open them
    keyholder: bool
    manages: bool
    keyholders: list[tuple[int, str]] = field(default_factory=list)
    candidates: list[tuple[int, str]] = field(default_factory=list)

    @property
    def free_tonight(self) -> int:
        return max(self.house.beds - self.booked_tonight, 0)


def visible_house(*, user: Actor, house_id: str, lock: bool = False) -> SafeHouse:
    """A house this user may look at (manages houses, or may open it), else a 404."""
    if not isinstance(house_id, str) or len(house_id) > 32:
        raise HouseNotFound(gettext("No such house."))
    queryset = SafeHouse.objects.select_for_update() if lock else SafeHouse.objects.all()
    house = queryset.filter(pk=house_id).first()
    if house is None or not (_manages(user) or may_open_house(user, house)):
        raise HouseNotFound(gettext("No such house."))
    return house


@transaction.atomic
def house_page(*, user: Actor, house_id: str) -> HousePage:
    house = visible_house(user=user, house_id=house_id)
    keyholder = SafeHouseKeyholder.objects.filter(house=house, user_id=user.pk).exists()
    page = HousePage(
        house=house,
        booked_tonight=_booked_tonight([house.id]).get(house.id, 0),
        opened=_opened(user, house) if may_open_house(user, house) else None,
        keyholder=keyholder,
        manages=_manages(user),
    )
    if page.opened is not None:
        page.keyholders = list(
            SafeHouseKeyholder.objects.filter(house=house)
            .order_by("user__username")
            .values_list("user_id", "user__username")
        )
    if keyholder and page.manages:
        page.candidates = keyholder_candidates(house)
    return page


def keyholder_candidates(house: SafeHouse) -> list[tuple[int, str]]:
    """Active casework staff without a key, administrators left out: the rule of
    ``may_hold_keys``, in one query (asking each person's permissions and groups in
    turn made the house page three queries per member of staff)."""
    held = SafeHouseKeyholder.objects.filter(house=house).values("user_id")
    people = (
        StaffUser.objects.filter(
            is_active=True,
            groups__permissions__codename="work_case",
            groups__permissions__content_type__app_label="cases",
        )
        .exclude(pk__in=held)
        .exclude(groups__name=Role.ADMINISTRATOR.value)
        .distinct()
        .order_by("username")
        .values_list("pk", "username")
    )
    return list(people)


def all_active_houses() -> list[tuple[str, str]]:
    """Labels say nothing about where a house is: a posted choice is checked against all
    active houses, so a non-keyholder gets the service's clear refusal, not "invalid"."""
    return list(SafeHouse.objects.filter(active=True).order_by("label").values_list("id", "label"))


def active_house_choices(*, user: Actor) -> list[tuple[str, str]]:
    """The active houses this user may book stays in: those they hold a key to."""
    return list(
        SafeHouse.objects.filter(active=True, keyholders__user=user)
        .order_by("label")
        .values_list("id", "label")
    )


# --- occupancy --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Night:
    day: date
    beds: int
    booked: int

    @property
    def free(self) -> int:
        return max(self.beds - self.booked, 0)

    @property
    def over(self) -> bool:
        return self.booked > self.beds


@dataclass(frozen=True)
class HouseOccupancy:
    id: str
    label: str
    nights: list[Night]


@dataclass(frozen=True)
class Occupancy:
    start: date
    days: int
    houses: list[HouseOccupancy]
    totals: list[Night]


def occupancy(
    *,
    user: Actor,
    start: date | None = None,
    days: int = DEFAULT_OCCUPANCY_DAYS,
    house_id: str = "",
) -> Occupancy:
    """Beds, booked and free for each night from ``start``: for one house, or for every
    active house with a total line. Counts only; no case, no person."""
    if not _manages(user):
        raise HouseNotFound(gettext("No such page."))
    start = start or timezone.localdate()
    days = min(max(int(days), 1), MAX_OCCUPANCY_DAYS)
    end = start + timedelta(days=days)
    houses = SafeHouse.objects.order_by("label")
    houses = houses.filter(pk=house_id) if house_id else houses.filter(active=True)
    chosen = list(houses.values_list("id", "label", "beds"))
    if house_id and not chosen:
        raise HouseNotFound(gettext("No such house."))
    booked: dict[tuple[str, date], int] = {}
    stays = (
        Placement.objects.filter(
            house_id__in=[h[0] for h in chosen], arrives_on__lt=end, leaves_on__gt=start
        )
        .exclude(status=PlacementStatus.CANCELLED)
        .values_list("house_id", "arrives_on", "leaves_on", "beds")
    )
    for stay_house, arrives_on, leaves_on, beds in stays:
        night = max(arrives_on, start)
        while night < min(leaves_on, end):
            booked[(stay_house, night)] = booked.get((stay_house, night), 0) + beds
            night += timedelta(days=1)
    dates = [start + timedelta(days=n) for n in range(days)]
    rows = [
        HouseOccupancy(
            id=hid,
            label=label,
            nights=[Night(day=d, beds=beds, booked=booked.get((hid, d), 0)) for d in dates],
        )
        for hid, label, beds in chosen
    ]
    totals = [
        Night(
            day=d,
            beds=sum(r.nights[i].beds for r in rows),
            booked=sum(r.nights[i].booked for r in rows),
        )
        for i, d in enumerate(dates)
    ]
    return Occupancy(start=start, days=days, houses=rows, totals=totals)


def occupancy_house_choices(*, user: Actor) -> list[tuple[str, str]]:
    if not _manages(user):
        return []
    return list(SafeHouse.objects.order_by("-active", "label").values_list("id", "label"))


# --- a case's stays ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownStay:
    id: str
    house_id: str
    house_label: str
    arrives_on: date
    leaves_on: date
    beds: int
    status: str
    status_label: str
    notes: str
    house_opened: dict[str, str] | None  # address and contacts, if this user may open them

    @property
    def nights(self) -> int:
        return (self.leaves_on - self.arrives_on).days

    @property
    def may_arrive(self) -> bool:
        return self.status == PlacementStatus.PLANNED

    @property
    def may_cancel(self) -> bool:
        return self.status == PlacementStatus.PLANNED

    @property
    def may_leave(self) -> bool:
        return self.status == PlacementStatus.STAYING

    def __repr__(self) -> str:
        return f"<ShownStay {self.id}>"


def case_section(*, user: Actor, case: Case) -> dict[str, Any]:
    """What the case's relocation page shows of this area (sealed values already opened:
    the page's one audit entry covers them). The view builds the booking form from
    ``house_choices``: the active houses this user may book, none if they may not."""
    statuses = dict(PlacementStatus.choices)
    stays = list(
        Placement.objects.filter(case=case).select_related("house").order_by("arrives_on", "id")
    )
    # Each house is opened once per page, and only for someone who may open it; that
    # opening is its own audit entry (the house is not the case's data).
    opened: dict[str, dict[str, str] | None] = {}
    for stay in stays:
        if stay.house_id not in opened:
            opened[stay.house_id] = (
                _opened(user, stay.house) if may_open_house(user, stay.house) else None
            )
    shown = [
        ShownStay(
            id=stay.id,
            house_id=stay.house_id,
            house_label=stay.house.label,
            arrives_on=stay.arrives_on,
            leaves_on=stay.leaves_on,
            beds=stay.beds,
            status=stay.status,
            status_label=str(statuses.get(stay.status, stay.status)),
            notes=stay.notes or "",
            house_opened=opened[stay.house_id],
        )
        for stay in stays
    ]
    can_work = bool(user.is_active and user.has_perm(PLAN))
    return {
        "case_id": case.id,
        "stays": shown,
        "can_work": can_work,
        "manages_houses": _manages(user),
        "house_choices": active_house_choices(user=user) if can_work else [],
    }
