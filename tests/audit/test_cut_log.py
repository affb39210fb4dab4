"""Issue 11, finding 4: a log emptied, or cut at its end with the head moved back, agrees
with itself, and `audit verify` said "OK". Now the anchor file configured in settings
(written every minute by `audit anchor`) says how long the log was, and an empty log
beside staff accounts or cases is refused on its own."""

from __future__ import annotations

import os
import secrets
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.audit.chains import build_chain
from tests.factories import make_staff
from tests.processes import waystation_command
from waystation.audit import services as audit
from waystation.audit.models import AuditEntry, AuditHead
from waystation.audit.services import verify_chain

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]


def _run(*args: str) -> str:
    out = StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


def _cut(last: int) -> None:
    """What an insider with database access does: delete the newest entries and move the
    head back, so that the chain alone looks whole."""
    top = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    keep = top - last
    AuditEntry.objects.filter(seq__gt=keep).delete()
    head = AuditEntry.objects.filter(seq=keep).values_list("entry_hash", flat=True).first()
    AuditHead.objects.filter(pk=1).update(seq=keep, entry_hash=head or "0" * 64)


def _empty() -> None:
    AuditEntry.objects.all().delete()
    AuditHead.objects.all().delete()


def test_an_emptied_log_is_refused_while_the_database_holds_staff(audit_anchor_file):
    make_staff()  # writes accounts.staff_created, and more
    _empty()
    assert not audit_anchor_file.exists()  # nothing anchored: the log's emptiness alone

    with pytest.raises(CommandError, match=r"the audit log is empty, but the database holds 1"):
        _run("verify")
    with pytest.raises(CommandError, match=r"the audit log is empty"):
        _run("anchor")


def test_an_emptied_log_is_refused_given_an_anchor(audit_anchor_file):
    build_chain(12)
    _run("anchor")
    _empty()  # and no account or case in the database to give it away

    with pytest.raises(CommandError, match=r"the log is empty, but entry #12 was anchored"):
        _run("verify")
    with pytest.raises(CommandError, match=r"the log is empty, but entry #12 was anchored"):
        _run("anchor")


def test_the_last_ten_entries_cut_with_the_head_moved_back_are_caught(audit_anchor_file):
    build_chain(40)
    assert _run("verify").startswith("OK: 40 entries")  # the daily run anchors too

    _cut(10)

    assert verify_chain().ok  # the chain alone cannot tell
    with pytest.raises(
        CommandError,
        match=r"BROKEN: the log ends at entry #30, but entry #40 was anchored earlier: "
        r"entries from #31 on were removed",
    ):
        _run("verify")
    with pytest.raises(CommandError, match=r"ends at entry #30, but entry #40"):
        _run("anchor")
    assert audit_anchor_file.read_text().count("\n") == 1  # nothing was anchored after


def test_a_cut_followed_by_new_entries_is_caught_at_the_anchored_entry(audit_anchor_file):
    """Cut and regrown past the anchor: the log is long enough, but not the same log."""
    build_chain(20)
    _run("anchor")
    _cut(10)
    for n in range(15):
        audit.record(actor_id=n + 1, action="case.opened", object_type="case", object_id="x")

    with pytest.raises(CommandError, match=r"entry #20 no longer has the hash anchored earlier"):
        _run("anchor")
    with pytest.raises(CommandError, match=r"entry #20 no longer has the hash anchored earlier"):
        _run("verify")


def test_an_entry_changed_since_the_newest_anchor_stops_the_minute_s_anchor():
    build_chain(10)
    _run("anchor")
    for n in range(5):
        audit.record(actor_id=n + 1, action="case.opened", object_type="case", object_id="x")
    AuditEntry.objects.filter(seq=13).update(object_id="changed")

    with pytest.raises(CommandError, match=r"BROKEN at entry #13: its contents were changed"):
        _run("anchor")


def test_normal_growth_after_an_anchor_passes(audit_anchor_file):
    build_chain(10)
    assert _run("anchor").startswith("OK: anchored entry #10")
    assert _run("anchor").startswith("OK: entry #10 was already anchored")
    for n in range(7):
        audit.record(actor_id=n + 1, action="case.opened", object_type="case", object_id="x")

    assert _run("anchor").startswith("OK: anchored entry #17")
    output = _run("verify")

    assert output.startswith("OK: 17 entries") and "2 earlier anchor(s) match" in output
    lines = audit_anchor_file.read_text().splitlines()
    assert [int(line.split()[0]) for line in lines] == [10, 17]  # verify adds no duplicate
    assert lines[-1].split()[1] == AuditEntry.objects.get(seq=17).entry_hash


def test_a_fresh_installation_with_nothing_in_it_verifies():
    _empty()
    assert _run("verify").startswith("OK: 0 entries")
    assert _run("anchor") == "OK: the log is empty; nothing to anchor yet\n"


def test_without_an_anchor_file_configured_verify_refuses_to_say_ok(settings):
    settings.WAYSTATION_AUDIT_ANCHOR = None  # production, WAYSTATION_AUDIT_ANCHOR unset
    build_chain(5)

    with pytest.raises(CommandError, match=r"NOT VERIFIED: OK: 5 entries.*no anchor file is conf"):
        _run("verify")
    with pytest.raises(CommandError, match=r"no anchor file is configured"):
        _run("anchor")


def test_an_explicit_anchor_file_stands_in_for_the_configured_one(settings, tmp_path):
    settings.WAYSTATION_AUDIT_ANCHOR = None
    build_chain(5)
    other = tmp_path / "elsewhere"

    assert _run("verify", "--anchors", str(other)).startswith("OK: 5 entries")
    assert other.read_text().startswith("5 ")


def test_the_minute_s_anchor_reads_the_newest_line_of_a_long_file(audit_anchor_file):
    build_chain(3)
    filler = "".join(f"1 {AuditEntry.objects.get(seq=1).entry_hash}\n" for _ in range(200))
    audit_anchor_file.write_text(filler + f"3 {AuditEntry.objects.get(seq=3).entry_hash}\n")

    assert _run("anchor") == "OK: entry #3 was already anchored\n"
    assert "201 earlier anchor(s) match" in _run("verify")


def _production(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAYSTATION_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="waystation.settings",
        WAYSTATION_MODE="production",
        WAYSTATION_DATA_DIR=str(tmp_path / "data"),
        WAYSTATION_SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PYTHONPATH=str(REPO / "src"),  # this checkout's code, not the installed one
    )
    env.update(extra)
    return env


@pytest.mark.slow
@pytest.mark.own_sqlite
def test_production_needs_an_anchor_file_configured_for_verify_to_pass(tmp_path):
    env = _production(tmp_path)
    assert waystation_command(env, "migrate", "--verbosity", "0").returncode == 0

    unset = waystation_command(env, "audit", "verify")
    anchors = tmp_path / "mnt" / "anchors"
    anchors.parent.mkdir()
    configured = waystation_command(
        {**env, "WAYSTATION_AUDIT_ANCHOR": str(anchors)}, "audit", "verify"
    )

    assert unset.returncode != 0
    assert "no anchor file is configured (set WAYSTATION_AUDIT_ANCHOR" in unset.stderr
    assert configured.returncode == 0, configured.stderr
    assert configured.stdout.startswith("OK: ")
    assert not (tmp_path / "data" / "audit-anchors").exists()  # no quiet default beside the db
