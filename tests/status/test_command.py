"""``waystation status``: the text and JSON outputs, the exit code, no personal data."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from tests.status.conftest import Seeded, personal_values
from waystation.audit.models import AuditHead
from waystation.audit.verification import anchor_log

pytestmark = pytest.mark.django_db


def run_status(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("status", *args, stdout=out)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def all_ok(seeded, settings, audit_anchor_file) -> Seeded:
    settings.WAYSTATION_STATUS_UNANSWERED_HOURS = 72
    anchor_log()
    return seeded


def test_json_output_parses_and_has_every_check(all_ok):
    code, out = run_status("--json")

    data = json.loads(out)
    assert code == 0
    assert data["ok"] is True
    assert list(data["checks"]) == [
        "vault",
        "workers",
        "database",
        "requests",
        "backup",
        "shredding",
        "audit",
    ]
    for check in data["checks"].values():
        assert set(check) == {"title", "ok", "summary", "facts"}
    assert data["checks"]["vault"]["facts"]["sealed"] is False
    assert data["checks"]["requests"]["facts"]["count"] == all_ok.waiting
    assert data["checks"]["audit"]["facts"]["entries"] == AuditHead.objects.get().seq
    assert data["checks"]["audit"]["facts"]["head_hash"] == AuditHead.objects.get().entry_hash


def test_exit_code_is_1_when_something_is_not_ok(all_ok, vault):
    vault.seal()

    code, out = run_status("--json")

    assert code == 1
    data = json.loads(out)  # still whole JSON, for the monitor to read why
    assert data["ok"] is False
    assert data["checks"]["vault"]["ok"] is False
    assert data["checks"]["database"]["ok"] is True


def test_text_output_names_what_is_not_ok(seeded, settings):
    settings.DEMO_MODE = False

    code, out = run_status()

    assert code == 1
    lines = out.splitlines()
    assert any(line.startswith("NOT OK") and "No backup recorded." in line for line in lines)
    assert any(line.startswith("NOT OK") and "Oldest unanswered request" in line for line in lines)
    assert any(line.startswith("ok") and "Vault" in line for line in lines)
    assert lines[-1] == "Something is not ok: see NOT OK above."


def test_text_output_when_everything_is_ok(all_ok):
    code, out = run_status()

    assert code == 0
    assert out.splitlines()[-1] == "Everything is ok."


@pytest.mark.parametrize("args", [(), ("--json",)])
def test_no_personal_data_in_the_output(seeded, args):
    _code, out = run_status(*args)

    for value in personal_values(seeded):
        assert value not in out, value
    assert seeded.screener.username not in out


def test_an_unknown_option_is_refused(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("status", "--jsn")
