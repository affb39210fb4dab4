"""Coming back with the codename: replies, writing again, check-ins; and the one answer
every wrong codename gets."""

from __future__ import annotations

import statistics
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.intake.files import jpeg_with_gps
from tests.intake.test_public_pages import FORM, codename_from, submit
from waystation.intake import codenames, conf, public_services, screening
from waystation.intake.models import (
    Attachment,
    CheckIn,
    CheckInKind,
    Direction,
    HelpRequest,
    MailboxMessage,
    MessageKind,
)

pytestmark = pytest.mark.django_db

WRONG = "We could not open a mailbox with this codename."


class Screener:
    pk = 4242

    def has_perm(self, perm):
        return perm == "intake.screen_request"


@pytest.fixture
def codename(public_client, intake_key):
    return codename_from(submit(public_client).content.decode())


def open_mailbox(client, codename, language="en"):
    return client.post(f"/{language}/mailbox/", {"codename": codename})


def test_the_mailbox_opens_with_the_codename(public_client, codename):
    response = open_mailbox(public_client, codename)
    assert response.status_code == 200
    assert "No answer yet" in response.content.decode()


def test_the_codename_may_be_typed_loosely(public_client, codename):
    typed = "  " + "-".join(codename.upper().split()) + "\n"
    assert open_mailbox(public_client, typed).status_code == 200


def test_a_staff_reply_is_readable_with_the_codename(public_client, codename):
    request = HelpRequest.objects.get()
    screening.answer_request(
        user=Screener(), request_id=request.id, kind=MessageKind.REPLY, text="MARKER-REPLY hello"
    )
    html = open_mailbox(public_client, codename).content.decode()
    assert "MARKER-REPLY hello" in html
    # The database holds the reply only sealed to the codename and under the data key.
    stored = MailboxMessage.objects.get()
    assert b"MARKER-REPLY" not in bytes(stored.for_applicant_box)


def test_the_reply_is_sealed_to_the_codename_only(public_client, codename):
    request = HelpRequest.objects.get()
    message = screening.answer_request(
        user=Screener(), request_id=request.id, kind=MessageKind.REPLY, text="for you"
    )
    from waystation.vault import boxes
    from waystation.vault.primitives import OpenFailed

    other = boxes.codename_key_pair(codenames.generate())
    with pytest.raises(OpenFailed):
        boxes.open_box(
            other.private,
            bytes(message.for_applicant_box),
            public_services.reply_context(message.id),
        )


def test_the_applicant_can_write_again_with_a_file(public_client, codename):
    photo = SimpleUploadedFile("again.jpg", jpeg_with_gps(), "image/jpeg")
    response = public_client.post(
        "/en/mailbox/message/",
        {"codename": codename, "message": "MARKER-AGAIN more details", "attachments": [photo]},
    )
    assert response.status_code == 200
    assert "Your message was received." in response.content.decode()
    message = MailboxMessage.objects.get(direction=Direction.FROM_APPLICANT)
    assert Attachment.objects.get().message_id == message.id
    opened = screening.open_request(user=Screener(), request_id=message.request_id)
    assert opened.messages[0].text == "MARKER-AGAIN more details"
    assert len(opened.messages[0].attachments) == 1


def test_check_ins_are_recorded(public_client, codename):
    for kind in (CheckInKind.SAFE, CheckInKind.NEED_HELP):
        response = public_client.post("/en/mailbox/check-in/", {"codename": codename, "kind": kind})
        assert response.status_code == 200
    assert list(CheckIn.objects.order_by("at").values_list("kind", flat=True)) == [
        "safe",
        "need_help",
    ]


@pytest.mark.parametrize(
    "typed",
    ["", "not a codename", "abacus " * 7, "x" * 5000, "<script>alert(1)</script>"],
)
def test_every_wrong_codename_gets_the_same_answer(public_client, codename, typed):
    response = open_mailbox(public_client, typed)
    assert response.status_code == 403
    assert WRONG in response.content.decode()


def test_mailbox_actions_with_a_wrong_codename_change_nothing(public_client, codename):
    wrong = codenames.generate()
    response = public_client.post("/en/mailbox/check-in/", {"codename": wrong, "kind": "safe"})
    assert response.status_code == 403
    response = public_client.post("/en/mailbox/message/", {"codename": wrong, "message": "x"})
    assert response.status_code == 403
    assert not CheckIn.objects.exists() and not MailboxMessage.objects.exists()


def test_guessing_is_throttled_without_recording_who(public_client, public_settings, codename):
    public_settings.WAYSTATION_INTAKE_MAILBOX_ATTEMPTS_PER_MINUTE = 3
    for _ in range(3):
        open_mailbox(public_client, codenames.generate())
    # Over the limit even the right codename gets the same answer, so a guesser learns
    # nothing from it either.
    response = open_mailbox(public_client, codename)
    assert response.status_code == 403
    assert WRONG in response.content.decode()
    from waystation.intake.models import ThrottleWindow

    window = ThrottleWindow.objects.get(key__startswith="mailbox:")
    assert set(vars(window)) - {"_state"} == {"key", "count", "window_start"}
    assert window.key.startswith("mailbox:")


def test_wrong_codenames_take_the_same_time_whatever_the_reason(
    public_client, public_settings, codename
):
    """Medians of malformed, unknown and throttled attempts stay within a generous factor
    of one another (loose on purpose: this must never be flaky). The three kinds take
    turns, round after round, so that a busy machine slows each of them alike."""
    allowed = conf.limits().mailbox_attempts_per_minute
    kinds = {
        "malformed": (lambda: "not really a codename", allowed),
        "unknown": (codenames.generate, allowed),
        "throttled": (lambda: codename, 0),
    }
    timings: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(40):
        for name, (make_typed, attempts) in kinds.items():
            typed = make_typed()
            public_settings.WAYSTATION_INTAKE_MAILBOX_ATTEMPTS_PER_MINUTE = attempts
            start = time.perf_counter()
            public_services.open_mailbox(typed_codename=typed)
            timings[name].append((time.perf_counter() - start) * 1000)
    values = [statistics.median(t) for t in timings.values()]
    assert max(values) < 3 * min(values) + 2, values


def test_the_applicants_own_words_are_not_shown_back(public_client, codename):
    public_client.post("/en/mailbox/message/", {"codename": codename, "message": "MARKER-MINE"})
    html = open_mailbox(public_client, codename).content.decode()
    assert "MARKER-MINE" not in html
    assert "You wrote to us on" in html


def test_per_mailbox_message_limit(public_client, public_settings, codename):
    public_settings.WAYSTATION_INTAKE_MESSAGES_PER_MAILBOX_PER_HOUR = 1
    public_client.post("/en/mailbox/message/", {"codename": codename, "message": "one"})
    response = public_client.post("/en/mailbox/message/", {"codename": codename, "message": "two"})
    assert response.status_code == 429
    assert "Please try again later" in response.content.decode()
    assert response["Retry-After"] == "3600"


def test_the_form_data_never_reaches_a_url(public_client, codename):
    html = open_mailbox(public_client, codename).content.decode()
    assert codename not in "".join(
        part.split('"')[0] for part in html.split('href="')[1:] + html.split('action="')[1:]
    )


def test_request_form_fixture_is_consistent():
    assert FORM["urgency"] == "1"
