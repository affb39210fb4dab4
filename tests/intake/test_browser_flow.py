"""The whole applicant journey in a real browser, as a cautious applicant has it:
Chromium with JavaScript off, in Russian, against the real public process.

Ask for help with a phone photo (GPS in its EXIF) → keep the codename → a screener
answers on the staff side → come back with the codename → read the answer → check in.
Then: no request left for anywhere but this server, no cookie was set, the stored photo
has no EXIF, and a copy of the database and the uploads holds none of what was typed.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.browser import chromium as open_chromium
from tests.factories import login_verified, make_staff
from tests.intake.dumps import markers_found
from tests.intake.files import GPS_IFD, jpeg_with_gps
from tests.processes import database_url, public_server
from waystation.accounts.roles import Role
from waystation.intake import screening
from waystation.intake.models import Attachment, CheckIn, HelpRequest, MessageKind, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


STORY = "MARKER-BROWSER-STORY меня ищет полиция, телефон забрали"
CITY = "MARKER-BROWSER-CITY Грозный"
HANDLE = "@marker_browser_handle"
CAMERA = "MARKER-BROWSER-CAMERA"
FILE_NAME = "MARKER-BROWSER-FILENAME.jpg"
REPLY = "MARKER-BROWSER-REPLY Мы прочитали ваш запрос и свяжемся с вами."  # noqa: RUF001


@pytest.fixture
def chromium():
    with open_chromium() as browser:
        yield browser


def test_the_applicant_journey_without_javascript_in_russian(chromium, tmp_path, monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the staff-side calls
    # below are ordinary blocking ORM calls between browser steps, not inside it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    try:
        journey(chromium, tmp_path)
    finally:
        # Django's connections live in context variables, and Playwright hands control
        # back in a context of its own: close the connections opened there, or
        # PostgreSQL refuses to drop the test database afterwards.
        connections.close_all()


def journey(chromium, tmp_path: Path) -> None:
    screening.ensure_intake_key(actor_id=None)
    screener = make_staff(Role.SCREENER)
    media = Path(settings.MEDIA_ROOT)

    with public_server(database=database_url(), media_root=media, data_dir=tmp_path) as (url, _):
        context = chromium.new_context(java_script_enabled=False, locale="ru-RU")
        requested: list[str] = []
        context.on("request", lambda request: requested.append(request.url))
        page = context.new_page()
        page.set_default_timeout(10_000)

        # 1. The request form, in Russian because the browser asks for it.
        page.goto(url + "/")
        assert page.url == url + "/ru/"
        assert page.get_attribute("html", "lang") == "ru"
        page.fill("#id_story", STORY)
        page.check("#id_urgency_0")
        page.select_option("#id_country", "RU")
        page.fill("#id_city", CITY)
        page.select_option("#id_contact_channel", "signal")
        page.fill("#id_contact_handle", HANDLE)
        page.set_input_files(
            "#id_attachments",
            files=[{"name": FILE_NAME, "mimeType": "image/jpeg", "buffer": jpeg_with_gps(CAMERA)}],
        )
        page.click("main form button[type=submit]")

        # 2. The codename, shown once.
        codename = page.inner_text("p.codename").strip()
        assert len(codename.split()) == 7
        assert "Мы получили вашу просьбу" in page.inner_text("h1")
        assert codename not in page.url

        # 3. A screener answers on the staff side.
        help_request = HelpRequest.objects.get()
        staff = Client()
        login_verified(staff, screener)
        detail = staff.get(reverse("intake:detail", args=[help_request.id]))
        assert STORY in detail.content.decode()
        answered = staff.post(
            reverse("intake:answer", args=[help_request.id]),
            {"kind": MessageKind.REPLY, "text": REPLY},
        )
        # To the queue, which means it was stored (not to the sign-in page, nor refused).
        assert answered.status_code == 302, answered.content.decode()[-2000:]
        assert answered.url == reverse("intake:queue"), answered.url

        # 4. Back with the codename: the answer is there.
        page.click("main a.button")  # "Read our answers", from the receipt page
        assert page.url == url + "/ru/mailbox/"
        page.fill("#id_codename", codename)
        page.click("main form button[type=submit]")
        assert REPLY in page.inner_text("main")

        # 5. A check-in.
        page.click("button.safe")
        assert "Спасибо" in page.inner_text("p.received")

        assert requested, "the browser made no request at all?"
        elsewhere = [u for u in requested if not u.startswith(url + "/")]
        assert elsewhere == []
        assert context.cookies() == []
        context.close()

    assert HelpRequest.objects.get().status == Status.ANSWERED
    assert CheckIn.objects.get().kind == "safe"

    # The stored photo has no EXIF at all, so no GPS and no camera.
    attachment = Attachment.objects.get()
    opened = screening.open_attachment(
        user=screener, request_id=attachment.request_id, attachment_id=attachment.id
    )
    image = Image.open(io.BytesIO(opened.data))
    assert not image.getexif()
    assert not image.getexif().get_ifd(GPS_IFD)
    assert CAMERA.encode() not in opened.data
    assert opened.name == "photo-1.jpg"

    # A copy of the database and of the uploads holds nothing that was typed or sent.
    markers = [STORY, CITY, HANDLE, CAMERA, FILE_NAME, REPLY, codename, "меня ищет полиция"]
    assert markers_found(markers, media) == []
    shutil.rmtree(tmp_path / "keys", ignore_errors=True)
