"""Under abuse: global and per-mailbox limits, the storage cap and the disk reserve, and
the calm "please try again later" page instead of any error. Nothing refused is stored,
not even in part."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.intake.files import jpeg_with_gps
from tests.intake.test_public_pages import FORM, codename_from, submit
from waystation.intake import public_services, storage
from waystation.intake.models import (
    Attachment,
    CheckIn,
    Direction,
    HelpRequest,
    MailboxMessage,
)

pytestmark = pytest.mark.django_db

CALM = "Please try again later"


def assert_calm(response, status: int = 429) -> None:
    html = response.content.decode()
    assert response.status_code == status
    assert CALM in html
    assert "Traceback" not in html and "Exception" not in html
    assert 'class="quick-exit"' in html
    assert not response.cookies


def form(n: int) -> dict[str, str]:
    return {**FORM, "form_token": f"tok-{n}"}


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("p.jpg", jpeg_with_gps(), "image/jpeg")


def stored_files() -> list:
    return [p for p in storage.root().rglob("*") if p.is_file()] if storage.root().exists() else []


@pytest.fixture
def two_codenames(public_client, intake_key) -> list[str]:
    return [codename_from(submit(public_client, form(n)).content.decode()) for n in (1, 2)]


# --- requests per minute, for everyone together ------------------------------------------


def test_a_flood_of_requests_gets_the_calm_page(public_client, public_settings, intake_key):
    public_settings.WAYSTATION_INTAKE_REQUESTS_PER_MINUTE = 3
    for n in range(3):
        assert submit(public_client, form(n)).status_code == 200
    refused = submit(public_client, form(99))
    assert_calm(refused)
    assert refused["Retry-After"] == "60"
    assert HelpRequest.objects.count() == 3


def test_over_the_limit_the_form_is_not_even_read(
    public_client, public_settings, intake_key, monkeypatch
):
    public_settings.WAYSTATION_INTAKE_REQUESTS_PER_MINUTE = 0

    def must_not_run(**kwargs):
        raise AssertionError("a file was rebuilt for a request that was refused anyway")

    monkeypatch.setattr("waystation.intake.forms.clean_upload", must_not_run)
    assert_calm(submit(public_client, files=[photo()]))


def test_refused_forms_count_towards_the_form_limit(public_client, public_settings, intake_key):
    public_settings.WAYSTATION_INTAKE_FORM_POSTS_PER_MINUTE = 2
    for _ in range(2):
        assert submit(public_client, {"story": ""}).status_code == 400
    assert_calm(submit(public_client))
    assert not HelpRequest.objects.exists()


def test_the_calm_page_is_in_the_visitors_language(public_client, public_settings, intake_key):
    public_settings.WAYSTATION_INTAKE_REQUESTS_PER_MINUTE = 0
    response = submit(public_client, language="ru")
    assert response.status_code == 429
    assert "Пожалуйста, попробуйте позже" in response.content.decode()


# --- storage -----------------------------------------------------------------------------


def test_the_storage_cap_refuses_files_and_keeps_nothing(
    public_client, public_settings, intake_key
):
    public_settings.WAYSTATION_INTAKE_STORAGE_CAP_BYTES = 100
    response = submit(public_client, files=[photo()])
    assert_calm(response)
    assert response["Retry-After"] == "3600"
    assert not HelpRequest.objects.exists() and not Attachment.objects.exists()
    assert stored_files() == []


def test_a_full_store_still_takes_requests_without_files(
    public_client, public_settings, intake_key
):
    public_settings.WAYSTATION_INTAKE_STORAGE_CAP_BYTES = 100
    assert submit(public_client).status_code == 200
    assert HelpRequest.objects.count() == 1


def test_the_cap_counts_what_is_already_stored(public_client, public_settings, intake_key):
    assert submit(public_client, form(1), files=[photo()]).status_code == 200
    stored = Attachment.objects.get().size
    public_settings.WAYSTATION_INTAKE_STORAGE_CAP_BYTES = stored + 100
    from waystation.intake import limits

    limits.forget_storage_estimate()
    assert_calm(submit(public_client, form(2), files=[photo()]))
    assert Attachment.objects.count() == 1


def test_the_disk_reserve_refuses_files(public_client, public_settings, intake_key):
    public_settings.WAYSTATION_INTAKE_MIN_FREE_DISK_BYTES = 10**18
    assert_calm(submit(public_client, files=[photo()]))
    assert not HelpRequest.objects.exists()
    assert stored_files() == []


def test_a_full_store_refuses_files_in_the_mailbox_too(
    public_client, public_settings, two_codenames
):
    public_settings.WAYSTATION_INTAKE_STORAGE_CAP_BYTES = 100
    response = public_client.post(
        "/en/mailbox/message/",
        {"codename": two_codenames[0], "message": "with a file", "attachments": [photo()]},
    )
    assert_calm(response)
    assert not MailboxMessage.objects.exists() and stored_files() == []


# --- per mailbox -------------------------------------------------------------------------


def test_the_message_limit_is_per_mailbox(public_client, public_settings, two_codenames):
    public_settings.WAYSTATION_INTAKE_MESSAGES_PER_MAILBOX_PER_HOUR = 2
    first, second = two_codenames
    for text in ("one", "two"):
        response = public_client.post("/en/mailbox/message/", {"codename": first, "message": text})
        assert response.status_code == 200
    assert_calm(public_client.post("/en/mailbox/message/", {"codename": first, "message": "three"}))
    # Another applicant is not held back by the first one's messages.
    response = public_client.post("/en/mailbox/message/", {"codename": second, "message": "hi"})
    assert response.status_code == 200
    assert MailboxMessage.objects.filter(direction=Direction.FROM_APPLICANT).count() == 3


def test_over_the_message_limit_files_are_not_rebuilt(
    public_client, public_settings, two_codenames, monkeypatch
):
    public_settings.WAYSTATION_INTAKE_MESSAGES_PER_MAILBOX_PER_HOUR = 0

    def must_not_run(**kwargs):
        raise AssertionError("a file was rebuilt for a message that was refused anyway")

    monkeypatch.setattr("waystation.intake.forms.clean_upload", must_not_run)
    response = public_client.post(
        "/en/mailbox/message/",
        {"codename": two_codenames[0], "message": "x", "attachments": [photo()]},
    )
    assert_calm(response)


def test_the_check_in_limit_is_per_mailbox(public_client, public_settings, two_codenames):
    public_settings.WAYSTATION_INTAKE_CHECK_INS_PER_MAILBOX_PER_HOUR = 2
    first, second = two_codenames
    for _ in range(2):
        response = public_client.post("/en/mailbox/check-in/", {"codename": first, "kind": "safe"})
        assert response.status_code == 200
    assert_calm(public_client.post("/en/mailbox/check-in/", {"codename": first, "kind": "safe"}))
    response = public_client.post("/en/mailbox/check-in/", {"codename": second, "kind": "safe"})
    assert response.status_code == 200
    assert CheckIn.objects.count() == 3


# --- errors we cause ---------------------------------------------------------------------


def test_an_unexpected_error_gets_the_calm_page_and_says_nothing(
    public_settings, intake_key, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("MARKER-INTERNAL detail of the failure")

    monkeypatch.setattr(public_services, "submit_request", broken)
    client = Client(raise_request_exception=False)
    response = submit(client)
    assert_calm(response, status=500)
    assert "MARKER-INTERNAL" not in response.content.decode()
