"""On PostgreSQL the public process connects as a role that may add requests and reach
mailboxes, and nothing else (docs/design.md §2.3): a compromised public process can read no
staff table, no sealed payload back, and change no stored request."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.intake.files import jpeg_with_gps
from tests.intake.servers import post
from tests.intake.test_public_pages import FORM
from tests.processes import database_url, public_server
from waystation.ids import random_id
from waystation.intake import public_role, public_services, screening
from waystation.intake.models import (
    Attachment,
    CheckIn,
    ConsentRequest,
    Direction,
    HelpRequest,
    MailboxMessage,
    MessageKind,
)
from waystation.vault import boxes

psycopg = pytest.importorskip("psycopg")


class Screener:
    pk = 7

    def has_perm(self, perm):
        return perm == screening.SCREEN_PERMISSION


@pytest.fixture(scope="module")
def public_login(django_db_setup, django_db_blocker):
    """A login role in the public role, as an operator would make one; the URL to use.
    Made over a connection of its own, so that it exists outside any test's transaction."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("roles exist on PostgreSQL only; on SQLite the migration does nothing")
        admin_url = database_url()
    name = f"ws_public_test_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{name}" LOGIN IN ROLE "{public_role.ROLE}"')
    try:
        yield database_url({**connection.settings_dict, "USER": name, "PASSWORD": ""})
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                [name],
            )
            admin.execute(f'DROP ROLE "{name}"')


def refused(url: str, statement: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            conn.execute(statement)
        except psycopg.errors.InsufficientPrivilege:
            return True
    return False


@pytest.mark.django_db
def test_the_migration_made_the_role_with_a_connection_limit(public_login):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolcanlogin, rolconnlimit FROM pg_roles WHERE rolname = %s",
            [public_role.ROLE],
        )
        assert cursor.fetchone() == (False, public_role.CONNECTION_LIMIT)


@pytest.mark.django_db
def test_every_staff_table_is_refused(public_login):
    tables = [t for t in connection.introspection.table_names() if not t.startswith("intake_")]
    assert {"accounts_staffuser", "django_session", "audit_auditentry", "vault_datakey"} <= set(
        tables
    )
    assert any(t.startswith("cases_") for t in tables)
    allowed = [t for t in tables if not refused(public_login, f'SELECT 1 FROM "{t}" LIMIT 1')]
    assert allowed == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        # What applicants sent, read back: sealed, and unreadable to this role anyway.
        "SELECT payload_box FROM intake_helprequest",
        "SELECT mailbox_public_key FROM intake_helprequest",
        "SELECT from_applicant_box FROM intake_mailboxmessage",
        "SELECT staff_copy FROM intake_mailboxmessage",
        "SELECT storage_name FROM intake_attachment",
        "SELECT * FROM intake_helprequest",
        # The intake's private key and its data key.
        "SELECT private_key FROM intake_intakekey",
        "SELECT data_key_id FROM intake_intakekey",
        # Changing or removing what is stored.
        "UPDATE intake_helprequest SET status = 'declined'",
        "DELETE FROM intake_helprequest",
        "DELETE FROM intake_mailboxmessage",
        "UPDATE intake_mailboxmessage SET for_applicant_box = NULL",
        "INSERT INTO intake_intakekey (id, public_key, data_key_id, private_key, created_at) "
        "VALUES ('x', '\\x00', 'y', '\\x00', now())",
        "UPDATE intake_intakekey SET retired_at = now()",
        "TRUNCATE intake_checkin",
        # A consent question's wording and the referral it is for: staff's, not the role's.
        "UPDATE intake_consentrequest SET question_box = '\\x00'",
        "UPDATE intake_consentrequest SET referral_id = 'x'",
        "DELETE FROM intake_consentrequest",
        # Making tables of its own.
        "CREATE TABLE stash (x text)",
    ],
)
def test_what_the_public_side_never_does_is_refused(public_login, statement):
    assert refused(public_login, statement)


def request_row(**changed: str) -> str:
    """An INSERT of a request shaped as the public side makes one, but for ``changed``."""
    values = {
        "id": "'reqxxxxxxxxxxxxx'",
        "received_at": "now()",
        "urgency": "1",
        "language": "'en'",
        "country": "''",
        "status": "'new'",
        "channel": "'web'",
        "referred_by": "''",
        "intake_key_id": "'keyxxxxxxxxxxxxx'",
        "payload_box": "'\\x00'",
        "codename_lookup": "'lookup'",
        "mailbox_public_key": "'\\x00'",
        "case_id": "NULL",
        "data_key_id": "NULL",
        "screened_at": "NULL",
    } | changed
    columns, row = ", ".join(values), ", ".join(values.values())
    return f"INSERT INTO intake_helprequest ({columns}) VALUES ({row})"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        # Linked to a case from the start: staff would then ask that case's consent
        # questions in a mailbox whose codename the attacker chose.
        request_row(case_id="'someonescase0000'"),
        # Vouched for by a real partner, in the one queue.
        request_row(channel="'partner'", referred_by="'Harbour Shelter'"),
        request_row(referred_by="'Harbour Shelter'"),
        request_row(status="'answered'"),
        request_row(screened_at="now()"),
        request_row(data_key_id="'datakeyxxxxxxxxx'"),
        request_row(channel="NULL"),
        # A message as if staff had written it.
        "INSERT INTO intake_mailboxmessage (id, request_id, direction, kind, sent_at) "
        "VALUES ('msgxxxxxxxxxxxxx', 'reqxxxxxxxxxxxxx', 'out', 'reply', now())",
    ],
)
def test_the_public_side_adds_only_rows_shaped_as_its_own(public_login, statement):
    """INSERT is granted on whole rows; the insert rules refuse any other shape. That an
    honest row still goes in is shown by the public process test below."""
    assert refused(public_login, statement)


@pytest.mark.django_db
def test_the_grants_are_exactly_the_table(public_login):
    """Running the grants again changes nothing and leaves nothing extra."""
    public_role.apply(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = %s ORDER BY 1, 2",
            [public_role.ROLE],
        )
        table_level = set(cursor.fetchall())
    expected = {(t, p) for t, (privileges, _) in public_role.GRANTS.items() for p in privileges}
    assert table_level == expected


@pytest.mark.django_db(transaction=True)
def test_the_public_process_works_as_this_role(public_login, tmp_path):
    screening.ensure_intake_key(actor_id=None)
    photo = ("attachments", "p.jpg", "image/jpeg", jpeg_with_gps())
    with public_server(
        database=public_login, media_root=Path(settings.MEDIA_ROOT), data_dir=tmp_path
    ) as (url, _):
        status, page = post(url, "/en/", FORM, [photo])
        assert status == 200, page
        codename = re.search(r'<p class="codename"[^>]*>([^<]+)</p>', page).group(1).strip()
        # The same form again: found by its token, stored once.
        status, page = post(url, "/en/", FORM)
        assert status == 200 and "already received" in page
        help_request = HelpRequest.objects.get()
        screening.answer_request(
            user=Screener(), request_id=help_request.id, kind=MessageKind.REPLY, text="Hello"
        )
        status, page = post(url, "/en/mailbox/", {"codename": codename})
        assert status == 200 and "Hello" in page
        status, page = post(
            url, "/en/mailbox/message/", {"codename": codename, "message": "more"}, [photo]
        )
        assert status == 200 and "Your message was received." in page
        status, _ = post(url, "/en/mailbox/check-in/", {"codename": codename, "kind": "safe"})
        assert status == 200
        # A consent question staff put there (docs/partners.md), answered as this role.
        consent = ConsentRequest(id=random_id(), request=help_request, referral_id="r1")
        consent.question_box = boxes.seal_to(
            bytes(help_request.mailbox_public_key),
            b"I agree that my file goes to Harbour.",
            screening.consent_context(consent.id),
        )
        consent.save(force_insert=True)
        status, page = post(url, "/en/mailbox/", {"codename": codename})
        assert status == 200 and "goes to Harbour" in page
        status, _ = post(
            url,
            "/en/mailbox/consent/",
            {"codename": codename, "consent": consent.id, "answer": "yes"},
        )
        assert status == 200
        consent.refresh_from_db()
        assert consent.answer is True
        assert boxes.answer_tag_checks(
            screening.intake_private_key(consent.answer_key_id),
            bytes(help_request.mailbox_public_key),
            public_services.consent_answer_message(consent.id, True),
            bytes(consent.answer_tag),
        )
        status, _ = post(url, "/en/mailbox/", {"codename": "wrong " * 7})
        assert status == 403
    assert Attachment.objects.count() == 2
    assert MailboxMessage.objects.filter(direction=Direction.FROM_APPLICANT).count() == 1
    assert CheckIn.objects.count() == 1
    opened = screening.open_request(user=Screener(), request_id=help_request.id)
    assert opened.payload["story"] == FORM["story"]
