"""Fixtures for the API: tokens made through the real service, clients that send them,
and the casework fixtures (one member of staff per role, a team, a seeded case with a
marker in every sealed field) that the pages' authorisation walk uses."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client

from tests.cases.conftest import other_team, staff, team  # noqa: F401  (fixtures)
from tests.cases.test_authorisation_walk import seeded  # noqa: F401  (fixture)
from waystation.accounts.models import StaffUser
from waystation.api.services import tokens

JSON = "application/json"


def issue(user: StaffUser, scope: str = "write", days: int = 30) -> str:
    """A new token's secret for ``user``: the service the My account page calls."""
    return tokens.create_token(user=user, scope=scope, days=days).secret


def bearer(secret: str) -> Client:
    """A client that sends ``secret`` with every request and has no session."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture(autouse=True)
def generous_rates(settings) -> None:
    """The walks send many requests with one token; the rate-limit tests set their own."""
    settings.WAYSTATION_API_RATES = {"read": "100000/min", "write": "100000/min"}
    cache.clear()


@pytest.fixture
def api_for() -> Callable[..., Client]:
    """``api_for(user, scope="write")``: a client holding a new token of ``user``."""

    def make(user: StaffUser, scope: str = "write") -> Client:
        return bearer(issue(user, scope))

    return make


@pytest.fixture
def partnered(staff, team, tmp_path):  # noqa: F811  (fixtures above)
    """A partner whose key two programme managers approved, a referral to it ready to
    fetch (a marker in its sealed summary), a second partner with a referral of its own,
    and a token for each partner, issued through the real service."""
    from tests.cases.conftest import new_case
    from tests.partners.conftest import draft, keyed_partner, with_consent
    from waystation.partners.services import referrals

    case = new_case(team, [staff.caseworker], full_name="Tamila Orlova")
    mine = keyed_partner(staff, tmp_path, "Harbour Shelter")
    theirs = keyed_partner(staff, tmp_path, "Ridge Legal Aid")

    def approved(partner) -> object:
        made = referrals.create_referral(
            user=staff.caseworker,
            case_id=case.id,
            draft=draft(partner, summary=f"Partnermarker{partner.name[:4]} needs a bed"),
        )
        with_consent(staff, case, made)
        return referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=made.id)

    return PartnerFixture(
        case=case,
        mine=mine,
        theirs=theirs,
        referral=approved(mine.partner),
        other_referral=approved(theirs.partner),
        token=tokens.create_partner_token(user=staff.manager, partner_id=mine.partner.id).secret,
        other_token=tokens.create_partner_token(
            user=staff.manager, partner_id=theirs.partner.id
        ).secret,
    )


class PartnerFixture:
    def __init__(self, **values: object) -> None:
        self.__dict__.update(values)

    case: object
    mine: object
    theirs: object
    referral: object
    other_referral: object
    token: str
    other_token: str
