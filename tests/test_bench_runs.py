"""`make bench` keeps working: its cheap sections run to the end, in quick mode, and print
the table. Figures are measured by `make bench`, never asserted here."""

import subprocess
import sys

import pytest

from tests.databases import REPO, bench_env

pytestmark = pytest.mark.slow  # a bench run in a child process: ~25 s on a quiet machine


def test_the_benchmarks_run_and_print_their_table():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--backends",
            "sqlite",
            "fields",
            "blind",
            "listing",
            "rotation",
            "referrals",
            "dossiers",
            "pageweight",
            "listmatch",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=bench_env(),
        cwd=REPO,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert any("seal+open field" in row for row in rows)
    assert any("KEK rotation" in row for row in rows)
    assert any("referral sent once" in row for row in rows)
    assert any("dossier exported once" in row for row in rows)
    assert any("public first page /en/" in row for row in rows)
    assert any("heaviest language" in row for row in rows)
    assert any("propose matches by digests" in row for row in rows)
