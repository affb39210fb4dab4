# ruff: noqa: RUF001  # Russian text on purpose: these tests read Russian pages
"""The casework pages in Russian, for every role that sees cases (docs/translating.md).

The walker of tests/accounts/test_staff_in_russian.py fills only ``pk`` and
``partner_id``; casework routes name a case, an approval, a task, a grant, a request.
This walk builds a small world with a history (a case opened from a web request with its
mailbox, notes, tasks, a reference, a risk assessment, check-ins, a grant, emergency
access, a move waiting for approval, alerts, a similar case out of sight, a closed case
with a request to shred it, a shredded case) and reads every casework page each member
may open, with the member's language set to Russian."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone, translation

from tests.accounts.test_staff_in_russian import english_words, staff_url_names
from tests.factories import make_staff, signed_in_client
from waystation.accounts.models import StaffUser
from waystation.accounts.roles import Role
from waystation.cases.models import (
    Alert,
    Case,
    Channel,
    CheckInSchedule,
    NoteKind,
    Stage,
    StageApproval,
    Task,
    Urgency,
)
from waystation.cases.services import (
    access,
    alerts,
    check_ins,
    daily_work,
    opening,
    shredding,
    stages,
    verification,
)
from waystation.cases.services.common import CaseError
from waystation.intake import public_services as intake
from waystation.intake import screening
from waystation.intake.models import CheckInKind
from waystation.intake.uploads import CleanFile

pytestmark = pytest.mark.django_db

PHONE = "+7 912 000 00 01"
# The people of the world, by role: their usernames are the only Latin words it puts on
# a page (names, stories and notes are Cyrillic; the country is the allowed "DE").
USERNAMES = {
    Role.SCREENER: "gleb",
    Role.CASEWORKER: "amina",
    Role.LOGISTICS: "dina",
    Role.PROGRAMME_MANAGER: "boris",
    Role.DOCUMENTATION: "egor",
    Role.ADMINISTRATOR: "zoya",
}
FIXTURE_WORDS = set(USERNAMES.values()) | {"vera"}


def _web_request(story: str) -> intake.Receipt:
    screening.ensure_intake_key(actor_id=None)
    return intake.submit_request(
        new=intake.NewRequest(
            urgency=Urgency.DAYS,
            language="ru",
            country="DE",
            story=story,
            city="Грозный",
            contact_channel="phone",
            contact_handle=PHONE,
        )
    )


def _by_hand(team, assignees, *, phone: str = "+7 912 000 00 99") -> Case:
    return opening.open_case_manually(
        actor_id=None,
        intake=opening.ManualIntake(
            full_name="Лейла Умарова",
            phone=phone,
            narrative="Звонила с чужого телефона.",
            urgency=Urgency.NOT_IMMEDIATE,
            channel=Channel.PHONE,
            country="DE",
        ),
        team_id=team.pk,
        assignee_ids=[u.pk for u in assignees],
    )


@pytest.fixture
def world(db):
    members = {role: make_staff(role, username) for role, username in USERNAMES.items()}
    cw = members[Role.CASEWORKER]
    manager = members[Role.PROGRAMME_MANAGER]
    second = make_staff(Role.PROGRAMME_MANAGER, "vera")  # the shred's second person
    north = access.create_team(actor_id=None, name="Север", supervisor_id=manager.pk)
    south = access.create_team(actor_id=None, name="Юг", supervisor_id=second.pk)

    # The main case, from a web request, with its mailbox before and after opening.
    receipt = _web_request("Они читают мои сообщения.")
    mailbox = intake.open_mailbox(typed_codename=receipt.codename)
    assert mailbox is not None
    intake.send_message(mailbox=mailbox, text="Написано до открытия дела")
    case = opening.open_case_from_request(
        user=members[Role.SCREENER],
        request_id=receipt.request_id,
        team_id=north.pk,
        assignee_ids=[cw.pk],
        full_name="Зарема Ахмадова",
        birth_year="1994",
    )
    photo = CleanFile(kind="image", content_type="image/png", extension="png", data=b"x" * 10)
    intake.send_message(mailbox=mailbox, text="Повестка во вложении", files=[photo])
    intake.record_check_in(mailbox=mailbox, kind=CheckInKind.SAFE)
    intake.record_check_in(mailbox=mailbox, kind=CheckInKind.NEED_HELP)
    daily_work.add_note(user=cw, case_id=case.id, text="Позвонила сестра.")
    daily_work.add_note(
        user=cw, case_id=case.id, text="Рассказ совпадает.", kind=NoteKind.CREDIBILITY
    )
    daily_work.record_message(
        user=cw, case_id=case.id, direction="in", channel="phone", text="Я в подвале."
    )
    daily_work.add_task(
        user=cw, case_id=case.id, title="Купить билет", due_at=timezone.now() + timedelta(days=2)
    )
    done = daily_work.add_task(user=cw, case_id=case.id, title="Найти юриста")
    daily_work.complete_task(user=cw, case_id=case.id, task_id=done.id)
    daily_work.assess_risk(user=cw, case_id=case.id, urgency=Urgency.NOW, reasons="Обыск.")
    verification.record_reference(
        user=cw, case_id=case.id, organisation="Мемориал", text="Знаем её давно."
    )
    verification.update_checklist(
        user=cw,
        case_id=case.id,
        identity_seen=True,
        interview_held=True,
        partner_reference=True,
        narrative_consistent=True,
    )
    stages.change_stage(user=cw, case_id=case.id, to_stage=Stage.VERIFICATION)
    check_ins.set_check_in_schedule(user=cw, case_id=case.id, every_hours=12)
    check_ins.record_check_in(user=cw, case_id=case.id)
    grant = access.grant_access(
        user=manager,
        case_id=case.id,
        grantee_id=members[Role.DOCUMENTATION].pk,
        reason="Проверить паспорт.",
        until=timezone.now() + timedelta(days=5),
    )
    access.break_glass(user=members[Role.LOGISTICS], case_id=case.id, reason="Не отвечают.")
    asked = stages.change_stage(user=cw, case_id=case.id, to_stage=Stage.PLANNING)
    assert not asked.moved  # waits for a second person
    # A check-in missed past its grace: alerts to the caseworker and the supervisor.
    CheckInSchedule.objects.filter(case=case).update(
        next_due_at=timezone.now() - timedelta(hours=7)
    )
    alerts.check_overdue()

    # The same phone, in a team the caseworker does not see: a match out of sight.
    _by_hand(south, [second], phone=PHONE)
    # A closed case, kept for its retention, that one manager has asked to shred.
    closed = _by_hand(north, [cw, second])
    stages.change_stage(user=cw, case_id=closed.id, to_stage=Stage.DECLINED, reason="Дубль.")
    shred = shredding.request_shred(user=manager, case_id=closed.id, reason="Просьба семьи.")
    # A shredded case: its tombstone.
    gone = _by_hand(north, [cw, second])
    asked_gone = shredding.request_shred(user=manager, case_id=gone.id, reason="Угроза утечки.")
    shredding.confirm_shred(user=second, case_id=gone.id, request_id=asked_gone.id)
    # A web request not yet a case: the page that opens one from it.
    waiting = _web_request("Помогите, пожалуйста.")

    main = {
        "case_id": case.id,
        "approval_id": StageApproval.objects.get(case=case, status="pending").id,
        "task_id": Task.objects.filter(case=case, done_at__isnull=True).get().id,
        "grant_id": grant.id,
        "alert_id": Alert.objects.filter(case=case).first().id,
        "request_id": waiting.request_id,
    }
    cases = {
        "main": main,
        "closed": {**main, "case_id": closed.id, "request_id": shred.id},
        "shredded": {**main, "case_id": gone.id},
    }
    return members, second, cases


def _urls(pattern: URLPattern, name: str, cases: dict[str, dict[str, str]]) -> set[str]:
    """Every URL of this route the world can fill: once per case for a case's routes."""
    wanted = set(pattern.pattern.regex.groupindex)
    if not wanted:
        return {reverse(name)}
    if not wanted <= set(cases["main"]):
        return set()
    if "case_id" not in wanted:
        return {reverse(name, kwargs={k: cases["main"][k] for k in wanted})}
    return {reverse(name, kwargs={k: values[k] for k in wanted}) for values in cases.values()}


def _russian(member: StaffUser) -> Client:
    client = signed_in_client(member, reauthenticated=True)
    member.language = "ru"
    member.save(update_fields=["language"])
    return client


def test_every_casework_page_is_russian_for_every_role(world):
    members, second, cases = world
    people = {role.name.lower(): member for role, member in members.items()}
    people["second"] = second
    routes = [(n, p) for n, p in staff_url_names() if n.startswith("cases:")]
    extra = [  # the same pages with what a query adds: a filter, search results
        f"{reverse('cases:queue')}?stage=verification",
        f"{reverse('cases:search')}?q={PHONE}",
        f"{reverse('cases:search')}?q=Зарема",
    ]
    # Random ids are data, shown in titles and messages: one without a digit (a few in a
    # hundred are) would read as a word.
    fixture_words = FIXTURE_WORDS | set(Case.objects.values_list("id", flat=True))
    walked: set[tuple[str, str]] = set()
    failures: dict[str, list[str]] = {}
    for who, member in people.items():
        client = _russian(member)
        pages = [(name, url) for name, pattern in routes for url in _urls(pattern, name, cases)]
        pages += [("query", url) for url in extra]
        for name, url in pages:
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            assert response["Content-Language"] == "ru"
            walked.add((who, name))
            found = english_words(response.content.decode(), fixture_words)
            if found:
                failures[f"{who} {url}"] = sorted(found)
    assert failures == {}
    # The walk reached the pages it is for: a broken walk must not pass by seeing nothing.
    seen = {name for _, name in walked}
    assert {
        "cases:queue",
        "cases:mine",
        "cases:detail",
        "cases:alerts",
        "cases:search",
        "cases:teams",
        "cases:new",
        "cases:from_request",
        "cases:break_glass",
        "cases:shred",
    } <= seen
    assert {
        ("caseworker", "cases:detail"),
        ("programme_manager", "cases:detail"),
        ("programme_manager", "cases:teams"),
        ("programme_manager", "cases:shred"),
        ("second", "cases:shred"),
        ("logistics", "cases:detail"),  # through emergency access
        ("documentation", "cases:detail"),  # through a grant
        ("screener", "cases:from_request"),
        ("administrator", "cases:queue"),
    } <= walked


def test_the_case_page_shows_its_history_in_russian(world):
    members, _second, cases = world
    client = _russian(members[Role.CASEWORKER])
    page = client.get(reverse("cases:detail", args=[cases["main"]["case_id"]])).content.decode()
    for words in (
        "Этап",
        "Проверка",  # the stage, by its name
        "Ждёт одобрения:",  # the move to planning
        "Заметка о достоверности",
        "Отметка о связи из веб-ящика: «Я в безопасности»",
        "1 файл (в обращении)",
        "Каждые 12 часов",
        "экстренный доступ",
        "ещё 1 дело, которое вам не видно",  # the same phone, in the other team
        "Тот же номер телефона",
        "Задача выполнена",
    ):
        assert words in page, words
    assert "дек." in page or "янв." in page  # dates in Russian, not 2026-12-07


def test_a_refused_form_and_a_done_action_speak_russian(world):
    members, _second, cases = world
    client = _russian(members[Role.CASEWORKER])
    case_id = cases["main"]["case_id"]
    refused = client.post(reverse("cases:note", args=[case_id]), {"kind": "note", "text": ""})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Ничего не сохранено." in html and "Обязательное поле." in html
    assert english_words(html, FIXTURE_WORDS | {case_id}) == set()

    # A service's refusal, in the form it came from: a grant longer than the longest.
    manager = _russian(members[Role.PROGRAMME_MANAGER])
    until = (timezone.now() + timedelta(days=200)).date().isoformat()
    refused = manager.post(
        reverse("cases:grant", args=[case_id]),
        {"grantee": members[Role.LOGISTICS].pk, "reason": "Поездка.", "until": until},
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Доступ даётся не больше чем на 90 дней за раз." in html
    assert english_words(html, FIXTURE_WORDS | {case_id}) == set()

    done = client.post(
        reverse("cases:note", args=[case_id]), {"kind": "note", "text": "Связь есть."}, follow=True
    )
    html = done.content.decode()
    assert "Заметка добавлена." in html
    assert english_words(html, FIXTURE_WORDS | {case_id}) == set()


def test_the_teams_page_says_a_new_team_is_set_up_in_russian(world):
    members, _second, _cases = world
    manager = members[Role.PROGRAMME_MANAGER]
    client = _russian(manager)
    done = client.post(
        reverse("cases:teams"), {"name": "Запад", "supervisor": manager.pk}, follow=True
    )
    assert "Команда Запад создана." in done.content.decode()
    refused = client.post(reverse("cases:teams"), {"name": "Запад", "supervisor": manager.pk})
    assert refused.status_code == 400
    assert "Команда с таким названием уже есть." in refused.content.decode()


def test_service_refusals_name_the_field_and_its_limit_in_russian(world):
    members, _second, cases = world
    cw, case_id = members[Role.CASEWORKER], cases["main"]["case_id"]
    with translation.override("ru"):
        with pytest.raises(CaseError, match=re.escape("Поле «Заметка» обязательно.")):
            daily_work.add_note(user=cw, case_id=case_id, text=" ")
        with pytest.raises(CaseError) as too_long:
            daily_work.add_note(user=cw, case_id=case_id, text="я" * 20_001)
        assert str(too_long.value) == "Поле «Заметка»: не больше 20\xa0000 символов."
    english = re.escape("The note is limited to 20,000 characters.")
    # English stays the words the other tests read.
    with translation.override("en"), pytest.raises(CaseError, match=english):
        daily_work.add_note(user=cw, case_id=case_id, text="я" * 20_001)
