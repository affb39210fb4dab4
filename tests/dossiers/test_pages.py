# ruff: noqa: RUF001  # Russian text on purpose: these tests read Russian pages
"""The dossier pages, as the staff use them: in Russian for every role that may open
them (no English left but data), built through the forms, and hostile input on every
form refused with a clear message and nothing changed."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.accounts.test_staff_in_russian import english_words, staff_url_names
from tests.dossiers.conftest import build, photo, small_pdf
from tests.relocation.test_relocation_in_russian import russian_client
from waystation.dossiers.models import CustodyEvent, Dossier, Exhibit

pytestmark = pytest.mark.django_db

DATA_WORDS = {"North", "CA", "Invented", "Translator", "To", "the", "Immigration", "and"}
DATA_WORDS |= {"Refugee", "Board", "please", "find", "evidence", "enclosed", "I", "was"}
DATA_WORDS |= {"detained", "in", "March", "held", "for", "three", "days", "Photo", "of"}
DATA_WORDS |= {"bruises", "Exhibit", "upload", "Test", "Person", "ru", "passport", "photo"}
DATA_WORDS |= {"jpg", "A", "story", "told", "on", "phone", "themself", "video", "call", "agreed"}
DATA_WORDS |= {"number", "person", "ar", "fa"}  # the consent note; language codes in a hint
HTML_PAGES = {"dossiers:case", "dossiers:dossier"}


def _data_words(staff) -> set[str]:
    names = {w for m in staff.everyone().values() for w in re.findall(r"[A-Za-z]+", m.username)}
    return DATA_WORDS | names


def test_every_dossier_page_is_russian_for_every_role(staff, case):
    made = build(staff, case)
    pages = {
        "dossiers:case": reverse("dossiers:case", args=[case.id]),
        "dossiers:dossier": reverse("dossiers:dossier", args=[case.id, made.dossier.id]),
    }
    # The pages a GET shows are these two; the other routes are actions (POST only).
    assert {n for n, _ in staff_url_names() if n.startswith("dossiers:")} >= set(pages)
    walked: set[str] = set()
    failures: dict[str, list[str]] = {}
    for role, member in staff.everyone().items():
        client = russian_client(member)
        for name, url in pages.items():
            response = client.get(url)
            if response.status_code != 200:
                continue
            assert response["Content-Language"] == "ru"
            walked.add(name)
            found = english_words(response.content.decode(), _data_words(staff))
            if found:
                failures[f"{role} {name}"] = sorted(found)
    assert failures == {}
    assert walked == HTML_PAGES


def test_a_dossier_is_built_through_the_pages(staff, case):
    client = russian_client(staff.caseworker)
    base = f"/dossiers/case/{case.id}/"
    response = client.post(base + "new/", {"purpose": "asylum", "country": "ca", "language": "fr"})
    dossier = Dossier.objects.get(case=case)
    assert response.url == f"{base}{dossier.id}/"
    url = f"{base}{dossier.id}/"
    client.post(
        url + "statement/",
        {
            "statement_language": "ru",
            "statement": "Меня задержали.",
            "translation": "I was detained.",
            "translator": "Invented Translator",
        },
    )
    client.post(url + "cover-letter/", {"text": "To the Board."})
    with_file = client.post(
        url + "exhibits/upload/",
        {"title": "Фото", "file": _upload("photo.jpg", photo(), "image/jpeg")},
    )
    said = [str(m) for m in with_file.wsgi_request._messages]
    assert said[-1] == "Приложение добавлено; его метаданные удалены."
    assert not any("отклон" in s or "не" in s.split() for s in said), said
    dossier.refresh_from_db()
    assert dossier.country == "CA" and dossier.statement == "Меня задержали."
    assert dossier.cover_letter == "To the Board."
    exhibit = Exhibit.objects.get(dossier=dossier)
    assert exhibit.received_sha256 != exhibit.stored_sha256
    assert b"Invented Phone" not in exhibit.file.data
    page = client.get(url).content.decode()
    assert "Меня задержали." in page and exhibit.stored_sha256 in page


def _upload(name: str, data: bytes, content_type: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


HOSTILE = "<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("route", "data", "said"),
    [
        (
            "statement/",
            {
                "statement_language": "../etc",
                "statement": "x",
                "translation": "y",
                "translator": "z",
            },
            "Язык заявления указывается кодом",
        ),
        (
            "statement/",
            {
                "statement_language": "ru",
                "statement": "x" * 60_001,
                "translation": "y",
                "translator": "z",
            },
            "60",
        ),
        (
            "statement/",
            {
                "statement_language": "ru",
                "statement": "a\x00b",
                "translation": "y",
                "translator": "z",
            },
            "",
        ),
        (
            "statement/",
            {
                "statement_language": "ru",
                "statement": "x",
                "translation": "y",
                "translator": "a\nb",
            },
            "Имя переводчика — одна строка.",
        ),
        ("cover-letter/", {"text": ""}, ""),
        ("cover-letter/", {"text": "x" * 20_001}, ""),
        (
            "timeline/",
            {"entries": ["notakey", "../../x"]},
            "Выбранной записи нет в хронологии этого дела.",
        ),
        (
            "exhibits/case-file/",
            {"document": "' OR 1=1 --", "title": "x"},
            "Выберите один из файлов этого дела.",
        ),
        (
            "exhibits/case-file/",
            {"document": "x" * 500, "title": "x"},
            "Выберите один из файлов этого дела.",
        ),
        ("recipient/", {"age_key": HOSTILE}, ""),
        ("recipient/", {"partner": "nosuchpartner", "age_key": ""}, ""),
        (
            "recipient/",
            {"partner": "", "age_key": ""},
            "Выберите партнёра или введите ключ age — одно из двух.",
        ),
        (
            "consent/",
            {"given_by": "x", "given_at": "2999-01-01 10:00", "how": "x"},
            "Согласие не может быть дано в будущем.",
        ),
        ("consent/", {"given_by": "x", "given_at": "not a date", "how": "x"}, ""),
        ("request/", {}, ""),
    ],
)
def test_hostile_input_on_each_form_is_refused_and_changes_nothing(staff, case, route, data, said):
    made = build(staff, case, exhibits=0)
    Dossier.objects.filter(pk=made.dossier.id).update(requested_by_id=None)
    if route == "request/":
        Dossier.objects.filter(pk=made.dossier.id).update(consent_kind="", consent_at=None)
    before = list(Dossier.objects.values())
    client = russian_client(staff.caseworker)

    response = client.post(f"/dossiers/case/{case.id}/{made.dossier.id}/{route}", data)

    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert len(messages) == 1 and said in messages[0], messages
    assert english_words(messages[0], set()) <= {"age", "ru", "ar", "fa"}
    assert list(Dossier.objects.values()) == before
    assert HTML not in client.get(f"/dossiers/case/{case.id}/{made.dossier.id}/").content.decode()


HTML = HOSTILE


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("photo.jpg", b"MZ\x90\x00 an executable", "image/jpeg"),
        ("page.html", b"<html><script>alert(1)</script></html>", "text/html"),
        ("../../etc/passwd.jpg", photo()[:200], "image/jpeg"),  # truncated
        ("doc.pdf", photo(), "application/pdf"),  # a photo claiming to be a PDF
        ("polyglot.jpg", photo() + b"%PDF-1.4 hidden", "image/jpeg"),
        ("empty.pdf", b"", "application/pdf"),
    ],
)
def test_a_hostile_upload_is_refused_and_adds_nothing(staff, case, name, data, content_type):
    made = build(staff, case, exhibits=0)
    Dossier.objects.filter(pk=made.dossier.id).update(requested_by_id=None)
    client = russian_client(staff.caseworker)

    response = client.post(
        f"/dossiers/case/{case.id}/{made.dossier.id}/exhibits/upload/",
        {"title": "Фото", "file": _upload(name, data, content_type)},
    )

    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert len(messages) == 1 and "Приложение добавлено" not in messages[0]
    assert Exhibit.objects.count() == 0 and CustodyEvent.objects.count() == 0


def test_an_upload_larger_than_the_limit_is_refused_before_it_is_read(staff, case):
    from waystation.dossiers.views.dossiers import MAX_UPLOAD_BODY

    made = build(staff, case, exhibits=0)
    client = russian_client(staff.caseworker)
    response = client.generic(
        "POST",
        f"/dossiers/case/{case.id}/{made.dossier.id}/exhibits/upload/",
        b"x" * 10,
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(MAX_UPLOAD_BODY + 1),
    )
    assert response.status_code == 302
    assert "30" in str(next(iter(response.wsgi_request._messages)))
    assert Exhibit.objects.count() == 0


def test_a_pdf_exhibit_loses_its_author(staff, case):
    made = build(staff, case, exhibits=0)
    Dossier.objects.filter(pk=made.dossier.id).update(requested_by_id=None)
    client = russian_client(staff.caseworker)
    client.post(
        f"/dossiers/case/{case.id}/{made.dossier.id}/exhibits/upload/",
        {"title": "Справка", "file": _upload("c.pdf", small_pdf(), "application/pdf")},
    )
    exhibit = Exhibit.objects.get()
    assert b"Dr Invented Author" in small_pdf()
    assert b"Dr Invented Author" not in exhibit.file.data
    assert exhibit.stripped == "stripped.pdf"


def test_a_large_upload_never_reaches_a_temporary_file(staff, case, monkeypatch):
    from django.core.files import uploadhandler

    spooled: list[str] = []
    original = uploadhandler.TemporaryFileUploadHandler.new_file

    def spy(self, *args, **kwargs):
        spooled.append("a temporary file")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(uploadhandler.TemporaryFileUploadHandler, "new_file", spy)
    made = build(staff, case, exhibits=0)
    Dossier.objects.filter(pk=made.dossier.id).update(requested_by_id=None)
    large = photo(size=(2400, 1800)) + b"\0" * (3 * 1024 * 1024)  # past Django's 2 MB
    client = russian_client(staff.caseworker)

    client.post(
        f"/dossiers/case/{case.id}/{made.dossier.id}/exhibits/upload/",
        {"title": "Фото", "file": _upload("big.jpg", large, "image/jpeg")},
    )

    assert spooled == []
