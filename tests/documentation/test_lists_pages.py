"""The lists pages through the test client: the lists with their counts, a list's
entries (escaped, the reading audited), the import's progress and error report (without
JavaScript: a meta refresh while it runs, a <progress> element, never a value), and the
review of matches with its buttons, the reasons in words, and a refused confirmation
explained."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.documentation.lists_world import add, new_list
from tests.factories import make_staff, signed_in_client
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.documentation.models import ImportState, ListImport, MatchStatus, ProposedMatch
from waystation.documentation.services import matching

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return make_staff(Role.DOCUMENTATION, "egor")


@pytest.fixture
def client(officer, client_for):
    return client_for(officer)


def test_the_lists_page_counts_entries_and_matched_ones(officer, client):
    hotline, partner = new_list(officer, "Hotline"), new_list(officer, "Partner A")
    a = add(officer, hotline, "Ruslan Umarov", birth_year="1990")
    add(officer, partner, "Ruslan Umarov", birth_year="1990")
    add(officer, partner, "Adam Dudayev")
    matching.propose_matches(user=officer)
    matching.confirm_match(user=officer, match_id=ProposedMatch.objects.get().id)

    html = client.get("/documentation/lists/").content.decode()

    assert "Hotline" in html and "Partner A" in html
    row = html[html.index("Partner A") :]
    assert "<td>2</td>" in row[:300] and "<td>1</td>" in row[:300]
    assert a.name not in html  # no entry on the lists page


def test_a_list_page_shows_entries_escaped_and_records_the_reading(officer, client):
    hotline = new_list(officer, "Hotline")
    add(officer, hotline, "Ruslan Umarov", handle="@r&u")

    html = client.get(f"/documentation/lists/{hotline.id}/").content.decode()

    assert "Ruslan Umarov" in html and "@r&amp;u" in html
    assert AuditEntry.objects.filter(action="person_list.read", object_id=hotline.id).exists()


def test_creating_and_adding_through_the_pages(officer, client):
    response = client.post("/documentation/lists/new/", {"name": "Press 2017", "kind": "media"})
    list_id = response.url.rstrip("/").rsplit("/", 1)[-1]
    client.post(
        f"/documentation/lists/{list_id}/entries/", {"name": "Adam Dudayev", "birth_year": "19x5"}
    )
    refused = client.get(f"/documentation/lists/{list_id}/").content.decode()

    assert "Birth year is not a year" in refused and "19x5" not in refused


def _upload(client, list_id: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/documentation/lists/{list_id}/import/",
        {"file": SimpleUploadedFile("list.csv", data, content_type="text/csv")},
    )


def test_an_import_ends_on_its_progress_page(officer, client):
    hotline = new_list(officer, "Hotline")

    response = _upload(client, hotline.id, b"name,birth_year\nRuslan Umarov,1990\nAdam Dudayev,\n")
    html = client.get(response.url).content.decode()

    assert ListImport.objects.get().state == ImportState.DONE
    assert '<progress max="2" value="2">' in html
    assert 'http-equiv="refresh"' not in html  # finished: nothing to wait for


def test_a_running_import_reloads_itself_without_javascript(officer, client):
    hotline = new_list(officer, "Hotline")
    running = ListImport.objects.create(
        person_list=hotline, started_by_id=officer.pk, total_rows=1000, done_rows=500
    )

    html = client.get(f"/documentation/lists/{hotline.id}/imports/{running.id}/").content.decode()

    assert '<meta http-equiv="refresh" content="2">' in html
    assert '<progress max="1000" value="500">' in html
    assert "<script" not in html


def test_a_refused_import_reports_rows_and_columns_never_values(officer, client):
    hotline = new_list(officer, "Hotline")
    data = b"name,phone\nRuslan Umarov,+7 912 000 00 01\n<b>Kheda</b>,=CMD()\n"

    response = _upload(client, hotline.id, data)
    html = client.get(response.url).content.decode()

    assert "Nothing was imported" in html
    assert "<td>3</td><td><code>name</code></td>" in html
    assert "<td>3</td><td><code>phone</code></td>" in html
    assert "Kheda" not in html and "CMD" not in html and "Ruslan" not in html


def test_an_upload_announced_too_large_is_refused_before_it_is_read(officer, client):
    hotline = new_list(officer, "Hotline")
    response = client.post(
        f"/documentation/lists/{hotline.id}/import/",
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(10 * 1024 * 1024),
    )
    assert response.status_code == 302
    assert not ListImport.objects.exists()


@pytest.mark.parametrize("who", ["nobody", "manager"])
def test_an_upload_too_large_from_who_may_not_import_is_told_nothing(officer, who):
    hotline = new_list(officer, "Hotline")
    client = Client()
    if who == "manager":
        client = signed_in_client(make_staff(Role.PROGRAMME_MANAGER, "boris"))
    response = client.post(
        f"/documentation/lists/{hotline.id}/import/",
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(10 * 1024 * 1024),
    )
    if who == "nobody":
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    else:
        assert response.status_code == 403
    assert "messages" not in response.cookies
    assert "larger than" not in client.get(reverse("accounts:login")).content.decode()
    assert not ListImport.objects.exists()


def test_the_review_shows_pairs_side_by_side_with_reasons_and_buttons(officer, client):
    hotline, partner = new_list(officer, "Hotline"), new_list(officer, "Partner A")
    add(officer, hotline, "Ruslan Umarov", birth_year="1990", phone="+7 912 000 00 01")
    add(officer, partner, "Руслан Умаров", birth_year="1990", phone="+7 912 000 00 01")
    client.post("/documentation/matches/propose/")
    match = ProposedMatch.objects.get()

    html = client.get("/documentation/matches/").content.decode()

    assert "Ruslan Umarov" in html and "Руслан Умаров" in html
    assert "the same phone number" in html and "the same name and birth year" in html
    assert f"/documentation/matches/{match.id}/confirm/" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert AuditEntry.objects.filter(action="list_match.read", object_id=match.id).exists()
    client.post(f"/documentation/matches/{match.id}/confirm/")
    assert ProposedMatch.objects.get().status == MatchStatus.CONFIRMED
    decided = client.get("/documentation/matches/?status=confirmed").content.decode()
    assert f"/documentation/matches/{match.id}/undo/" in decided


def test_a_refused_confirmation_says_why(officer, client):
    hotline, partner = new_list(officer, "Hotline"), new_list(officer, "Partner A")
    a = add(officer, hotline, "Ruslan Umarov", birth_year="1990")
    b = add(officer, partner, "Ruslan Umarov", birth_year="1990")
    c = add(officer, hotline, "Ruslan Umarov", birth_year="1990", phone="+7 912 000 00 03")
    matching.propose_matches(user=officer)

    def match(x, y):
        first, second = sorted((x.id, y.id))
        return ProposedMatch.objects.get(first_id=first, second_id=second)

    client.post(f"/documentation/matches/{match(a, b).id}/confirm/")
    response = client.post(f"/documentation/matches/{match(b, c).id}/confirm/", follow=True)

    assert "two entries of the same list" in response.content.decode()
    assert match(b, c).status == MatchStatus.PROPOSED
