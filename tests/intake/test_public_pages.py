"""The public request page and mailbox, through the public process's own URLconf and
middleware."""

from __future__ import annotations

import json
import re

import pytest

from tests.intake.files import jpeg_with_gps
from waystation.intake import public_services
from waystation.intake.models import Attachment, HelpRequest, Status, Urgency
from waystation.intake.screening import intake_private_key
from waystation.vault import boxes

pytestmark = pytest.mark.django_db

FORM = {
    "story": "MARKER-STORY they came to my flat",
    "urgency": "1",
    "country": "RU",
    "city": "MARKER-CITY",
    "contact_channel": "signal",
    "contact_handle": "@marker_handle",
    "language": "ru",
    "form_token": "tok-1",
}


def codename_from(html: str) -> str:
    match = re.search(r'<p class="codename"[^>]*>([^<]+)</p>', html)
    assert match, "no codename on the page"
    return match.group(1).strip()


def submit(client, data=None, files=None, language="en"):
    payload = dict(FORM if data is None else data)
    if files:
        payload["attachments"] = files
    return client.post(f"/{language}/", payload)


def test_root_redirects_to_a_language_prefix(public_client):
    response = public_client.get("/", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9")
    assert response.status_code == 302
    assert response["Location"] == "/ru/"


def test_request_form_renders_in_russian(public_client, intake_key):
    response = public_client.get("/ru/")
    assert response.status_code == 200
    assert '<html lang="ru" dir="ltr">' in response.content.decode()


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_arabic_and_farsi_render_right_to_left(public_client, intake_key, language):
    html = public_client.get(f"/{language}/").content.decode()
    assert f'<html lang="{language}" dir="rtl">' in html


def test_a_request_is_sealed_and_the_codename_shown_once(public_client, intake_key):
    response = submit(public_client)
    assert response.status_code == 200
    codename = codename_from(response.content.decode())
    assert len(codename.split()) == 7
    stored = HelpRequest.objects.get()
    assert stored.status == Status.NEW
    assert stored.urgency == Urgency.NOW
    assert stored.country == "RU"
    assert stored.language == "ru"
    # Only values derived from the codename are stored.
    assert stored.codename_lookup == boxes.codename_lookup(codename)
    assert codename not in str(stored.__dict__)
    payload = json.loads(
        boxes.open_box(
            intake_private_key(stored.intake_key_id),
            bytes(stored.payload_box),
            public_services.payload_context(stored.id),
        )
    )
    assert payload["story"] == FORM["story"]
    assert payload["city"] == "MARKER-CITY"
    assert payload["contact_handle"] == "@marker_handle"


def test_the_form_is_stored_once_when_sent_twice(public_client, intake_key):
    submit(public_client)
    again = submit(public_client)
    assert again.status_code == 200
    assert "already received" in again.content.decode()
    assert HelpRequest.objects.count() == 1


def test_missing_fields_give_form_errors_and_store_nothing(public_client, intake_key):
    response = submit(public_client, {"story": "", "country": "", "language": "en"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert HelpRequest.objects.count() == 0


def test_markup_in_fields_is_shown_as_text(public_client, intake_key):
    response = submit(
        public_client, {**FORM, "story": "x" * 30_000, "city": "<script>alert(1)</script>"}
    )
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_attachment_is_stored_without_its_metadata(public_client, intake_key, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("IMG_1.jpg", jpeg_with_gps("MARKER-EXIF"), "image/jpeg")
    response = submit(public_client, files=[photo])
    assert response.status_code == 200, response.content.decode()
    attachment = Attachment.objects.get()
    from waystation.intake import storage

    name, content_type, data = storage.open_file(
        private_key=intake_private_key(attachment.intake_key_id),
        attachment_id=attachment.id,
        storage_name=attachment.storage_name,
    )
    assert content_type == "image/jpeg"
    assert name == "photo-1.jpg"
    assert b"MARKER-EXIF" not in data
    assert b"Exif" not in data
    raw = storage.path_for(attachment.storage_name).read_bytes()
    assert b"MARKER" not in raw and b"\xff\xd8\xff" not in raw


def test_a_refused_file_gets_a_clear_message_and_stores_nothing(public_client, intake_key):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.jpg", b"<html><script>x</script></html>", "image/jpeg")
    response = submit(public_client, files=[fake])
    assert response.status_code == 400
    assert "is not a photo (JPEG, PNG, WebP) or a PDF" in response.content.decode()
    assert HelpRequest.objects.count() == 0


def test_no_intake_key_gives_the_try_later_page(public_client, db):
    response = submit(public_client)
    assert response.status_code == 503
    assert "Please try again later" in response.content.decode()


# --- headers and traces ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/en/", "/ru/mailbox/", "/static/waystation/public.css", "/nope/"]
)
def test_every_answer_carries_the_no_trace_headers(public_client, intake_key, path):
    response = public_client.get(path)
    assert response["Cache-Control"].startswith("no-store")
    assert response["Referrer-Policy"] == "no-referrer"
    assert "script-src" not in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert not response.cookies


def test_submitting_sets_no_cookie(public_client, intake_key):
    response = submit(public_client)
    assert not response.cookies
    assert "Set-Cookie" not in response


def test_every_page_has_the_quick_exit(public_client, intake_key):
    for path in ["/en/", "/en/mailbox/", "/en/safety/", "/en/nope/"]:
        html = public_client.get(path).content.decode()
        assert 'class="quick-exit" href="/leave/"' in html


def test_leaving_clears_the_site_and_goes_somewhere_neutral(public_client):
    response = public_client.get("/leave/")
    assert response.status_code == 303
    assert response["Location"] == "https://www.wikipedia.org/"
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'


def test_neutral_title(public_client, intake_key, public_settings):
    public_settings.WAYSTATION_PUBLIC_NEUTRAL_TITLE = "Notes"
    html = public_client.get("/en/").content.decode()
    assert "<title>Notes</title>" in html
    assert "Request help" not in html.split("<main")[0]


def test_language_links_work_without_script(public_client, intake_key):
    html = public_client.get("/en/mailbox/").content.decode()
    assert 'href="/ru/mailbox/"' in html
    assert 'href="/fa/mailbox/"' in html


def test_page_loads_nothing_from_elsewhere(public_client, intake_key):
    html = public_client.get("/en/").content.decode()
    for url in re.findall(r'(?:src|href|action)="([^"]+)"', html):
        assert url.startswith(("/", "#", "data:")), url
    assert "<script" not in html
    assert " style=" not in html


def test_a_post_from_another_site_is_refused(public_client, intake_key):
    response = public_client.post("/en/", FORM, HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    assert HelpRequest.objects.count() == 0


def test_unknown_pages_get_a_calm_page(public_client):
    response = public_client.get("/en/admin/")
    assert response.status_code == 404
    assert "There is no page at this address." in response.content.decode()


def test_an_oversized_body_gets_the_calm_413_page(public_client, public_settings, intake_key):
    public_settings.WAYSTATION_INTAKE_MAX_REQUEST_BYTES = 1000
    response = public_client.post("/en/", FORM, CONTENT_LENGTH=str(5 * 1024 * 1024))
    assert response.status_code == 413
    assert "too large" in response.content.decode()
