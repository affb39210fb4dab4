"""The screener's side: the triage queue, one request, answering it, its files."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from tests.factories import login_verified, make_staff
from tests.intake.files import jpeg_with_gps
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.intake import public_services
from waystation.intake.models import (
    CheckInKind,
    Direction,
    HelpRequest,
    IntakeKey,
    MailboxMessage,
    MessageKind,
    Status,
    Urgency,
)
from waystation.intake.uploads import clean_upload

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    '"><svg onload=alert(3)>',
]


def new_request(
    story: str = "They took my phone at the border.",
    *,
    urgency: int = Urgency.DAYS,
    language: str = "en",
    age: timedelta | None = None,
    **fields,
) -> public_services.Receipt:
    receipt = public_services.submit_request(
        new=public_services.NewRequest(
            urgency=urgency, language=language, country="RU", story=story, **fields
        )
    )
    if age is not None:
        HelpRequest.objects.filter(pk=receipt.request_id).update(received_at=timezone.now() - age)
    return receipt


def mailbox_of(receipt: public_services.Receipt) -> public_services.Mailbox:
    opened = public_services.open_mailbox(typed_codename=receipt.codename)
    assert opened is not None
    return opened


def signed_in(role: Role) -> tuple[Client, object]:
    user = make_staff(role)
    client = Client()
    login_verified(client, user)
    return client, user


@pytest.fixture
def screener_client(intake_key) -> Client:
    return signed_in(Role.SCREENER)[0]


def audit_actions(action: str) -> list[str]:
    return list(AuditEntry.objects.filter(action=action).values_list("object_id", flat=True))


# --- who may see the queue ------------------------------------------------------------


def test_the_queue_needs_a_signed_in_user(intake_key):
    response = Client().get(reverse("intake:queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_password_alone_does_not_open_the_queue(intake_key):
    user = make_staff(Role.SCREENER)
    client = Client()
    client.force_login(user)  # no second factor given
    response = client.get(reverse("intake:queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))


@pytest.mark.parametrize("role", [Role.LOGISTICS, Role.DOCUMENTATION, Role.ADMINISTRATOR])
def test_roles_without_screening_are_refused(intake_key, role):
    new_request("MARKER-HIDDEN")
    client, _ = signed_in(role)
    for url in (reverse("intake:queue"), reverse("intake:detail", args=["a" * 16])):
        response = client.get(url)
        assert response.status_code == 403
        assert "MARKER-HIDDEN" not in response.content.decode()
    assert not AuditEntry.objects.filter(action__startswith="intake.request").exists()


@pytest.mark.parametrize("role", [Role.SCREENER, Role.CASEWORKER, Role.PROGRAMME_MANAGER])
def test_screening_roles_hold_the_permission(role):
    group = Group.objects.get(name=role.value)
    assert group.permissions.filter(
        content_type__app_label="intake", codename="screen_request"
    ).exists()


def test_the_nav_links_to_requests_only_for_screeners(intake_key):
    screener, _ = signed_in(Role.SCREENER)
    logistics, _ = signed_in(Role.LOGISTICS)
    link = f'href="{reverse("intake:queue")}"'
    assert link in screener.get(reverse("home")).content.decode()
    assert link not in logistics.get(reverse("home")).content.decode()


def test_a_sealed_vault_shows_the_sealed_page(screener_client, vault):
    new_request("MARKER-SEALED")
    vault.seal()
    response = screener_client.get(reverse("intake:queue"))
    assert response.status_code == 503
    assert "MARKER-SEALED" not in response.content.decode()


# --- the queue ------------------------------------------------------------------------


def test_the_queue_orders_by_urgency_then_age(screener_client):
    new_request("MARKER-C calm and recent", urgency=Urgency.NOT_IMMEDIATE, age=timedelta(hours=1))
    new_request("MARKER-B days, older", urgency=Urgency.DAYS, age=timedelta(days=3))
    new_request("MARKER-A danger, recent", urgency=Urgency.NOW, age=timedelta(minutes=5))
    new_request("MARKER-D calm and old", urgency=Urgency.NOT_IMMEDIATE, age=timedelta(days=9))
    html = screener_client.get(reverse("intake:queue")).content.decode()
    positions = [html.index(f"MARKER-{letter}") for letter in "ABDC"]
    assert positions == sorted(positions)


def test_each_story_shown_in_the_queue_is_audited(screener_client):
    ids = {new_request(f"story {n}").request_id for n in range(3)}
    screener_client.get(reverse("intake:queue"))
    assert set(audit_actions("intake.request_previewed")) == ids


def test_the_queue_shows_only_the_start_of_a_long_story(screener_client):
    new_request("MARKER-START " + "word " * 2000 + "MARKER-END")
    html = screener_client.get(reverse("intake:queue")).content.decode()
    assert "MARKER-START" in html and "MARKER-END" not in html


def test_a_call_for_help_moves_a_request_to_the_top(screener_client):
    calm = new_request("MARKER-CALM", urgency=Urgency.NOT_IMMEDIATE, age=timedelta(days=2))
    new_request("MARKER-DAYS", urgency=Urgency.DAYS, age=timedelta(days=5))
    public_services.record_check_in(mailbox=mailbox_of(calm), kind=CheckInKind.NEED_HELP)
    html = screener_client.get(reverse("intake:queue")).content.decode()
    assert html.index("MARKER-CALM") < html.index("MARKER-DAYS")
    assert "Asked for help now" in html


def test_answered_requests_leave_the_queue_until_the_applicant_writes_again(screener_client):
    receipt = new_request("MARKER-ANSWERED")
    screener_client.post(
        reverse("intake:answer", args=[receipt.request_id]),
        {"kind": MessageKind.MORE_INFO, "text": "Which city?"},
    )
    assert "MARKER-ANSWERED" not in screener_client.get(reverse("intake:queue")).content.decode()
    waiting = screener_client.get(reverse("intake:queue") + "?view=waiting").content.decode()
    assert "MARKER-ANSWERED" in waiting
    public_services.send_message(mailbox=mailbox_of(receipt), text="Kazan")
    html = screener_client.get(reverse("intake:queue")).content.decode()
    assert "MARKER-ANSWERED" in html and "Wrote again" in html


def test_without_an_intake_key_the_queue_offers_to_create_it(db):
    client, user = signed_in(Role.SCREENER)
    html = client.get(reverse("intake:queue")).content.decode()
    assert "there is no intake key" in html
    response = client.post(reverse("intake:create_key"))
    assert response.status_code == 302
    assert IntakeKey.objects.count() == 1
    assert AuditEntry.objects.filter(action="intake.key_created", actor_id=user.pk).exists()


# --- one request ----------------------------------------------------------------------


def test_opening_a_request_shows_everything_and_is_audited(screener_client):
    receipt = new_request(
        "MARKER-STORY\nsecond line",
        city="MARKER-CITY",
        contact_channel="signal",
        contact_handle="@marker",
    )
    response = screener_client.get(reverse("intake:detail", args=[receipt.request_id]))
    assert response.status_code == 200
    html = response.content.decode()
    for marker in ("MARKER-STORY", "MARKER-CITY", "@marker", "Signal"):  # the channel by name
        assert marker in html
    assert audit_actions("intake.request_opened") == [receipt.request_id]
    assert receipt.codename not in html


def test_an_unknown_request_is_not_found(screener_client):
    assert screener_client.get(reverse("intake:detail", args=["x" * 16])).status_code == 404
    response = screener_client.post(
        reverse("intake:answer", args=["x" * 16]), {"kind": "reply", "text": "hello"}
    )
    assert response.status_code == 404


def test_templates_come_in_the_applicants_language(screener_client):
    receipt = new_request(language="ru")
    response = screener_client.get(
        reverse("intake:detail", args=[receipt.request_id]) + "?answer=decline"
    )
    html = response.content.decode()
    assert "Здравствуйте" in html
    assert re.search(r'<input[^>]*value="decline"[^>]*checked', html)


def test_a_reply_reaches_the_mailbox(screener_client):
    receipt = new_request()
    response = screener_client.post(
        reverse("intake:answer", args=[receipt.request_id]),
        {"kind": MessageKind.REPLY, "text": "MARKER-REPLY we will call you"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:queue")
    view = public_services.read_mailbox(mailbox_of(receipt))
    assert [m.text for m in view.messages] == ["MARKER-REPLY we will call you"]
    assert HelpRequest.objects.get().status == Status.ANSWERED
    assert audit_actions("intake.reply_sent") == [receipt.request_id]


def test_an_empty_answer_is_refused_and_sends_nothing(screener_client):
    receipt = new_request()
    response = screener_client.post(
        reverse("intake:answer", args=[receipt.request_id]), {"kind": "reply", "text": "   "}
    )
    assert response.status_code == 400
    assert not MailboxMessage.objects.exists()


def test_a_decline_must_be_confirmed(screener_client):
    receipt = new_request()
    url = reverse("intake:answer", args=[receipt.request_id])
    response = screener_client.post(url, {"kind": "decline", "text": "Sorry."})
    assert response.status_code == 400
    assert "Tick this box" in response.content.decode()
    assert not MailboxMessage.objects.exists()
    response = screener_client.post(
        url, {"kind": "decline", "text": "Sorry.", "confirm_decline": "on"}
    )
    assert response.status_code == 302
    assert HelpRequest.objects.get().status == Status.DECLINED


def test_a_declined_request_takes_no_further_answer(screener_client):
    receipt = new_request()
    url = reverse("intake:answer", args=[receipt.request_id])
    screener_client.post(url, {"kind": "decline", "text": "Sorry.", "confirm_decline": "on"})
    page = screener_client.get(reverse("intake:detail", args=[receipt.request_id]))
    assert "takes no further answers" in page.content.decode()
    response = screener_client.post(url, {"kind": "reply", "text": "after all"})
    assert response.status_code == 400
    assert MailboxMessage.objects.count() == 1


def test_a_file_downloads_without_its_metadata_and_is_audited(screener_client):
    photo = clean_upload(name="IMG.jpg", content_type="image/jpeg", data=jpeg_with_gps())
    receipt = new_request(files=[photo])
    detail = screener_client.get(reverse("intake:detail", args=[receipt.request_id]))
    attachment_id = HelpRequest.objects.get().attachments.get().id
    url = reverse("intake:attachment", args=[receipt.request_id, attachment_id])
    assert url in detail.content.decode()
    response = screener_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="photo-1.jpg"'
    assert "sandbox" in response["Content-Security-Policy"]
    image = Image.open(io.BytesIO(response.content))
    assert not image.getexif()
    assert audit_actions("intake.attachment_opened") == [attachment_id]


def test_a_file_of_another_request_is_not_found(screener_client):
    photo = clean_upload(name="IMG.jpg", content_type="image/jpeg", data=jpeg_with_gps())
    new_request(files=[photo])
    other = new_request()
    attachment_id = HelpRequest.objects.get(attachments__isnull=False).attachments.get().id
    response = screener_client.get(
        reverse("intake:attachment", args=[other.request_id, attachment_id])
    )
    assert response.status_code == 404


# --- hostile input --------------------------------------------------------------------


@pytest.mark.parametrize("hostile", HOSTILE)
def test_markup_in_every_field_renders_as_text(screener_client, hostile):
    receipt = new_request(
        f"{hostile} story",
        city=hostile,
        country_other=hostile,
        contact_channel=hostile,
        contact_handle=hostile,
        urgency=Urgency.NOW,
    )
    public_services.send_message(mailbox=mailbox_of(receipt), text=f"{hostile} message")
    reply = screener_client.post(
        reverse("intake:answer", args=[receipt.request_id]),
        {"kind": MessageKind.MORE_INFO, "text": f"{hostile} reply"},
    )
    assert reply.status_code == 302
    public_services.send_message(mailbox=mailbox_of(receipt), text=f"{hostile} again")
    pages = [
        screener_client.get(reverse("intake:queue")).content.decode(),
        screener_client.get(reverse("intake:detail", args=[receipt.request_id])).content.decode(),
    ]
    for html in pages:
        assert hostile not in html
        assert "<script>alert" not in html and "onerror=" not in html.replace("onerror=&quot;", "")
        assert "<svg" not in html and "<img src=x" not in html
    # Shown, as text: story, city, other country, channel, handle, two messages, reply.
    assert pages[1].count(escape(hostile)) >= 8
    assert MailboxMessage.objects.filter(direction=Direction.FROM_APPLICANT).count() == 2
