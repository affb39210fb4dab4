"""The staff error log says what failed, and nothing about anyone (finding 9 of the
December review: it printed ``ERROR django.request %s``, the message lost).

Through the handler the settings configure for ``django.request``: one line with the
status, method, route name, exception type and code locations; never the path (its
case id), the query string, the form's values, the exception's message or an address.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator

import pytest
from django.test import Client

from tests.factories import login_verified, make_staff
from waystation.accounts.roles import Role
from waystation.cases.selectors import visibility
from waystation.cases.services import daily_work
from waystation.intake.logging import RedactedErrorFilter

pytestmark = pytest.mark.django_db

CASE_ID = "q7vx2k9mzt4p"
SECRETS = ("MARKER-IN-MESSAGE", "MARKER-IN-QUERY", "MARKER-IN-FORM", CASE_ID, "127.0.0.1")


@pytest.fixture
def error_log() -> Iterator[io.StringIO]:
    # The handler from settings.LOGGING (pytest adds its own capturing ones).
    (handler,) = [
        h
        for h in logging.getLogger("django.request").handlers
        if any(isinstance(f, RedactedErrorFilter) for f in h.filters)
    ]
    assert isinstance(handler, logging.StreamHandler)
    written = io.StringIO()
    previous = handler.setStream(written)
    try:
        yield written
    finally:
        handler.setStream(previous)


@pytest.fixture
def staff_log() -> Iterator[io.StringIO]:
    """What the root logger's handler from settings.LOGGING writes (``waystation.*``)."""
    (handler,) = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    written = io.StringIO()
    previous = handler.setStream(written)
    try:
        yield written
    finally:
        handler.setStream(previous)


@pytest.fixture
def caseworker_client() -> Client:
    client = Client(raise_request_exception=False, REMOTE_ADDR="127.0.0.1")
    login_verified(client, make_staff(Role.CASEWORKER))
    return client


def _fails(*args, **kwargs):
    raise ValueError("could not open the story of MARKER-IN-MESSAGE")


def only_line(log: io.StringIO) -> str:
    lines = log.getvalue().splitlines()
    assert len(lines) == 1, lines
    for secret in SECRETS:
        assert secret not in lines[0]
    assert "%s" not in lines[0] and "Traceback" not in lines[0]
    return lines[0]


def test_an_exception_in_a_view_logs_its_route_and_type(caseworker_client, error_log, monkeypatch):
    # The page's first read (whether the case is visible, or a tombstone).
    monkeypatch.setattr(visibility, "visible_case", _fails)

    response = caseworker_client.get(f"/cases/{CASE_ID}/", {"q": "MARKER-IN-QUERY"})

    assert response.status_code == 500
    line = only_line(error_log)
    assert " ERROR django.request Internal Server Error: GET cases:detail (ValueError at " in line
    assert "views.py:" in line


def test_a_failed_form_post_logs_neither_the_form_nor_the_message(
    caseworker_client, error_log, monkeypatch
):
    monkeypatch.setattr(daily_work, "add_note", _fails)

    response = caseworker_client.post(
        f"/cases/{CASE_ID}/notes/", {"kind": "note", "text": "MARKER-IN-FORM"}
    )

    assert response.status_code == 500
    assert "Internal Server Error: POST cases:note (ValueError at " in only_line(error_log)


def test_a_sealed_page_is_one_readable_warning_not_an_error(
    caseworker_client, error_log, staff_log, vault
):
    # Issue 15: each request while sealed was an ERROR line of django.request. Being
    # sealed is expected operation: one WARNING that says so, by route name.
    vault.seal()

    response = caseworker_client.get(f"/cases/{CASE_ID}/", {"q": "MARKER-IN-QUERY"})

    assert response.status_code == 503
    assert error_log.getvalue() == ""  # no second, ERROR line for the same refusal
    line = only_line(staff_log)
    assert line.endswith(
        " WARNING waystation.vault.middleware Sealed: staff page refused with 503 until "
        "the trustees unseal: GET cases:detail"
    )
    assert " ERROR " not in line


def test_a_path_that_matches_no_route_is_not_logged(caseworker_client, error_log, staff_log, vault):
    vault.seal()

    caseworker_client.post("/MARKER-IN-QUERY/", {"name": "MARKER-IN-FORM"})

    assert only_line(staff_log).endswith("until the trustees unseal: POST (no route)")
    assert error_log.getvalue() == ""


def test_records_without_a_request_keep_only_the_words_of_the_code():
    try:
        raise KeyError("MARKER-IN-MESSAGE")
    except KeyError:
        record = logging.LogRecord(
            "waystation",
            logging.ERROR,
            __file__,
            1,
            "could not seal %s for %r",
            ("A", "B"),
            sys.exc_info(),
        )
    assert RedactedErrorFilter().filter(record)
    assert record.getMessage().startswith("could not seal … for … (KeyError at test_error_log.py:")
    assert "MARKER" not in record.getMessage()
