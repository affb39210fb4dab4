"""Search by case id and, through blind indexes, by name, phone, e-mail or handle."""

from __future__ import annotations

from tests.cases.conftest import new_case
from waystation.cases.selectors import lists


def ids(user, query):
    return [row.id for row in lists.search_cases(user=user, query=query)]


def test_search_by_id_name_phone_email_and_handle(staff, team):
    case = new_case(
        team,
        [staff.caseworker],
        full_name="Тимур Вымыслов",
        phone="+7 900 000-00-01",
        email="Timur@Example.org",
        handle="@timur_v",
    )
    new_case(team, [staff.caseworker], full_name="Someone Else", phone="+7 900 000 00 02")
    user = staff.caseworker
    assert ids(user, case.id) == [case.id]
    assert ids(user, case.id.upper()) == [case.id]
    assert ids(user, "timur vymyslov") == [case.id]
    assert ids(user, "Вымыслов") == [case.id]
    assert ids(user, "+79000000001") == [case.id]
    assert ids(user, "timur@example.org") == [case.id]
    assert ids(user, "t.me/timur_v") == [case.id]
    assert ids(user, "Timur Nobody") == []
    assert ids(user, "") == []


def test_search_finds_only_cases_the_user_may_see(staff, team, other_team):
    hidden = new_case(other_team, [staff.other_caseworker], full_name="Hidden Person")
    assert ids(staff.caseworker, "Hidden Person") == []
    assert ids(staff.caseworker, hidden.id) == []
    assert ids(staff.other_caseworker, "Hidden Person") == [hidden.id]


def test_the_search_page(staff, team, client):
    from tests.factories import login_verified

    case = new_case(team, [staff.caseworker], full_name="Findable Person")
    login_verified(client, staff.caseworker)
    page = client.get("/cases/search/", {"q": "findable"}).content.decode()
    assert case.id in page
