# ruff: noqa: RUF001  # Russian text on purpose: these tests read Russian pages
"""The screeners' pages, the home page of every role and the error pages, in Russian.

The walk in tests/accounts/test_staff_in_russian.py fills only ``pk`` and ``partner_id``;
the intake's pages need a request's id, so this walk builds the requests (fictional
ones) and visits every page a screener reads, in each state a request can be in.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.accounts.test_staff_in_russian import english_words
from tests.factories import make_staff, signed_in_client
from tests.intake.files import jpeg_with_gps
from tests.intake.test_staff_pages import mailbox_of, new_request
from waystation.accounts.roles import ROLE_PERMISSIONS, Role
from waystation.intake import public_services, screening
from waystation.intake.models import CheckInKind, HelpRequest, MessageKind, Urgency
from waystation.intake.uploads import clean_upload

pytestmark = pytest.mark.django_db

PARTNER = "Harbour Shelter"
# What the fixture itself puts on the pages in Latin letters: the partner's name and the
# members' usernames.
FIXTURE_WORDS = {"Harbour", "Shelter", "screener", "member", "logistics", "answering"}


def russian(role: Role, username: str):
    member = make_staff(role, username=username)
    member.language = "ru"
    member.save(update_fields=["language"])
    return signed_in_client(member)


@pytest.fixture
def requests(intake_key):
    """One request in each state the queue has a tab for, and a partner's referral."""
    photo = clean_upload(name="IMG.jpg", content_type="image/jpeg", data=jpeg_with_gps())
    waiting = new_request(
        "Меня ищут, я прячусь у друзей.",
        urgency=Urgency.NOW,
        language="ru",
        city="Казань",
        contact_channel="signal",
        contact_handle="+7 900 000 00 00",
        files=[photo],
    )
    screener = make_staff(Role.SCREENER, username="answering")
    screening.answer_request(
        user=screener, request_id=waiting.request_id, kind=MessageKind.MORE_INFO, text="Где вы?"
    )
    # After the answer: the queue flags both, and shows the request again.
    public_services.send_message(mailbox=mailbox_of(waiting), text="Пишу ещё раз.")
    public_services.record_check_in(mailbox=mailbox_of(waiting), kind=CheckInKind.NEED_HELP)
    answered = new_request("Мне нужен совет юриста.", language="ru")
    screening.answer_request(
        user=screener, request_id=answered.request_id, kind=MessageKind.REPLY, text="Ответ."
    )
    declined = new_request("Прошу помочь с визой.", language="ru")
    screening.answer_request(
        user=screener,
        request_id=declined.request_id,
        kind=MessageKind.DECLINE,
        text="Простите.",
    )
    fresh = new_request("Они забрали мой телефон на границе.", language="ru")
    referred = screening.receive_partner_referral(
        actor_id=None,
        referral=screening.PartnerReferral(
            partner_name=PARTNER, urgency=2, language="ru", country="RU", story="Семья из трёх."
        ),
    )
    return {
        "waiting": waiting.request_id,
        "answered": answered.request_id,
        "declined": declined.request_id,
        "new": fresh.request_id,
        "referred": referred.id,
    }


def english_on(response) -> set[str]:
    assert "text/html" in response["Content-Type"]
    return english_words(response.content.decode(), FIXTURE_WORDS)


def test_every_screeners_page_is_russian(requests):
    client = russian(Role.SCREENER, "screener")
    queue = reverse("intake:queue")
    pages = {
        "queue": (queue, 200),
        **{f"queue {view}": (f"{queue}?view={view}", 200) for view in ("waiting", "answered")},
        "queue declined": (f"{queue}?view=declined", 200),
        **{
            f"request {state}": (reverse("intake:detail", args=[request_id]), 200)
            for state, request_id in requests.items()
        },
        **{
            f"template {kind}": (
                reverse("intake:detail", args=[requests["new"]]) + f"?answer={kind}",
                200,
            )
            for kind in ("reply", "more_info", "decline")
        },
    }
    visited, failures = {}, {}
    for name, (url, status) in pages.items():
        response = client.get(url)
        assert response.status_code == status, name
        visited[name] = response.content.decode()
        if found := english_on(response):
            failures[name] = sorted(found)
    # What a screener is told when the form is refused, and after sending.
    answer = reverse("intake:answer", args=[requests["new"]])
    refused = client.post(answer, {"kind": "decline", "text": "Нет."})
    assert refused.status_code == 400
    if found := english_on(refused):
        failures["decline not confirmed"] = sorted(found)
    sent = client.post(answer, {"kind": "reply", "text": "Мы прочитали."}, follow=True)
    if found := english_on(sent):
        failures["after sending"] = sorted(found)
    assert failures == {}

    # The walk saw the pages it is for, with their data (a walk that saw nothing passes).
    assert "Ждут ответа" in visited["queue"] and "Просит помощи сейчас" in visited["queue"]
    assert "Написал(а) снова" in visited["queue"]
    assert "Направление от организации-партнёра" in visited["queue"]
    assert "Дан ответ" in visited["queue answered"]
    assert "Отказано" in visited["queue declined"]
    waiting = visited["request waiting"]
    for text in ("Меня ищут", "Казань", "Россия", "Русский", "Файл 1", "Мне срочно нужна"):
        assert text in waiting, text
    assert "Мы запросили подробности" in waiting and "От заявителя" in waiting
    assert "веб-ящика заявителя нет" in visited["request referred"]
    assert "больше ответов на него не отправить" in visited["request declined"]
    # The starting text is the applicant's catalogue's, in the applicant's language.
    assert "Здравствуйте" in visited["template decline"]
    assert "Поставьте здесь отметку" in refused.content.decode()
    assert "Ответ отправлен." in sent.content.decode()
    assert HelpRequest.objects.get(pk=requests["new"]).status == "answered"


def test_the_queue_without_an_intake_key_is_russian(db):
    html = russian(Role.SCREENER, "screener").get(reverse("intake:queue")).content.decode()
    assert "нет ключа первичного приёма" in html
    assert english_words(html, FIXTURE_WORDS) == set()


@pytest.mark.parametrize("role", list(Role))
def test_the_home_page_of_every_role_is_russian(requests, role):
    response = russian(role, "member").get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Что ждёт вас сейчас" in html
    assert english_words(html, FIXTURE_WORDS) == set()
    # Each role saw its parts of the page (a page of no part would pass unread).
    parts = set(re.findall(r'<h2 id="home-(\w+)"', html))
    if role == Role.ADMINISTRATOR:
        assert parts == {"status"}
    else:
        assert "casework" in parts or "approvals" in parts
    screens = "intake.screen_request" in ROLE_PERMISSIONS[role]
    assert ("queue" in parts) == screens
    if screens:
        assert "обращения ждут ответа" in html or "обращений ждут ответа" in html


def test_the_error_pages_are_russian(requests):
    client = russian(Role.LOGISTICS, "logistics")
    forbidden = client.get(reverse("intake:queue"))
    assert forbidden.status_code == 403
    assert "Не разрешено" in forbidden.content.decode()
    assert english_on(forbidden) == set()
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "Не найдено" in missing.content.decode()
    assert english_on(missing) == set()
    # A request the member may not see is "not found", the same page, in Russian too.
    screener = russian(Role.SCREENER, "screener")
    gone = screener.get(reverse("intake:detail", args=["x" * 16]))
    assert gone.status_code == 404 and "Не найдено" in gone.content.decode()
