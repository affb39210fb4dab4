"""The authorisation walk (tests/cases/test_authorisation_walk.py) over this area's
routes alone, with a house and a stay seeded: everyone who may not see the case gets
the same 404 as for a missing case, and nobody outside sees the house's address."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from tests.cases.test_authorisation_walk import fill, outsiders, seeded, walk
from tests.factories import login_verified
from waystation.relocation.models import Placement
from waystation.relocation.services import houses as services

__all__ = ["seeded"]

ADDRESS_MARK = "Qxwzhouse"
OURS = ("house", "stay_", "keyholder_", "occupancy")


def test_house_routes_hide_the_case_and_the_address_from_outsiders(seeded, staff):
    case, values = seeded
    house = services.add_house(
        user=staff.manager,
        details=services.HouseDetails(
            label="Walk house", country="GE", beds=2, address=f"Street {ADDRESS_MARK}"
        ),
    )
    today = timezone.localdate()
    stay = services.add_placement(
        user=staff.manager,  # the house's keyholder, who supervises the case's team
        case_id=case.id,
        stay=services.StayRequest(
            # after the stay the shared walk already seeded for this case
            house_id=house.id,
            arrives_on=today + timedelta(days=10),
            leaves_on=today + timedelta(days=12),
        ),
    )
    values = {**values, "house_id": house.id, "placement_id": stay.id}
    routes = [
        (name, route)
        for name, route in walk(get_resolver().url_patterns)
        if name.startswith("relocation:") and name.split(":", 1)[1].startswith(OURS)
    ]
    assert len(routes) >= 12
    failures = []
    for who, user in outsiders(staff).items():
        client = Client()
        for name, route in routes:
            for method in ("get", "post"):
                login_verified(client, user)
                response = getattr(client, method)(
                    fill(route, values), data={"beds": "1", "keyholder": str(user.pk)}
                )
                if "<str:case_id>" in route:
                    missing = getattr(client, method)(
                        fill(route, {**values, "case_id": "nosuchcase000000"})
                    )
                    if response.status_code != 404 or missing.status_code != 404:
                        failures.append(f"{who} {method} {name}: {response.status_code}")
                if ADDRESS_MARK.encode() in response.content:
                    failures.append(f"{who} {method} {name} showed the address")
    assert failures == []
    assert Placement.objects.get(pk=stay.pk).status == "planned"


def test_no_outsider_switches_a_house_off_or_on(seeded, staff):
    """Issue 11, finding 8: the status routes, walked as every outsider with the
    confirmation a real deactivation sends, on houses with no stay to stand in the way.
    Some outsiders manage houses; none holds a key to these."""
    from waystation.audit.models import AuditEntry
    from waystation.relocation.models import SafeHouse

    idle = services.add_house(
        user=staff.manager,
        details=services.HouseDetails(label="Idle house", country="GE", beds=2, address="x"),
    )
    closed = services.add_house(
        user=staff.manager,
        details=services.HouseDetails(label="Closed house", country="GE", beds=2, address="y"),
    )
    services.deactivate_house(user=staff.manager, house_id=closed.id)
    before = AuditEntry.objects.filter(action__startswith="safe_house.").count()
    routes = [
        route
        for name, route in walk(get_resolver().url_patterns)
        if name in ("relocation:house_deactivate", "relocation:house_reactivate")
    ]
    assert len(routes) == 2
    for who, user in outsiders(staff).items():
        client = Client()
        login_verified(client, user)
        for route in routes:
            for house in (idle, closed):
                for method in ("get", "post"):
                    response = getattr(client, method)(
                        fill(route, {"house_id": house.id}), data={"confirm": "deactivate"}
                    )
                    assert response.status_code in (302, 404), (who, route, method)
    assert SafeHouse.objects.get(pk=idle.pk).active
    assert not SafeHouse.objects.get(pk=closed.pk).active
    assert AuditEntry.objects.filter(action__startswith="safe_house.").count() == before
