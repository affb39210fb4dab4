# ruff: noqa: RUF001  # Russian text on purpose: these tests read Russian pages
"""The lists and matching pages in Russian, for every role that may open them
(docs/translating.md). The walker of tests/accounts/test_staff_in_russian.py has no
fixture for a list, an import or a match; this walk builds them (lists in Cyrillic, a
done and a refused import, proposed and decided matches, a refused form) and reads every
such page with the member's language set to Russian."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.accounts.test_staff_in_russian import english_words, staff_url_names
from tests.factories import make_staff, signed_in_client
from waystation.accounts.roles import Role
from waystation.documentation.models import ProposedMatch
from waystation.documentation.services import imports, lists, matching

pytestmark = pytest.mark.django_db

USERNAMES = {Role.DOCUMENTATION: "egor", Role.PROGRAMME_MANAGER: "boris"}
# Data and formats, not English: the file's encoding and the country code of the entries
# and of the examples. The CSV file's column names (which the file must use as they are)
# appear only inside <code>, which the walker does not read as text: anywhere else,
# "name" or "phone" is English left untranslated.
FIXTURE_WORDS = set(USERNAMES.values()) | {"UTF", "RU"}


@pytest.fixture
def world():
    members = {role: make_staff(role, name) for role, name in USERNAMES.items()}
    officer = members[Role.DOCUMENTATION]
    hotline = lists.create_list(user=officer, name="Горячая линия", kind="hotline")
    partner = lists.create_list(
        user=officer, name="Приют Север", kind="partner", event_kind="detention", country="RU"
    )
    for person_list in (hotline, partner):
        lists.add_entry(
            user=officer,
            list_id=person_list.id,
            values={
                "name": "Руслан Умаров",
                "birth_year": "1990",
                "phone": "+7 912 000 00 01",
                "country": "RU",
            },
        )
    lists.add_entry(user=officer, list_id=hotline.id, values={"name": "Адам Дудаев"})
    lists.add_entry(user=officer, list_id=partner.id, values={"name": "Адам Дудаев"})
    done = imports.import_csv(user=officer, list_id=partner.id, data="name\nХеда Исаева\n".encode())
    refused = imports.import_csv(
        user=officer,
        list_id=hotline.id,
        data="name,phone,birth_year\n<b>Хеда</b>,=1+2,19x0\nАсет\n".encode(),
    )
    matching.propose_matches(user=officer)
    decided = ProposedMatch.objects.order_by("-score").first()
    matching.confirm_match(user=officer, match_id=decided.id)
    return members, {
        "list_id": hotline.id,
        "import_id": refused.id,
        "match_id": decided.id,
        "done": (partner.id, done.id),
    }


def _urls(ids) -> list[str]:
    urls = []
    for name, pattern in staff_url_names():
        if not name.startswith(("documentation:list", "documentation:match")):
            continue
        wanted = set(pattern.pattern.regex.groupindex)
        if wanted - {"list_id", "import_id", "entry_id", "match_id"}:
            continue
        if "entry_id" in wanted or "match_id" in wanted:
            continue  # POST only
        urls.append(reverse(name, kwargs={k: ids[k] for k in wanted}))
    partner_id, done_id = ids["done"]
    urls.append(
        reverse("documentation:list_import", kwargs={"list_id": partner_id, "import_id": done_id})
    )
    urls += [reverse("documentation:matches") + f"?status={s}" for s in ("confirmed", "rejected")]
    return urls


def _russian(member):
    member.language = "ru"
    member.save(update_fields=["language"])
    return signed_in_client(member)


def test_every_lists_page_is_russian_for_every_role_that_opens_it(world):
    members, ids = world
    fixture_words = FIXTURE_WORDS | {
        w
        for value in ids.values()
        for v in (value if isinstance(value, tuple) else [value])
        for w in re.findall(r"[A-Za-z]+", v)
    }
    walked, failures = set(), {}
    for role, member in members.items():
        client = _russian(member)
        for url in _urls(ids):
            response = client.get(url)
            if response.status_code != 200:
                continue
            walked.add(url.split("?")[0] if role == Role.DOCUMENTATION else f"{role} {url}")
            found = english_words(response.content.decode(), fixture_words)
            if found:
                failures[f"{role.value} {url}"] = sorted(found)
    assert failures == {}
    assert len(walked) >= 7  # lists, a list, two imports, the review; and the manager's reads


def test_a_refused_entry_and_a_done_action_speak_russian(world):
    members, ids = world
    client = _russian(members[Role.DOCUMENTATION])
    page = client.post(
        f"/documentation/lists/{ids['list_id']}/entries/",
        {"name": "Адам", "birth_year": "19x5"},
        follow=True,
    )
    html = page.content.decode()
    assert "Год рождения: не год от 1900 до 2099" in html
    assert (
        english_words(html, FIXTURE_WORDS | set(re.findall(r"[A-Za-z]+", ids["list_id"]))) == set()
    )

    page = client.post(f"/documentation/matches/{ids['match_id']}/undo/", follow=True)
    assert "Решение отменено" in page.content.decode()
