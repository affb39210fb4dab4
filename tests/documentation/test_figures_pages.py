"""The figures page and its exports through the test client: the sentences, the chart,
the estimate (or its reason), hostile query strings answered with a message, and every
download audited and parsed back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse

from tests.documentation import seeding
from tests.factories import make_staff, signed_in_client
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.documentation.models import Level

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)
PERIOD = {"start": "2026-01", "end": "2026-12"}
HISTORIES = {(1, 0, 0): 30, (0, 1, 0): 22, (0, 0, 1): 18, (1, 1, 0): 12, (1, 0, 1): 9,
             (0, 1, 1): 7, (1, 1, 1): 5}  # fmt: skip


@pytest.fixture
def officer():
    return make_staff(Role.DOCUMENTATION, "officer.pages")


@pytest.fixture
def client(officer):
    return signed_in_client(officer)


def page(client, **params):
    return client.get(reverse("documentation:figures"), params)


def test_the_page_says_the_counts_and_draws_the_chart(client):
    seeding.events(12, on=DAY, level=Level.CORROBORATED)
    seeding.events(3, on=DAY, level=Level.SINGLE_SOURCE)
    response = page(client, **PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "At least 15 detentions, how many of them are corroborated is hidden." in html
    assert "<svg" in html and 'role="img"' in html
    assert "<style" not in html.split("<svg", 1)[1]
    assert html.count('class="num suppressed"') >= 2


def test_the_default_page_covers_the_last_twelve_months(client):
    assert page(client).status_code == 200


def test_the_estimate_is_shown_with_its_interval_and_assumptions(client):
    lists = seeding.overlapping_lists(["Hotline", "Partner A", "Press"], HISTORIES)
    response = client.get(
        reverse("documentation:figures"), {**PERIOD, "lists": [p.id for p in lists]}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "People seen on at least one list" in html
    assert "103" in html  # the observed count
    assert 'id="estimate-interval"' in html and " to " in html
    assert "main effects" in html
    assert "one closed group of people" in html


def test_lists_that_share_nobody_give_the_reason_not_a_number(client):
    a = seeding.person_list("Hotline", size=8)
    b = seeding.person_list("Shelter", size=9)
    html = client.get(reverse("documentation:figures"), {"lists": [a.id, b.id]}).content.decode()
    assert "No estimate:" in html and "nobody is on both Hotline and Shelter" in html
    assert 'id="estimate-number"' not in html


def test_fewer_than_k_people_on_the_lists_give_no_figure(client):
    a = seeding.person_list("Hotline", size=2)
    b = seeding.person_list("Shelter", size=1)
    html = client.get(reverse("documentation:figures"), {"lists": [a.id, b.id]}).content.decode()
    assert "Fewer than 5 people are on these lists" in html
    assert 'id="estimate-number"' not in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13", "end": "2026-12"}, "Give a month as year and month"),
        ({"start": "99999999-01", "end": "2026-12"}, "Give a month as year and month"),
        # A day is refused, not rounded: periods are whole months.
        ({"start": "2026-03-01", "end": "2026-03-20"}, "Give a month as year and month"),
        ({"start": "2026-03", "end": "2026-03-19"}, "Give a month as year and month"),
        ({"start": "1800-01", "end": "2026-12"}, "Dates before 1990 are not covered."),
        ({"start": "2026-05", "end": "2026-01"}, "comes before its start"),
        ({"start": "2000-01", "end": "2026-01"}, "limited to ten years"),
        ({**PERIOD, "kind": "massacre"}, "Select a valid choice."),
        ({**PERIOD, "kind": "<script>alert(1)</script>"}, "Select a valid choice."),
        ({**PERIOD, "country": "<b>"}, "at most 2 characters"),
        ({**PERIOD, "country": "1é"}, "two Latin letters"),
        ({**PERIOD, "region": "RU-CE<"}, "a hyphen and up to three more"),
        ({**PERIOD, "country": "GE", "region": "RU-CE"}, "not in the country chosen"),
    ],
)
def test_hostile_filters_get_a_clear_message(client, params, message):
    for url in (
        reverse("documentation:figures"),
        reverse("documentation:figures_csv", args=["events_by_kind"]),
        reverse("documentation:figures_json"),
    ):
        response = client.get(url, params)
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html
        assert "<script>alert" not in html and "<b>" not in html.split("<main", 1)[-1]
    assert not AuditEntry.objects.filter(action__startswith="documentation.figures").exists()


@pytest.mark.parametrize(
    "lists",
    [["nosuchlist000000", "other0000000000"], ["x" * 5000], ["1" * 40, "9" * 400], []],
)
def test_hostile_lists_get_a_clear_message(client, lists):
    seeding.person_list("Hotline", size=1)
    response = client.get(
        reverse("documentation:figures"), {"lists": lists} if lists else {"lists": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "does not exist" in html or "between 2 and 10" in html or "required" in html


def test_one_list_is_not_enough(client):
    a = seeding.person_list("Hotline", size=6)
    response = client.get(reverse("documentation:figures"), {"lists": [a.id]})
    assert response.status_code == 400
    assert "Choose between 2 and 10 lists." in response.content.decode()


def test_the_csv_is_the_suppressed_table_and_its_download_is_audited(client, officer):
    seeding.events(12, on=DAY, level=Level.CORROBORATED)
    seeding.events(3, on=DAY, level=Level.SINGLE_SOURCE)
    response = client.get(reverse("documentation:figures_csv", args=["events_by_kind"]), PERIOD)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Kind of event" and rows[0][-1] == "All"
    assert rows[1] == ["Detention", "hidden", "0", "0", "< 5", "0", "0", "15"]
    entry = AuditEntry.objects.get(action="documentation.figures_csv_exported")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        officer.pk,
        "figures.events_by_kind",
        "2026-01:2026-12:::",
    )


def test_an_unknown_table_is_a_404_and_writes_nothing(client):
    response = client.get(reverse("documentation:figures_csv", args=["persons"]), PERIOD)
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action__startswith="documentation.figures").exists()


def test_the_json_parses_back_to_the_page_s_tables_and_is_audited(client, officer):
    seeding.events(12, on=DAY, level=Level.CORROBORATED)
    seeding.events(3, on=DAY, level=Level.SINGLE_SOURCE)
    response = client.get(reverse("documentation:figures_json"), PERIOD)
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["k"] == 5 and document["filters"]["start"] == "2026-01"
    names = [table["name"] for table in document["tables"]]
    assert names == ["events_by_kind", "acts_by_type", "acts_by_month", "events_by_region"]
    detention = document["tables"][0]["rows"][0]
    assert detention["label"] == "Detention"
    assert detention["cells"][3] == {"text": "< 5", "value": None, "hidden": "small"}
    assert detention["cells"][-1] == {"text": "15", "value": 15, "hidden": None}
    entry = AuditEntry.objects.get(action="documentation.figures_json_exported")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        officer.pk,
        "figures",
        "2026-01:2026-12:::",
    )


def test_a_small_overlap_withholds_the_estimate_and_the_people_seen(client):
    # 33 and 28 with 3 on both: 58 seen, or an estimate near 33 x 28 / 3, gives the 3 back.
    lists = seeding.overlapping_lists(["Hotline", "Shelter"], {(1, 0): 30, (0, 1): 25, (1, 1): 3})
    response = client.get(reverse("documentation:figures"), {"lists": [p.id for p in lists]})
    assert response.status_code == 200
    html = response.content.decode()
    estimate = html.split('id="estimate-result"', 1)[1]
    assert "No estimate: an overlap is too small to publish" in estimate
    assert 'id="estimate-number"' not in html and 'id="estimate-interval"' not in html
    assert "People seen on at least one list" not in html
    assert "58" not in estimate and "308" not in estimate and "3 " not in estimate
    # Each list has at least 5 people: their sizes name nobody and are shown.
    sizes = estimate.split('class="list-sizes"', 1)[1]
    assert "<dt>Hotline</dt><dd" in sizes and ">33</dd>" in sizes and ">28</dd>" in sizes


def test_a_small_cell_of_three_lists_withholds_it_and_a_small_list_hides_the_sizes(client):
    lists = seeding.overlapping_lists(
        ["A list", "B list", "C list"],
        {(1, 0, 0): 30, (0, 1, 0): 22, (0, 0, 1): 3, (1, 1, 0): 12, (1, 1, 1): 0},
    )
    html = client.get(
        reverse("documentation:figures"), {"lists": [p.id for p in lists]}
    ).content.decode()
    assert "an overlap is too small to publish" in html
    assert 'id="estimate-number"' not in html and 'class="list-sizes"' not in html


def test_the_page_writes_its_filters_to_the_audit_log(client, officer):
    response = page(client, start="2026-01", end="2026-03", kind="torture", region="RU-CE")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="documentation.figures_viewed")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        officer.pk,
        "figures",
        "2026-01:2026-03:torture::RU-CE",
    )


def test_a_period_is_whole_months_even_from_code():
    from waystation.documentation.selectors.figures import Filters

    with pytest.raises(ValueError, match="whole months"):
        Filters(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 20))
    with pytest.raises(ValueError, match="whole months"):
        Filters(start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 31))
    assert Filters(start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28)).params() == [
        ("start", "2026-02"),
        ("end", "2026-02"),
    ]
