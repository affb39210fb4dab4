"""The authorisation walk: every URL pattern of the staff side, for every role and for a
caseworker not assigned to the case, by GET and by POST. Whoever may not see the case
gets a 404 on every route that names it (never a 403, never a different page), and no
response to anyone but the people who may see it contains any of its sealed data.

The API's routes (``/api/v1/``) are in the same URLconf, so this walk covers them too:
there each request carries a bearer token of the same person instead of relying on the
session, which the API does not accept (tests/api/test_authorisation_walk.py walks them
with every kind of token)."""

from __future__ import annotations

import html
import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tests.cases.conftest import new_case
from tests.factories import login_verified, make_staff
from tests.web.forwarded import wsgi_environ
from waystation.accounts import services as accounts
from waystation.accounts.roles import Role
from waystation.accounts.sessions import LAST_SEEN_KEY
from waystation.cases.models import Alert, CaseMessage, Note, Stage, StageApproval, Task
from waystation.cases.services import (
    access,
    alerts,
    check_ins,
    daily_work,
    opening,
    stages,
    verification,
)
from waystation.vault import runtime

MARK = "Qxwzmarker"
MARKERS = [
    f"Zaurbek{MARK}",
    f"+7 912 555 01 {23}",
    f"Argun{MARK}story",
    f"note{MARK}",
    f"reference{MARK}",
    f"task{MARK}",
    f"risk{MARK}",
    f"grant{MARK}",
    f"message{MARK}",
    f"contact{MARK}",
    f"reason{MARK}",
    f"Harbour{MARK}street",
    f"leg{MARK}origin",
    f"escort{MARK}",
    f"payee{MARK}",
    f"stay{MARK}",
    f"plan{MARK}",
    "QX4471093",
    f"referral{MARK}",
    f"consent{MARK}",
]
# POSTing to these would end the test's own premises, not reveal anything: sealing the
# vault (every later request would then be refused for that reason instead).
NOT_POSTED = {"vault:seal_now"}


def walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


def fill(route: str, values: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(2)
        return values.get(name, "nosuchthing00000")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", one, route)


@pytest.fixture
def seeded(staff, team):
    case = new_case(
        team,
        [staff.caseworker],
        full_name=f"Zaurbek{MARK} Qarayev",
        phone="+7 912 555 01 23",
        narrative=f"Detained in Argun{MARK}story last week.",
        contacts=[{"name": f"contact{MARK}", "phone": "+7 912 000 11 22"}],
        urgency=1,
    )
    cw = staff.caseworker
    daily_work.add_note(user=cw, case_id=case.id, text=f"note{MARK}")
    verification.record_reference(
        user=cw, case_id=case.id, organisation="P", text=f"reference{MARK}"
    )
    daily_work.add_task(user=cw, case_id=case.id, title=f"task{MARK}")
    daily_work.assess_risk(user=cw, case_id=case.id, urgency=1, reasons=f"risk{MARK}")
    daily_work.record_message(
        user=cw, case_id=case.id, direction="in", channel="phone", text=f"message{MARK}"
    )
    grant = access.grant_access(
        user=staff.manager,
        case_id=case.id,
        grantee_id=staff.logistics.pk,
        reason=f"grant{MARK}",
        until=timezone.now() + timedelta(days=1),
    )
    # The logistics coordinator's grant makes them a viewer; revoke it at the end of set-up?
    # No: keep it, and walk with a second logistics coordinator who has none.
    stages.change_stage(
        user=cw, case_id=case.id, to_stage=Stage.DECLINED, reason=f"reason{MARK}"
    )  # urgent: waits for approval
    check_ins.set_check_in_schedule(user=cw, case_id=case.id, every_hours=1)
    alerts.check_overdue(now=timezone.now() + timedelta(hours=3))
    relocation = seed_relocation(case, staff)
    values = {
        **relocation,
        **seed_partners(case, staff),
        "case_id": case.id,
        "approval_id": StageApproval.objects.get(case=case, status="pending").id,
        "task_id": Task.objects.get(case=case).id,
        "grant_id": grant.id,
        "alert_id": Alert.objects.filter(case=case).first().id,
        "request_id": "nosuchrequest000",
        "attachment_id": "nosuchattach0000",
        "pk": str(make_staff(Role.CASEWORKER, "bystander").pk),
    }
    return case, values


def seed_relocation(case, staff) -> dict[str, str]:
    """A house, a stay, a plan, a leg, a passport and a payment waiting for approval, each
    carrying a marker: every relocation route is walked with real ids."""
    from decimal import Decimal

    from waystation.relocation.services import documents, houses, money, travel

    now = timezone.now()
    house = houses.add_house(
        user=staff.logistics,
        details=houses.HouseDetails(
            label="House W", country="GE", beds=3, address=f"Harbour{MARK}street"
        ),
    )
    stay = houses.add_placement(
        user=staff.logistics,  # a keyholder, who sees the case through its grant
        case_id=case.id,
        stay=houses.StayRequest(
            house_id=house.pk,
            arrives_on=now.date(),
            leaves_on=(now + timedelta(days=4)).date(),
            notes=f"stay{MARK}",
        ),
    )
    travel.save_plan(
        user=staff.caseworker,
        case_id=case.id,
        plan=travel.PlanInput(pathway="humanitarian_visa", destination=f"plan{MARK}"),
    )
    leg = travel.add_leg(
        user=staff.caseworker,
        case_id=case.id,
        leg=travel.LegInput(
            mode="bus",
            planned_departure=now + timedelta(days=5),
            planned_arrival=now + timedelta(days=5, hours=9),
            origin=f"leg{MARK}origin",
            escort=f"escort{MARK}",
        ),
    )
    passport = documents.add_document(
        user=staff.caseworker,
        case_id=case.id,
        document=documents.DocumentInput(kind="passport", number="QX4471093"),
    )
    programme = money.create_programme(user=staff.manager, name="Walk", threshold_minor=100)
    money.record_rate(user=staff.manager, currency="USD", day=now.date(), rate=Decimal("0.9"))
    payment = money.record_payment(
        user=staff.manager,
        case_id=case.id,
        programme_id=programme.pk,
        category="housing",
        currency="USD",
        amount_minor=50_000,
        paid_on=now.date(),
        payee=f"payee{MARK}",
        purpose="rent",
    )
    assert payment.status == "awaiting"
    return {
        "house_id": house.pk,
        "placement_id": stay.pk,
        "leg_id": leg.pk,
        "document_id": passport.pk,
        "payment_id": payment.pk,
        "programme_id": programme.pk,
        "table": "outcomes",
    }


def seed_partners(case, staff) -> dict[str, str]:
    """A partner with an approved key and another proposed, and a referral of the case
    with its consent recorded: every partners route is walked with real ids."""
    from waystation.partners.models import PartnerKey
    from waystation.partners.services import partners, referrals
    from waystation.vault import age

    partner = partners.add_partner(
        user=staff.manager, details=partners.PartnerDetails(name="Walk Partner")
    )
    first = partners.propose_key(
        user=staff.manager, partner_id=partner.id, recipient=age.new_identity().recipient
    )
    partners.decide_key_change(user=staff.other_manager, change_id=first.id, approve=True)
    pending = partners.propose_key(
        user=staff.manager, partner_id=partner.id, recipient=age.new_identity().recipient
    )
    referral = referrals.create_referral(
        user=staff.caseworker,
        case_id=case.id,
        draft=referrals.ReferralDraft(
            partner_id=partner.id,
            purpose=f"referral{MARK}",
            parts=["summary"],
            summary=f"referral{MARK} summary",
        ),
    )
    referrals.record_consent(
        user=staff.caseworker,
        case_id=case.id,
        referral_id=referral.id,
        given_by=f"consent{MARK}",
        given_at=timezone.now() - timedelta(hours=1),
        how="call",
    )
    return {
        "partner_id": partner.id,
        "change_id": pending.id,
        "key_id": PartnerKey.objects.get(partner=partner).id,
        "referral_id": referral.id,
    }


def outsiders(staff) -> dict[str, object]:
    people = {
        "screener": staff.screener,
        "unassigned caseworker": staff.other_caseworker,
        "logistics without a grant": make_staff(Role.LOGISTICS, "logistics2"),
        "manager of another team": staff.other_manager,
        "documentation officer": staff.documentation,
        "administrator": staff.admin,
    }
    return people


def api_token_header(user, route: str, minted: dict[int, str]) -> dict[str, str]:
    """For an API route: the user's own bearer token (one per user), as a client of the
    API would send it. Nothing for the pages."""
    if not route.startswith("api/v1/"):
        return {}
    from waystation.api.services import tokens

    if user.pk not in minted:
        minted[user.pk] = tokens.create_token(user=user, scope="write").secret
    return {"HTTP_AUTHORIZATION": f"Bearer {minted[user.pk]}"}


def contains_marker(content: bytes) -> list[str]:
    text = content.decode("utf-8", "replace")
    found = []
    for marker in [*MARKERS, MARK]:
        for form in {marker, html.escape(marker), marker.replace("+", "%2B")}:
            if form in text:
                found.append(marker)
    return found


@pytest.mark.parametrize("forwarded", [False, True], ids=["plain", "forwarded-headers"])
def test_every_route_hides_the_case_from_everyone_who_may_not_see_it(seeded, staff, forwarded):
    """With ``forwarded``, every request also carries every header a proxy might set
    (tests/web/forwarded.py), as a WSGI server that trusted them would pass them on."""
    case, values = seeded
    routes = list(walk(get_resolver().url_patterns))
    case_routes = [r for r in routes if "<str:case_id>" in r[1]]
    assert len(case_routes) >= 15, "the walk must see the case routes"
    before = (
        Note.objects.filter(case=case).count(),
        CaseMessage.objects.filter(case=case).count(),
        case.stage,
    )
    failures = []
    minted: dict[int, str] = {}
    for who, user in outsiders(staff).items():
        client = Client()
        for name, route in routes:
            url = fill(route, values)
            for method in ("get", "post"):
                if method == "post" and name in NOT_POSTED:
                    continue
                user.refresh_from_db()
                login_verified(client, user)
                extra = wsgi_environ(url) if forwarded else {}
                extra.update(api_token_header(user, route, minted))
                response = getattr(client, method)(
                    url,
                    data={
                        "text": "x",
                        "to_stage": "closed",
                        "outcome": "relocated",
                        "decision": "approve",
                        "reason": "x",
                        # Break-glass is the one legitimate way in (tested on its own in
                        # test_need_to_know); here it is asked for a case that is not there.
                        "case_id": "nosuchcase000000",
                    },
                    **extra,
                )
                if "<str:case_id>" in route:
                    # A method the route does not take is refused before the case is
                    # looked at (405, the same for any id); every other answer is 404.
                    user.refresh_from_db()
                    login_verified(client, user)
                    missing_url = fill(route, {**values, "case_id": "nosuchcase000000"})
                    missing = getattr(client, method)(
                        missing_url,
                        **(wsgi_environ(missing_url) if forwarded else {}),
                        **api_token_header(user, route, minted),
                    )
                    if response.status_code not in (404, 405) or (
                        response.status_code != missing.status_code
                    ):
                        failures.append(
                            f"{who} {method.upper()} {name}: {response.status_code}, "
                            f"a missing case: {missing.status_code}"
                        )
                leaked = contains_marker(response.content)
                if leaked:
                    failures.append(f"{who} {method.upper()} {name} leaked {leaked}")
                if not runtime.is_unsealed():
                    pytest.fail(f"{who} {method.upper()} {name} sealed the vault")
    assert failures == []
    case.refresh_from_db()
    assert (
        Note.objects.filter(case=case).count(),
        CaseMessage.objects.filter(case=case).count(),
        case.stage,
    ) == before


def test_the_walk_would_notice_a_leak(seeded, staff):
    """Positive control: the assigned caseworker sees the markers on the case page."""
    case, _values = seeded
    client = Client()
    login_verified(client, staff.caseworker)
    response = client.get(f"/cases/{case.id}/")
    assert response.status_code == 200
    assert set(contains_marker(response.content)) >= {f"Zaurbek{MARK}", f"note{MARK}"}
    relocation = client.get(f"/relocation/travel/case/{case.id}/")
    assert set(contains_marker(relocation.content)) >= {
        f"leg{MARK}origin",
        f"payee{MARK}",
        f"stay{MARK}",
        f"Harbour{MARK}street",  # assigned to a case staying there now
    }


def test_a_wrong_id_and_a_hidden_case_get_the_same_page(seeded, staff):
    case, _ = seeded
    client = Client()
    login_verified(client, staff.other_caseworker)
    hidden = client.get(f"/cases/{case.id}/")
    missing = client.get("/cases/nosuchcase000000/")
    assert hidden.status_code == missing.status_code == 404

    def page(content: bytes, case_id: str) -> bytes:
        # CSRF tokens are masked afresh in every response; nothing else may differ.
        content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)
        return content.replace(case_id.encode(), b"")

    assert page(hidden.content, case.id) == page(missing.content, "nosuchcase000000")


# --- a case opened from a web request ------------------------------------------------------

WEB_MARK = f"Webstory{MARK}"


@pytest.fixture
def from_the_web(staff, team):
    from tests.intake.files import jpeg_with_gps
    from waystation.intake import public_services as intake
    from waystation.intake import screening
    from waystation.intake.models import Attachment
    from waystation.intake.uploads import clean_upload

    screening.ensure_intake_key(actor_id=None)
    photo = clean_upload(name="IMG.jpg", content_type="image/jpeg", data=jpeg_with_gps())
    receipt = intake.submit_request(
        new=intake.NewRequest(
            urgency=1,
            language="ru",
            country="RU",
            story=f"They came to my flat. {WEB_MARK}",
            city=f"Argun{MARK}city",
            files=[photo],
        )
    )
    case = opening.open_case_from_request(
        user=staff.screener,
        request_id=receipt.request_id,
        team_id=team.pk,
        assignee_ids=[staff.caseworker.pk],
    )
    attachment_id = Attachment.objects.get(request_id=receipt.request_id).id
    return case, receipt.request_id, attachment_id


def test_a_web_request_turned_case_is_hidden_on_the_intake_pages(from_the_web, staff):
    _case, request_id, attachment_id = from_the_web
    pages = {
        "queue": ("get", "/intake/", "/intake/"),
        "request": ("get", f"/intake/{request_id}/", "/intake/nosuchrequest000/"),
        "file": (
            "get",
            f"/intake/{request_id}/files/{attachment_id}/",
            f"/intake/nosuchrequest000/files/{attachment_id}/",
        ),
        "answer": ("post", f"/intake/{request_id}/answer/", "/intake/nosuchrequest000/answer/"),
    }
    failures = []
    for who, user in outsiders(staff).items():
        client = Client()
        for page, (method, url, missing_url) in pages.items():
            user.refresh_from_db()
            login_verified(client, user)
            data = {"kind": "reply", "text": "x"} if method == "post" else None
            response = getattr(client, method)(url, data=data)
            missing = getattr(client, method)(missing_url, data=data)
            if page != "queue" and response.status_code != missing.status_code:
                failures.append(f"{who} {page}: {response.status_code} vs {missing.status_code}")
            if page != "queue" and response.status_code not in (403, 404):
                failures.append(f"{who} {page}: {response.status_code}")
            if contains_marker(response.content):
                failures.append(f"{who} {page} leaked {contains_marker(response.content)}")
            if page == "file" and response.content.startswith(b"\xff\xd8"):
                failures.append(f"{who} {page} got the file")
    assert failures == []
    from waystation.intake.models import MailboxMessage

    assert not MailboxMessage.objects.filter(request_id=request_id, direction="out").exists()


def test_the_case_s_people_still_reach_its_web_request(from_the_web, staff):
    """Positive control: the assignee sees the request, its file, and the way to the case."""
    case, request_id, attachment_id = from_the_web
    client = Client()
    login_verified(client, staff.caseworker)
    page = client.get(f"/intake/{request_id}/")
    assert page.status_code == 200
    assert WEB_MARK in page.content.decode()
    assert f"/cases/{case.id}/" in page.content.decode()
    file = client.get(f"/intake/{request_id}/files/{attachment_id}/")
    assert file.status_code == 200 and file.content.startswith(b"\xff\xd8")
    queue = client.get("/intake/")
    assert request_id not in queue.content.decode()


# --- sessions that must open nothing, whatever the forwarding headers say -------------------
#
# Security review, December: with ``SCRIPT_NAME: /static`` trusted, every page looked like
# a static file to the session middleware, so a password alone, an ended or idle session,
# and a sealed server all served case pages. Here the case's own caseworker (who would
# see everything once fully signed in) walks every route in each of those states with
# every forwarding header set. "script-name-trusted" also tells Django to take the
# environ's SCRIPT_NAME as given (FORCE_SCRIPT_NAME=None): the middleware must hold
# without the settings' help.

# The second step itself (a code, or a security key's two requests), enrolment, signing
# out, and the language buttons the sign-in pages carry.
SIGN_IN_STEPS = {
    "accounts:login",
    "accounts:verify",
    "accounts:verify_key_options",
    "accounts:verify_key",
    "accounts:enrol",
    "accounts:logout",
    "accounts:language",
}


def _password_only(client, user) -> None:
    client.force_login(user)  # what the password step leaves: no second-factor device


def _ended(client, user) -> None:
    login_verified(client, user)
    accounts.end_all_sessions(actor_id=None, user=user)  # "sign out everywhere"


def _idle(client, user) -> None:
    login_verified(client, user)
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - settings.WAYSTATION_IDLE_TIMEOUT_SECONDS - 60
    session.save()


@pytest.mark.parametrize("script_name", ["as-configured", "script-name-trusted"])
@pytest.mark.parametrize("state", ["password only", "ended", "idle", "sealed"])
def test_no_route_opens_for_an_unfinished_ended_idle_or_sealed_session_whatever_the_headers(
    seeded, staff, vault, settings, state, script_name
):
    _case, values = seeded
    if script_name == "script-name-trusted":
        settings.FORCE_SCRIPT_NAME = None
    user = staff.caseworker
    client = Client()
    if state == "sealed":
        login_verified(client, user)
        vault.seal()
    failures = []
    for name, route in walk(get_resolver().url_patterns):
        url = fill(route, values)
        for method in ("get", "post"):
            if method == "post" and name in NOT_POSTED:
                continue
            if state != "sealed":
                user.refresh_from_db()
                {"password only": _password_only, "ended": _ended, "idle": _idle}[state](
                    client, user
                )
            response = getattr(client, method)(url, data={"text": "x"}, **wsgi_environ(url))
            where = f"{method.upper()} {name}"
            location = response.get("Location", "")
            if contains_marker(response.content):
                failures.append(f"{where} leaked {contains_marker(response.content)}")
            if state == "sealed":
                if response.status_code != 503:
                    failures.append(f"{where}: {response.status_code}, not the sealed page")
            elif state == "password only":
                if name not in SIGN_IN_STEPS and not (
                    response.status_code == 302 and "/accounts/login/code/" in location
                ):
                    failures.append(f"{where}: {response.status_code}, not the code page")
            else:
                if not (response.status_code == 302 and "/accounts/login/" in location):
                    failures.append(f"{where}: {response.status_code}, not the sign-in page")
                if "_auth_user_id" in client.session:
                    failures.append(f"{where}: the {state} session was not ended")
    assert failures == []
