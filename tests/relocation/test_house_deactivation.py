"""Issue 11, finding 8: a coordinator switched off a colleague's safe house with a bare
POST, no confirmation and no way back. Now deactivating takes a confirmation page and a
POST from its button; a keyholder who manages houses may deactivate and reactivate, both
on the audit record; everyone else changes nothing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import make_staff, signed_in_client
from tests.relocation.conftest import Staff
from tests.relocation.test_houses import add_house, book
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.cases.models import Case
from waystation.relocation.models import SafeHouse
from waystation.relocation.services import houses as services
from waystation.relocation.services.common import RelocationError

CONFIRM = {"confirm": "deactivate"}


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def deactivate_url(house: SafeHouse) -> str:
    return reverse("relocation:house_deactivate", args=[house.id])


def reactivate_url(house: SafeHouse) -> str:
    return reverse("relocation:house_reactivate", args=[house.id])


def status_entries(house: SafeHouse) -> list[tuple[str, int | None]]:
    return list(
        AuditEntry.objects.filter(
            object_type="safe_house",
            object_id=house.id,
            action__in=["safe_house.deactivated", "safe_house.reactivated"],
        )
        .order_by("seq")
        .values_list("action", "actor_id")
    )


def is_active(house: SafeHouse) -> bool:
    return SafeHouse.objects.get(pk=house.pk).active


@pytest.fixture
def house(staff: Staff) -> SafeHouse:
    return add_house(staff.logistics)  # the coordinator holds its only key


@pytest.fixture
def other_coordinator(db):
    """Manages safe houses, like the keyholder, but holds no key to this one."""
    return make_staff(Role.LOGISTICS, "logistics2")


def test_a_bare_post_changes_nothing_and_shows_the_confirmation_page(staff, house):
    response = signed_in_client(staff.logistics).post(deactivate_url(house))

    assert response.status_code == 200
    assert "relocation/houses/deactivate.html" in [t.name for t in response.templates]
    assert is_active(house)
    assert status_entries(house) == []


@pytest.mark.parametrize("confirm", ["", "yes", "DEACTIVATE", "deactivate " * 3, "1"])
def test_a_post_without_the_page_s_confirmation_changes_nothing(staff, house, confirm):
    response = signed_in_client(staff.logistics).post(deactivate_url(house), {"confirm": confirm})

    assert response.status_code == 200
    assert is_active(house)
    assert status_entries(house) == []


def test_the_confirmation_page_says_what_deactivating_means(staff, house):
    response = signed_in_client(staff.logistics).get(deactivate_url(house))

    text = response.content.decode()
    assert response.status_code == 200
    assert "Deactivate House 3?" in text
    assert "no new stays" in text and "reactivated" in text and "Nothing is deleted" in text
    assert re.search(r'<input type="hidden" name="confirm" value="deactivate">', text)
    assert is_active(house)


def test_the_house_page_links_to_the_confirmation_and_posts_nothing_there(staff, house):
    text = signed_in_client(staff.logistics).get(reverse("relocation:house", args=[house.id]))
    page = text.content.decode()

    assert f'<a href="{deactivate_url(house)}">' in page
    assert f'action="{deactivate_url(house)}"' not in page


def test_a_confirmed_post_deactivates_with_an_audit_entry(staff, house):
    response = signed_in_client(staff.logistics).post(deactivate_url(house), CONFIRM)

    assert response.status_code == 302
    assert response["Location"] == reverse("relocation:house", args=[house.id])
    assert not is_active(house)
    assert status_entries(house) == [("safe_house.deactivated", staff.logistics.pk)]


def test_reactivating_works_with_an_audit_entry(staff, house):
    client = signed_in_client(staff.logistics)
    client.post(deactivate_url(house), CONFIRM)
    page = client.get(reverse("relocation:house", args=[house.id])).content.decode()
    assert f'action="{reactivate_url(house)}"' in page

    response = client.post(reactivate_url(house))

    assert response.status_code == 302
    assert is_active(house)
    assert status_entries(house) == [
        ("safe_house.deactivated", staff.logistics.pk),
        ("safe_house.reactivated", staff.logistics.pk),
    ]


def test_a_reactivated_house_takes_stays_again(staff, house, case: Case):
    services.deactivate_house(user=staff.logistics, house_id=house.id)
    with pytest.raises(RelocationError, match="inactive"):
        book(staff.logistics, case, house, 1, 2)

    services.reactivate_house(user=staff.logistics, house_id=house.id)

    assert book(staff.logistics, case, house, 1, 2).house_id == house.id


def test_a_get_of_reactivate_changes_nothing(staff, house):
    services.deactivate_house(user=staff.logistics, house_id=house.id)

    response = signed_in_client(staff.logistics).get(reactivate_url(house))

    assert response.status_code == 302
    assert not is_active(house)


def test_deactivating_a_house_with_stays_to_come_is_refused_on_the_page(staff, house, case):
    book(staff.logistics, case, house, 1, 3)
    client = signed_in_client(staff.logistics)

    page = client.get(deactivate_url(house)).content.decode()
    response = client.post(deactivate_url(house), CONFIRM)

    assert "1 stay is still planned or under way" in page
    assert any("still planned or under way" in m for m in messages_of(response))
    assert is_active(house)
    assert status_entries(house) == []


def test_outsiders_get_a_404_and_change_nothing(staff, house):
    services.deactivate_house(user=staff.logistics, house_id=house.id)
    other = add_house(staff.logistics, label="House 8")
    for outsider in (staff.caseworker, staff.other_caseworker, staff.screener, staff.admin):
        client = signed_in_client(outsider)
        for url in (deactivate_url(other), reactivate_url(house)):
            assert client.get(url).status_code == 404, (outsider, url)
            assert client.post(url, CONFIRM).status_code == 404, (outsider, url)
    assert is_active(other) and not is_active(house)
    assert status_entries(other) == []
    assert status_entries(house) == [("safe_house.deactivated", staff.logistics.pk)]


def test_a_missing_house_and_a_hidden_one_get_the_same_answer(staff, house):
    client = signed_in_client(staff.caseworker)
    for view in ("relocation:house_deactivate", "relocation:house_reactivate"):
        hidden = client.post(reverse(view, args=[house.id]), CONFIRM)
        missing = client.post(reverse(view, args=["nosuchhouse00000"]), CONFIRM)
        assert hidden.status_code == missing.status_code == 404


def test_a_coordinator_who_holds_no_key_can_neither_deactivate_nor_reactivate(
    staff, house, other_coordinator
):
    inactive = add_house(staff.logistics, label="House 9")
    services.deactivate_house(user=staff.logistics, house_id=inactive.id)
    for outsider in (other_coordinator, staff.manager):  # both manage houses, no key
        client = signed_in_client(outsider)
        for method in ("get", "post"):
            response = getattr(client, method)(deactivate_url(house), CONFIRM)
            assert response.status_code == 302, (outsider, method)
            assert any("Only the keyholders of House 3" in m for m in messages_of(response))
        response = client.post(reactivate_url(inactive))
        assert any("Only the keyholders of House 9" in m for m in messages_of(response))
        page = client.get(reverse("relocation:house", args=[house.id])).content.decode()
        assert deactivate_url(house) not in page
    assert is_active(house) and not is_active(inactive)
    assert status_entries(house) == []
    assert status_entries(inactive) == [("safe_house.deactivated", staff.logistics.pk)]
    with pytest.raises(RelocationError, match="Only the keyholders"):
        services.deactivate_house(user=other_coordinator, house_id=house.id)
    with pytest.raises(RelocationError, match="Only the keyholders"):
        services.reactivate_house(user=other_coordinator, house_id=inactive.id)


def test_a_keyholder_who_does_not_manage_houses_cannot_deactivate(staff, house):
    services.add_keyholder(
        user=staff.logistics, house_id=house.id, keyholder_id=staff.caseworker.pk
    )

    response = signed_in_client(staff.caseworker).post(deactivate_url(house), CONFIRM)

    assert response.status_code == 302
    assert is_active(house)
    with pytest.raises(RelocationError, match="does not allow managing safe houses"):
        services.deactivate_house(user=staff.caseworker, house_id=house.id)


def test_a_second_keyholder_who_manages_houses_may(staff, house, other_coordinator):
    services.add_keyholder(
        user=staff.logistics, house_id=house.id, keyholder_id=other_coordinator.pk
    )

    signed_in_client(other_coordinator).post(deactivate_url(house), CONFIRM)

    assert not is_active(house)
    assert status_entries(house) == [("safe_house.deactivated", other_coordinator.pk)]
