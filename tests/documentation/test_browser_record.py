"""The record from casework in a real browser, through the real pages of a live server
and without JavaScript: a documentation officer granted access to a case records an
event from the case's testimony (the case's person as its victim, the case's account as a
source graded B2) and reads it as credible; a media report of a new origin makes it
corroborated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser import chromium
from tests.cases.conftest import new_case
from tests.factories import DEFAULT_TEST_PASSWORD, make_staff, totp_now
from waystation.accounts.roles import Role
from waystation.cases.services import access
from waystation.documentation.models import Event, Person, Source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


def sign_in(browser, live_server, user):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", DEFAULT_TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.fill("input[name=code]", totp_now(user))
    page.click("main button[type=submit]")
    assert page.url.rstrip("/") == live_server.url
    return page, requested


def test_an_officer_records_an_event_from_a_case_and_corroborates_it(browser, live_server):
    manager = make_staff(Role.PROGRAMME_MANAGER, "manager.d")
    officer = make_staff(Role.DOCUMENTATION, "officer.d")
    team = access.create_team(actor_id=None, name="Caucasus", supervisor_id=manager.pk)
    case = new_case(team, [], full_name="Rustam Example", narrative="Held at the station.")
    access.grant_access(
        user=manager,
        case_id=case.id,
        grantee_id=officer.pk,
        reason="Documenting the spring detentions",
        until=timezone.now() + timedelta(days=3),
    )

    page, requested = sign_in(browser, live_server, officer)
    page.goto(f"{live_server.url}/cases/{case.id}/")
    page.get_by_role("link", name="Documentation", exact=True).last.click()
    page.get_by_role("link", name="Record an event from this case").click()
    page.get_by_label("Title").fill("Detentions at the <b>station</b>")
    page.get_by_label("Kind of event").select_option(label="Detention")
    page.locator("input[name=started_on]").fill("2017-03-12")
    page.get_by_label("Country").fill("RU")
    page.get_by_label("Region").fill("RU-CE")
    page.get_by_role("button", name="Record the event").click()
    assert "Event recorded." in page.content()
    assert page.inner_text("h1") == "Detentions at the <b>station</b>"
    assert page.inner_text("#event-level") == "Unsourced"

    from_case = page.locator("#from-case")
    assert from_case.get_attribute("open") is not None  # opened for the case we came from
    assert from_case.locator("input[name=case_id]").input_value() == case.id
    from_case.get_by_label("Reliability of the source").select_option("B")
    from_case.get_by_label("Credibility of the information").select_option("2")
    from_case.locator("input[name=obtained_on]").fill("2017-04-01")
    from_case.get_by_role("button", name="Take from the case").click()
    assert "Taken from the case." in page.content()
    assert page.inner_text("#event-level") == "Credible"
    assert "Rustam Example" in page.inner_text("#persons")
    assert "The account in case" in page.inner_text("#event-sources")

    adding = page.locator("#add-source")
    adding.locator("summary").click()
    adding.get_by_label("Kind of source").select_option(label="Media report")
    adding.get_by_label("Reliability of the source").select_option("C")
    adding.get_by_label("Credibility of the information").select_option("3")
    adding.locator("input[name=obtained_on]").fill("2017-04-05")
    adding.locator("input[name=reference]").fill("Regional newspaper, 5 April 2017")
    assert adding.locator("select[name=same_origin_as]").input_value() == ""  # a new origin
    adding.get_by_role("button", name="Add the source").click()
    assert "Source added and cited." in page.content()
    assert page.inner_text("#event-level") == "Corroborated"

    event = Event.objects.get()
    assert event.level == 4
    person = Person.objects.get()
    assert person.case_id == case.id and person.data_key_id == case.data_key_id
    assert Source.objects.filter(case=case, kind="victim_testimony").count() == 1
    assert all(url.startswith(live_server.url) for url in requested)
