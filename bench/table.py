"""The one table ``make bench`` prints, and the machine it ran on.

Plain text with Markdown pipes, so it can be pasted into an issue note as it is.
"""

from __future__ import annotations

import os
import platform
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from bench.harness import Row

COLUMNS = ("benchmark", "backend", "measure", "value", "baseline", "ratio")


def number(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1_000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def render(rows: Iterable[Row]) -> str:
    cells = [
        (
            r.benchmark,
            r.backend,
            r.measure,
            number(r.value),
            number(r.baseline),
            "-" if r.ratio is None else f"{r.ratio:.2f}×",  # noqa: RUF001  (a times sign, on purpose)
        )
        for r in rows
    ]
    widths = [max(len(c[i]) for c in [COLUMNS, *cells]) for i in range(len(COLUMNS))]
    numeric = {3, 4, 5}

    def line(values: Iterable[str]) -> str:
        padded = [
            v.rjust(widths[i]) if i in numeric else v.ljust(widths[i]) for i, v in enumerate(values)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (w + 1) + ":" if i in numeric else "-" * (w + 2) for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(COLUMNS), rule, *(line(c) for c in cells)])


LEGEND = (
    "ratio = cost relative to the baseline measured in the same run (above 1 = slower);\n"
    "for rates it is baseline rate / rate. Times are medians after warm-up."
)


def cpu_model() -> str:
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                return text.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_lines(
    postgres_version: str | None, postgres_note: str, load: tuple[float, float]
) -> list[str]:
    import cryptography
    import django
    from cryptography.hazmat.backends.openssl.backend import backend as openssl

    return [
        f"machine:    {platform.system()} {platform.machine()}, {os.cpu_count()} CPU(s), "
        f"{cpu_model()}",
        f"load:       1-minute load average {load[0]:.2f} at start, {load[1]:.2f} at end "
        "(anything above 0 means other work shared the CPUs)",
        f"python:     {platform.python_version()} ({platform.python_implementation()}), "
        f"Django {django.get_version()}, cryptography {cryptography.__version__} "
        f"({openssl.openssl_version_text()})",
        f"sqlite:     {sqlite3.sqlite_version} (WAL, synchronous=FULL, as in settings)",
        f"postgresql: {postgres_version or 'not measured'}"
        + (f" ({postgres_note})" if postgres_note else ""),
    ]
