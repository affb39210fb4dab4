"""The dashboard benchmark keeps running in quick mode; its figures are measured by
`make bench`, never asserted here."""

import subprocess
import sys

import pytest

from tests.databases import REPO, bench_env

pytestmark = pytest.mark.slow  # a bench run in a child process: ~25 s on a quiet machine


def test_the_dashboard_benchmark_runs_in_quick_mode():
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--backends", "sqlite", "dashboard"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=bench_env(),
        cwd=REPO,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert any("numbers page p95" in row for row in rows)
