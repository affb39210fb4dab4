"""How many people no list saw: multiple systems estimation on a six-list table.

The table is drawn from a fictional population of known size (fixed seed), with lists
that depend on each other in pairs, so the run also says how far the estimate lands
from the truth. Full mode fits every two-list model of six lists (32,768); quick mode
five lists (1,024). The baseline is one model fitted alone, so the ratio is the cost of
the whole choice against one fit.
"""

from __future__ import annotations

import itertools
import time

import numpy as np

from bench.harness import SEED, Context, Row, benchmark, progress

TRUE_SIZE = 20_000
# Each list's chance to see a person, and pairs of lists that tend to see the same
# people (a referral from one to the other).
SEEN = (0.08, 0.12, 0.05, 0.10, 0.07, 0.04)
LINKED = {(0, 1): 2.5, (2, 3): 1.8, (1, 4): 0.5}


def synthetic_table(lists: int) -> str:
    rng = np.random.default_rng(SEED)
    seen = np.zeros((TRUE_SIZE, lists), dtype=bool)
    for k in range(lists):
        seen[:, k] = rng.random(TRUE_SIZE) < SEEN[k]
    for (i, j), factor in LINKED.items():
        if j < lists:
            # On list i: more (or less) likely on list j as well.
            again = rng.random(TRUE_SIZE) < min(1.0, SEEN[j] * factor)
            seen[:, j] = np.where(seen[:, i], again, seen[:, j])
    counts: dict[tuple[int, ...], int] = {}
    for row in seen:
        if row.any():
            key = tuple(int(v) for v in row)
            counts[key] = counts.get(key, 0) + 1
    header = ",".join(f"L{k + 1}" for k in range(lists)) + ",count\n"
    return header + "".join(",".join(map(str, p)) + f",{n}\n" for p, n in sorted(counts.items()))


@benchmark("estimate", title="Multiple systems estimation", order=60, per_backend=False)
def estimation(ctx: Context) -> list[Row]:
    """``estimate`` (the code behind ``waystation estimate``) choosing among every
    two-list model, against fitting the main-effects model alone."""
    from waystation.documentation.estimation import (
        Criterion,
        Search,
        estimate,
        fit_model,
        read_capture_table,
    )

    quick = ctx.sizes.records < 100_000
    lists = 5 if quick else 6
    table = read_capture_table(synthetic_table(lists))
    models = 2 ** len(list(itertools.combinations(range(lists), 2)))
    started = time.perf_counter()
    for _ in range(5):
        fit_model(table, (), Criterion.BIC)
    one_model = (time.perf_counter() - started) / 5
    progress(f"estimate: {lists} lists, {table.observed:,} seen, {models:,} models")
    started = time.perf_counter()
    result = estimate(table, search=Search.EXHAUSTIVE)
    every_model = time.perf_counter() - started
    progress(
        f"estimate: {result.estimate:,.0f} (true {TRUE_SIZE:,}), "
        f"{result.ci_low:,.0f} to {result.ci_high or float('inf'):,.0f}, {result.model}"
    )
    return [
        Row(
            f"estimate, {lists} lists, {models:,} models",
            "-",
            "s per table",
            every_model,
            baseline=one_model,
        ),
        Row(
            f"estimate / true size ({TRUE_SIZE:,})",
            "-",
            "ratio",
            result.estimate,
            baseline=float(TRUE_SIZE),
        ),
    ]
