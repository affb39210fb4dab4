"""``waystation estimate FILE.csv``: how many people no list saw, from a table of counts
(docs/documentation.md#how-many-people).

The table has one 0/1 column per list and a ``count`` column: the layout of the
published R packages. The output names the chosen model, the estimate and its interval,
the warnings and the assumptions; ``--format json`` prints one object for programs.

Exit codes: 0 with an estimate; 2 when the file cannot be read or the command is used
wrongly; 3 when the table holds no estimate (the reason is printed).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waystation.documentation.estimation import (
    ASSUMPTIONS,
    Criterion,
    NotEstimable,
    Search,
    TableError,
    TooManyModels,
    estimate,
    read_capture_table,
)

BAD_INPUT_EXIT_CODE = 2
NOT_ESTIMABLE_EXIT_CODE = 3
MAX_FILE_BYTES = 1024 * 1024  # a table of counts is a few hundred bytes


def _read_table_file(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES.

    Opened without blocking and checked on the open descriptor, not by name first: a
    name checked and then opened can be swapped for a FIFO in between (open would wait
    for a writer for ever), and a file that grows after its size was read, or a device
    such as /dev/zero behind a symlink, is never read past the limit."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise CommandError(f"No such file: {path}", returncode=BAD_INPUT_EXIT_CODE) from None
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise CommandError(f"Not a regular file: {path}", returncode=BAD_INPUT_EXIT_CODE)
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise CommandError(
            "The file is larger than a table of counts can be (1 MB).",
            returncode=BAD_INPUT_EXIT_CODE,
        )
    return data


class Command(BaseCommand):
    help = (
        "Estimate how many people no list saw, from a CSV of capture histories: one 0/1 "
        "column per list and a 'count' column. Exits 3 when the table holds no estimate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV table of counts ('-' is not accepted)")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--criterion",
            choices=[c.value for c in Criterion],
            default=Criterion.BIC.value,
            help="how the model is chosen (default: bic)",
        )
        parser.add_argument(
            "--search",
            choices=[s.value for s in Search],
            default=Search.AUTO.value,
            help="every model, forward selection, or auto (every model up to five lists)",
        )
        parser.add_argument(
            "--level", type=float, default=0.95, help="the interval's level (default 0.95)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not 0.5 <= options["level"] < 1:
            raise CommandError("--level is between 0.5 and 1.", returncode=BAD_INPUT_EXIT_CODE)
        try:
            text = _read_table_file(path).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CommandError(
                "The file is not UTF-8 text.", returncode=BAD_INPUT_EXIT_CODE
            ) from None
        except OSError as error:
            raise CommandError(
                f"The file cannot be read: {error.strerror}.", returncode=BAD_INPUT_EXIT_CODE
            ) from None
        try:
            table = read_capture_table(text)
            result = estimate(
                table,
                criterion=Criterion(options["criterion"]),
                search=Search(options["search"]),
                level=options["level"],
            )
        except (TableError, TooManyModels) as error:
            raise CommandError(str(error), returncode=BAD_INPUT_EXIT_CODE) from None
        except NotEstimable as error:
            raise CommandError(
                f"No estimate: {error}", returncode=NOT_ESTIMABLE_EXIT_CODE
            ) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.as_json(), indent=2))
            return
        high = "no upper end" if result.ci_high is None else f"{result.ci_high:,.0f}"
        percent = f"{result.level * 100:g}%"
        lines = [
            f"Lists: {', '.join(table.lists)}",
            f"Seen on at least one list: {result.observed:,}",
            f"Model ({result.criterion.value.upper()}, {result.models_considered:,} "
            f"considered): {result.model}",
            f"Estimate of everyone, seen or not: {result.estimate:,.0f}",
            f"{percent} interval (profile likelihood): {result.ci_low:,.0f} to {high}",
        ]
        lines += [f"Warning: {warning}" for warning in result.warnings]
        lines.append(f"Assumptions: {ASSUMPTIONS}")
        self.stdout.write("\n".join(lines))
