"""docs/design.md §2.4: no client address is written anywhere. Requests reach the real public
process carrying a made-up address in every header a proxy might add, and malformed
requests that gunicorn itself refuses (and used to log with ``ip=…``); afterwards
neither that address nor the real client's is in the database, the uploads or the
server's own output. The staff side's servers: tests/web/test_demo_servers.py."""

from __future__ import annotations

import http.client
import re

import pytest

from tests.intake.files import jpeg_with_gps
from tests.intake.servers import multipart
from tests.intake.test_crash_durability import CODENAME
from tests.intake.test_public_pages import FORM
from tests.processes import database_url, public_server, stop
from tests.vault.plaintext import database_bytes, find_forms, read_tree
from tests.web.demo_server import parse, raw_request
from tests.web.malformed import MALFORMED

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FORWARDED = "203.0.113.77"  # TEST-NET-3: never a real client
HEADERS = {
    "X-Forwarded-For": FORWARDED,
    "X-Real-IP": FORWARDED,
    "Forwarded": f"for={FORWARDED}",
    "User-Agent": f"probe/{FORWARDED}",
}


def _send(port: int, method: str, path: str, body: bytes = b"", **extra: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.request(method, path, body, {**HEADERS, **extra})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_no_client_address_is_stored_or_logged(intake_key, tmp_path):
    media = tmp_path / "media"
    with public_server(database=database_url(), media_root=media, data_dir=tmp_path / "data") as (
        url,
        process,
    ):
        port = int(url.rsplit(":", 1)[1])
        body, content_type = multipart(
            {**FORM, "story": "address probe story", "form_token": "probe-1"},
            [("attachments", "p.jpg", "image/jpeg", jpeg_with_gps("probe", size=(16, 16)))],
        )
        status, page = _send(port, "POST", "/en/", body, **{"Content-Type": content_type})
        assert status == 200 and CODENAME.search(page), "the request was not received"
        codename = CODENAME.search(page).group(1).decode().strip()  # type: ignore[union-attr]
        # Every other kind of answer: a mailbox visit, a wrong codename, a bad form, a
        # missing page, a forged cross-site post.
        _send(
            port,
            "POST",
            "/en/mailbox/",
            f"codename={codename}".encode(),
            **{"Content-Type": "application/x-www-form-urlencoded"},
        )
        _send(
            port,
            "POST",
            "/en/mailbox/",
            b"codename=wrong+words+here",
            **{"Content-Type": "application/x-www-form-urlencoded"},
        )
        _send(
            port, "POST", "/en/", b"story=", **{"Content-Type": "application/x-www-form-urlencoded"}
        )
        _send(port, "GET", "/no-such-page/")
        _send(port, "POST", "/en/", b"x=1", **{"Sec-Fetch-Site": "cross-site"})
        refused = [parse(raw_request(port, data)).status for data in MALFORMED]
        assert sum(status >= 400 for status in refused) >= 12, refused
        output = stop(process)

    stored = database_bytes() + read_tree(media)
    assert not find_forms(stored, [FORWARDED, "127.0.0.1"])
    # The server's output names where it listens (127.0.0.1:<port>), never who called.
    said = re.sub(r"127\.0\.0\.1:\d+", "<bind>", output)
    assert "<bind>" in said, "the server's output was not captured"
    assert FORWARDED not in said and "127.0.0.1" not in said, said
