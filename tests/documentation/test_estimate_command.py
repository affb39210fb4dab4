"""``waystation estimate``: text and JSON output, and the exit codes a script relies on
(0 an estimate, 2 a table it cannot read, 3 a table without an estimate)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

DATA = Path(__file__).parent / "data"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("estimate", *args, stdout=out)
    return out.getvalue()


def refused(*args: str) -> CommandError:
    with pytest.raises(CommandError) as raised:
        run(*args)
    return raised.value


def test_text_output_names_the_model_the_estimate_and_the_assumptions():
    out = run(str(DATA / "korea-palembang.csv"))
    assert "Seen on at least one list: 123" in out
    assert "main effects + b*c + c*d" in out
    assert "Estimate of everyone, seen or not: 157" in out
    assert "95% interval (profile likelihood): 129 to" in out
    assert "Assumptions:" in out


def test_json_output_for_programs():
    result = json.loads(run("--format", "json", str(DATA / "kosovo-1999.csv")))
    assert set(result) == {"observed", "estimate", "ci_low", "ci_high", "model", "warnings"}
    assert result["observed"] == 4400 and round(result["estimate"]) == 14342


def test_the_real_command_exits_3_on_a_table_without_an_estimate(tmp_path):
    apart = tmp_path / "apart.csv"
    apart.write_text("A,B,count\n1,0,40\n0,1,30\n")
    done = subprocess.run(
        [sys.executable, "-m", "waystation.cli", "estimate", str(apart)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 3
    assert "nobody is on both A and B" in done.stderr and done.stdout == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"A,B,count\n2,0,4\n", "holds 0 or 1"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"A,B,count\n" + b"1,0,4\n" * 300_000, "larger than a table of counts"),
    ],
)
def test_bad_files_exit_2_with_a_clear_message(tmp_path, content, message):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    error = refused(str(bad))
    assert error.returncode == 2 and message in str(error)


def test_a_missing_file_a_folder_or_a_wrong_level_exits_2(tmp_path):
    assert refused(str(tmp_path / "none.csv")).returncode == 2
    assert refused(str(tmp_path)).returncode == 2
    error = refused("--level", "1.5", str(DATA / "korea-palembang.csv"))
    assert error.returncode == 2 and "--level" in str(error)


def test_a_fifo_or_a_device_behind_a_symlink_is_refused_at_once(tmp_path):
    fifo = tmp_path / "table.csv"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.csv"
    zero.symlink_to("/dev/zero")
    for path in (fifo, zero):
        # In a process of its own: a command that waits for a writer or reads /dev/zero
        # for ever fails the test by its timeout instead of hanging the suite.
        done = subprocess.run(
            [sys.executable, "-m", "waystation.cli", "estimate", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2 and "Not a regular file" in done.stderr


def test_a_file_is_never_read_past_the_limit(tmp_path, monkeypatch):
    # The limit holds on what is read, not only on the size the file had when asked.
    from waystation.documentation.management.commands import estimate as command

    monkeypatch.setattr(command, "MAX_FILE_BYTES", 64)
    big = tmp_path / "big.csv"
    big.write_bytes(b"A,B,count\n" + b"1,0,4\n" * 20)
    error = refused(str(big))
    assert error.returncode == 2 and "larger than a table of counts" in str(error)


def test_every_model_of_too_many_lists_exits_2_with_the_way_out(tmp_path):
    seven = tmp_path / "seven.csv"
    seven.write_text(",".join(f"L{k}" for k in range(7)) + ",count\n1,0,0,0,0,0,0,4\n")
    error = refused("--search", "exhaustive", str(seven))
    assert error.returncode == 2 and "--search stepwise" in str(error)
