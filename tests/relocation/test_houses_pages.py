"""The safe house pages and the stay actions through the test client: 404s for whoever
may not see, and hostile, oversized or malformed input refused with nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_staff, signed_in_client
from tests.relocation.conftest import Staff, new_case
from tests.relocation.test_houses import add_house, book, day
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.cases.models import Case, Team
from waystation.relocation.models import Placement, PlacementStatus, SafeHouse, SafeHouseKeyholder
from waystation.relocation.services import houses as services

HOSTILE = '<script>alert("x")</script>'


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


@pytest.fixture
def house(staff: Staff) -> SafeHouse:
    return add_house(staff.logistics)


@pytest.fixture
def stay(staff: Staff, house: SafeHouse, case: Case) -> Placement:
    # Booked by a keyholder; the caseworker, who holds no key, works the case.
    return book(staff.logistics, case, house, 1, 4)


def stay_urls(case_id: str, placement_id: str) -> list[str]:
    return [
        reverse("relocation:stay_add", args=[case_id]),
        reverse("relocation:stay_arrived", args=[case_id, placement_id]),
        reverse("relocation:stay_left", args=[case_id, placement_id]),
        reverse("relocation:stay_cancel", args=[case_id, placement_id]),
    ]


def house_urls(house_id: str) -> list[str]:
    return [
        reverse("relocation:house", args=[house_id]),
        reverse("relocation:house_beds", args=[house_id]),
        reverse("relocation:house_deactivate", args=[house_id]),
        reverse("relocation:keyholder_add", args=[house_id]),
        reverse("relocation:keyholder_remove", args=[house_id]),
    ]


# --- 404 for whoever may not see ------------------------------------------------------------


def test_every_stay_url_is_a_404_for_someone_who_may_not_see_the_case(staff, house, case, stay):
    data = {
        "house": house.id,
        "arrives_on": f"{day(10):%Y-%m-%d}",
        "leaves_on": f"{day(12):%Y-%m-%d}",
        "beds": "1",
        "left_on": "",
    }
    for outsider in (staff.other_caseworker, staff.other_manager, staff.admin, staff.screener):
        client = signed_in_client(outsider)
        for url in stay_urls(case.id, stay.id):
            assert client.get(url).status_code == 404, (outsider, url)
            assert client.post(url, data).status_code == 404, (outsider, url)
    stay.refresh_from_db()
    assert stay.status == PlacementStatus.PLANNED
    assert Placement.objects.count() == 1


def test_a_missing_case_and_a_hidden_one_get_the_same_answer(staff, case, stay):
    client = signed_in_client(staff.other_caseworker)
    for hidden, missing in zip(
        stay_urls(case.id, stay.id), stay_urls("nosuchcase000000", stay.id), strict=True
    ):
        assert client.post(hidden).status_code == client.post(missing).status_code == 404


def test_house_pages_are_a_404_without_the_permission(staff, house):
    client = signed_in_client(staff.caseworker)  # no stay in the house, no key, no permission
    for url in [
        reverse("relocation:houses"),
        reverse("relocation:house_new"),
        reverse("relocation:occupancy"),
        *house_urls(house.id),
    ]:
        assert client.get(url).status_code == 404, url
        # Pages that only show answer a POST with 405, whoever asks: nothing to learn.
        assert client.post(url, {"beds": "9", "label": "X"}).status_code in (404, 405), url
    assert SafeHouse.objects.get(pk=house.pk).beds == 2
    assert SafeHouse.objects.count() == 1


def test_a_stay_action_of_someone_who_may_see_redirects_back_to_the_case(staff, case, stay):
    response = signed_in_client(staff.caseworker).post(
        reverse("relocation:stay_arrived", args=[case.id, stay.id])
    )
    assert response.status_code == 302
    assert case.id in response["Location"]  # the case's relocation page, once it exists
    stay.refresh_from_db()
    assert stay.status == PlacementStatus.STAYING


# --- the address stays sealed ---------------------------------------------------------------


def test_house_address_is_not_shown_to_a_coordinator_who_neither_holds_a_key_nor_works_a_stay(
    staff, house, case, stay
):
    other_logistics = make_staff(Role.LOGISTICS, "logistics2")
    client = signed_in_client(other_logistics)
    before = AuditEntry.objects.filter(action="safe_house.opened").count()
    for url in [
        reverse("relocation:houses"),
        reverse("relocation:house", args=[house.id]),
        reverse("relocation:occupancy"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"Qxhousemarker" not in response.content
        assert b"Qxhostmarker" not in response.content
    assert AuditEntry.objects.filter(action="safe_house.opened").count() == before
    assert house.label.encode() in client.get(reverse("relocation:houses")).content


def test_a_keyholder_opens_the_house_and_the_opening_is_audited(staff, house):
    response = signed_in_client(staff.logistics).get(reverse("relocation:house", args=[house.id]))
    assert response.status_code == 200
    assert b"Qxhousemarker" in response.content
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "safe_house.opened",
        "safe_house",
        house.id,
    )
    assert entry.actor_id == staff.logistics.pk


def test_the_caseworker_of_a_coming_stay_opens_the_house_page(staff, house, case, stay):
    assert not SafeHouseKeyholder.objects.filter(house=house, user=staff.caseworker).exists()
    response = signed_in_client(staff.caseworker).get(reverse("relocation:house", args=[house.id]))
    assert response.status_code == 200
    assert b"Qxhousemarker" in response.content
    assert b"Change beds" not in response.content  # no permission: no management forms


def test_no_audit_entry_names_the_address(staff, house, case, stay):
    signed_in_client(staff.logistics).get(reverse("relocation:house", args=[house.id]))
    for row in AuditEntry.objects.values("action", "object_type", "object_id"):
        assert "Qx" not in "".join(row.values())


# --- hostile and malformed input ------------------------------------------------------------


def _new_house(client: Client, **changes: str):
    data = {"label": "House 9", "country": "AM", "beds": "3", "address": "Somewhere Qxnew"}
    data.update(changes)
    return client.post(reverse("relocation:house_new"), data)


@pytest.mark.parametrize(
    "changes",
    [
        {"label": "x" * 61},
        {"label": ""},
        {"beds": "-1"},
        {"beds": "0"},
        {"beds": "10000000000000000000"},
        {"beds": "two"},
        {"country": "R1"},
        {"country": "<b"},
        {"address": ""},
        {"address": "a" * 1_001},
        {"contacts": "c" * 2_001},
        {"notes": "n" * 5_001},
        {"label": "House 3"},  # taken
    ],
)
def test_bad_house_input_is_refused_and_adds_nothing(staff, house, changes):
    response = _new_house(signed_in_client(staff.logistics), **changes)
    assert response.status_code == 400
    assert SafeHouse.objects.count() == 1


def test_markup_in_a_house_label_is_shown_as_text(staff):
    client = signed_in_client(staff.logistics)
    response = _new_house(client, label=HOSTILE[:60], address=HOSTILE)
    assert response.status_code == 302
    house = SafeHouse.objects.get(label=HOSTILE[:60])
    for url in (reverse("relocation:houses"), reverse("relocation:house", args=[house.id])):
        content = client.get(url).content
        assert b"<script>" not in content
        assert b"&lt;script&gt;" in content


@pytest.mark.parametrize("beds", ["-3", "0", "abc", "99999999999999999999", "1.5", ""])
def test_bad_bed_counts_change_nothing(staff, house, beds):
    client = signed_in_client(staff.logistics)
    response = client.post(reverse("relocation:house_beds", args=[house.id]), {"beds": beds})
    assert response.status_code == 302
    assert messages_of(response)
    assert SafeHouse.objects.get(pk=house.pk).beds == 2


def test_lowering_beds_below_a_booked_night_is_a_clear_message(staff, house, case, stay):
    book(staff.logistics, new_case(None, [staff.caseworker, staff.logistics]), house, 2, 3)
    response = signed_in_client(staff.logistics).post(
        reverse("relocation:house_beds", args=[house.id]), {"beds": "1"}
    )
    assert any("already booked" in m for m in messages_of(response))
    assert SafeHouse.objects.get(pk=house.pk).beds == 2


@pytest.mark.parametrize("keyholder", ["abc", "-1", "", "99999999999", "ADMIN"])
def test_bad_keyholder_input_changes_nothing(staff, house, keyholder):
    client = signed_in_client(staff.logistics)
    for name in ("keyholder_add", "keyholder_remove"):
        response = client.post(
            reverse(f"relocation:{name}", args=[house.id]), {"keyholder": keyholder}
        )
        assert response.status_code == 302
        assert messages_of(response)
    assert SafeHouseKeyholder.objects.filter(house=house).count() == 1


def test_an_administrator_is_never_offered_nor_given_a_key(staff, house):
    client = signed_in_client(staff.logistics)
    page = client.get(reverse("relocation:house", args=[house.id])).content.decode()
    assert f'value="{staff.caseworker.pk}"' in page
    assert f'value="{staff.admin.pk}"' not in page
    client.post(reverse("relocation:keyholder_add", args=[house.id]), {"keyholder": staff.admin.pk})
    assert not SafeHouseKeyholder.objects.filter(user=staff.admin).exists()


def test_keys_are_given_and_taken_back_through_the_page(staff, house):
    client = signed_in_client(staff.logistics)
    url = reverse("relocation:keyholder_add", args=[house.id])
    client.post(url, {"keyholder": staff.caseworker.pk})
    assert SafeHouseKeyholder.objects.filter(house=house, user=staff.caseworker).exists()
    client.post(
        reverse("relocation:keyholder_remove", args=[house.id]), {"keyholder": staff.caseworker.pk}
    )
    assert not SafeHouseKeyholder.objects.filter(house=house, user=staff.caseworker).exists()


def _stay_data(chosen: SafeHouse, **changes: str) -> dict[str, str]:
    data = {
        "house": chosen.id,
        "arrives_on": f"{day(10):%Y-%m-%d}",
        "leaves_on": f"{day(12):%Y-%m-%d}",
        "beds": "1",
        "notes": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "changes",
    [
        {"house": "nosuchhouse00000"},
        {"house": ""},
        {"house": "x" * 500},
        {"arrives_on": "2025-13-45"},
        {"arrives_on": "99999-01-01"},
        {"arrives_on": "10/03/2025"},
        {"leaves_on": ""},
        {"leaves_on": f"{day(9):%Y-%m-%d}"},  # before arriving
        {"leaves_on": f"{day(10):%Y-%m-%d}"},  # the same day: no night
        {"leaves_on": f"{day(900):%Y-%m-%d}"},
        {"arrives_on": "0001-01-01"},
        {"beds": "-1"},
        {"beds": "0"},
        {"beds": "21"},
        {"beds": "1e9"},
        {"notes": "n" * 5_001},
    ],
)
def test_bad_stay_input_is_refused_and_saves_nothing(staff, house, case, changes):
    response = signed_in_client(staff.logistics).post(
        reverse("relocation:stay_add", args=[case.id]), _stay_data(house, **changes)
    )
    assert response.status_code == 302
    assert messages_of(response), "the person must be told why"
    assert not Placement.objects.exists()


def test_an_inactive_house_cannot_be_chosen(staff, house, case):
    services.deactivate_house(user=staff.logistics, house_id=house.id)
    response = signed_in_client(staff.logistics).post(
        reverse("relocation:stay_add", args=[case.id]), _stay_data(house)
    )
    assert messages_of(response)
    assert not Placement.objects.exists()


def test_overbooking_through_the_page_is_a_clear_message(staff, house, case):
    services.change_beds(user=staff.logistics, house_id=house.id, beds=1)
    book(staff.logistics, new_case(None, [staff.logistics]), house, 11, 12)
    response = signed_in_client(staff.logistics).post(
        reverse("relocation:stay_add", args=[case.id]), _stay_data(house)
    )
    assert any(f"full on the night of {day(11):%Y-%m-%d}" in m for m in messages_of(response))
    assert not Placement.objects.filter(case=case).exists()


def test_markup_in_stay_notes_is_stored_and_shown_as_text(staff, house, case):
    from django.template.loader import render_to_string

    from waystation.relocation.selectors.houses import case_section

    client = signed_in_client(staff.logistics)
    client.post(reverse("relocation:stay_add", args=[case.id]), _stay_data(house, notes=HOSTILE))
    assert Placement.objects.get(case=case).notes == HOSTILE
    html = render_to_string(
        "relocation/houses/_case_section.html",
        {"houses": case_section(user=staff.caseworker, case=case)},
    )
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("left_on", ["yesterday", "2025-02-30", "99999-12-31", "1" * 200])
def test_bad_departure_dates_change_nothing(staff, house, case, left_on):
    stay = book(staff.logistics, case, house, -2, 3)
    services.mark_arrived(user=staff.caseworker, case_id=case.id, placement_id=stay.id)
    response = signed_in_client(staff.caseworker).post(
        reverse("relocation:stay_left", args=[case.id, stay.id]), {"left_on": left_on}
    )
    assert messages_of(response)
    stay.refresh_from_db()
    assert (stay.status, stay.leaves_on) == (PlacementStatus.STAYING, day(3))


def test_stay_ids_of_another_case_are_a_404(staff, house, case, team: Team):
    other = new_case(team, [staff.caseworker, staff.logistics], full_name="Other Person")
    theirs = book(staff.logistics, other, house, 1, 2)
    client = signed_in_client(staff.caseworker)
    for url in stay_urls(case.id, theirs.id)[1:]:
        assert client.post(url).status_code == 404
    assert Placement.objects.get(pk=theirs.pk).status == PlacementStatus.PLANNED


def test_leaving_early_through_the_page_frees_the_nights(staff, house, case):
    stay = book(staff.logistics, case, house, -2, 5)
    services.mark_arrived(user=staff.caseworker, case_id=case.id, placement_id=stay.id)
    client = signed_in_client(staff.caseworker)
    response = client.post(
        reverse("relocation:stay_left", args=[case.id, stay.id]),
        {"left_on": f"{day(0):%Y-%m-%d}"},
    )
    assert messages_of(response) == ["Marked as left."]
    stay.refresh_from_db()
    assert (stay.status, stay.leaves_on) == (PlacementStatus.LEFT, day(0))


# --- who books a stay: the house's keyholders -----------------------------------------------

REFUSED_WITHOUT_A_KEY = "Only the keyholders of House 3 book stays there: ask one of them."
BOOKING_FORM = b"Book the stay"


def _relocation_page(client: Client, case: Case) -> bytes:
    response = client.get(reverse("relocation:case", args=[case.id]))
    assert response.status_code == 200
    return response.content


def test_a_caseworker_without_a_key_is_not_offered_the_form_and_a_made_up_post_is_refused(
    staff, house, case
):
    assert BOOKING_FORM in _relocation_page(signed_in_client(staff.logistics), case)  # control
    client = signed_in_client(staff.caseworker)
    page = _relocation_page(client, case)
    assert BOOKING_FORM not in page
    assert reverse("relocation:stay_add", args=[case.id]).encode() not in page
    before = AuditEntry.objects.count()
    response = client.post(reverse("relocation:stay_add", args=[case.id]), _stay_data(house))
    assert response.status_code == 302  # as every other refused stay: back to the case
    assert messages_of(response) == [REFUSED_WITHOUT_A_KEY]
    assert not Placement.objects.exists()
    assert not AuditEntry.objects.filter(seq__gt=before).exclude(action="case.opened").exists()


def test_a_coordinator_who_manages_houses_but_holds_no_key_is_refused_through_the_page(
    staff, house, team
):
    other_logistics = make_staff(Role.LOGISTICS, "logistics2")
    theirs = new_case(team, [other_logistics], full_name="Their Person")
    client = signed_in_client(other_logistics)
    assert client.get(reverse("relocation:houses")).status_code == 200  # manages houses
    assert BOOKING_FORM not in _relocation_page(client, theirs)
    response = client.post(reverse("relocation:stay_add", args=[theirs.id]), _stay_data(house))
    assert response.status_code == 302
    assert messages_of(response) == [REFUSED_WITHOUT_A_KEY]
    assert not Placement.objects.exists()


def test_once_given_a_key_through_the_page_the_caseworker_books(staff, house, case):
    signed_in_client(staff.logistics).post(
        reverse("relocation:keyholder_add", args=[house.id]), {"keyholder": staff.caseworker.pk}
    )
    client = signed_in_client(staff.caseworker)
    page = _relocation_page(client, case)
    assert BOOKING_FORM in page
    assert f'value="{house.id}"'.encode() in page
    response = client.post(reverse("relocation:stay_add", args=[case.id]), _stay_data(house))
    assert response.status_code == 302
    assert messages_of(response) == ["Stay booked."]
    stay = Placement.objects.get(case=case)
    assert (stay.house_id, stay.created_by_id) == (house.id, staff.caseworker.pk)


# --- occupancy --------------------------------------------------------------------------------


def test_occupancy_counts_beds_by_night_and_names_no_one(staff, house, case, stay):
    client = signed_in_client(staff.manager)
    response = client.get(reverse("relocation:occupancy"))
    assert response.status_code == 200
    found = response.context["found"]
    assert found.days == 14 and found.start == day(0)
    nights = {n.day: (n.beds, n.booked, n.free) for n in found.houses[0].nights}
    assert nights[day(0)] == (2, 0, 2)
    assert nights[day(1)] == (2, 1, 1)
    assert nights[day(3)] == (2, 1, 1)
    assert nights[day(4)] == (2, 0, 2)  # the morning they leave is not a night
    assert case.id.encode() not in response.content
    assert b"Relocated Person" not in response.content


def test_occupancy_of_one_house_over_a_chosen_range(staff, house, stay):
    add_house(staff.logistics, label="House 4", beds=5)
    response = signed_in_client(staff.manager).get(
        reverse("relocation:occupancy"),
        {"house": house.id, "start": f"{day(2):%Y-%m-%d}", "days": "92"},
    )
    found = response.context["found"]
    assert [h.label for h in found.houses] == ["House 3"]
    assert found.days == 92
    assert found.houses[0].nights[-1].day == day(2) + timedelta(days=91)


@pytest.mark.parametrize(
    "query",
    [
        {"days": "93"},
        {"days": "-1"},
        {"days": "99999999999999999999"},
        {"start": "garbage"},
        {"start": "99999-01-01"},
        {"house": "nosuchhouse00000"},
        {"house": HOSTILE},
    ],
)
def test_bad_occupancy_queries_are_a_clear_page(staff, house, query):
    response = signed_in_client(staff.manager).get(reverse("relocation:occupancy"), query)
    assert response.status_code == 400
    assert b"<script>alert" not in response.content
    assert response.context["found"].days == 14


def test_a_manager_reaches_every_house_page_and_adds_a_house(staff, house):
    client = signed_in_client(staff.manager)
    for url in (reverse("relocation:houses"), reverse("relocation:house_new")):
        response = client.get(url)
        assert response.status_code == 200
        assert b"<label" in response.content or b"House 3" in response.content
    response = _new_house(client)
    new = SafeHouse.objects.get(label="House 9")
    assert response["Location"] == reverse("relocation:house", args=[new.id])
    assert SafeHouseKeyholder.objects.filter(house=new, user=staff.manager).exists()


def test_the_house_page_asks_a_fixed_number_of_queries_however_many_staff(staff, house):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in_client(staff.logistics)
    url = reverse("relocation:house", args=[house.id])
    # The first form page a session sees stores its CSRF token there (CSRF_USE_SESSIONS).
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    newcomers = [make_staff(Role.CASEWORKER) for _ in range(5)]
    with CaptureQueriesContext(connection) as after:
        page = client.get(url).content.decode()
    assert len(after) == len(before)
    for person in newcomers:
        assert f'value="{person.pk}"' in page
    assert f'value="{staff.admin.pk}"' not in page
