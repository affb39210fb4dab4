"""Multiple systems estimation: how many people no list saw (docs/documentation.md#how-many-people).

Several organisations each keep a list of the people they know were harmed. Matched
across lists, the people give a *capture history* each (on list A and C, not B …), and
the table of how many people have each history says something about the people with
the one history nobody can count: on no list at all. Waystation fits Poisson log-linear
models to that table (statsmodels' GLM), one per candidate model — every list's main
effect and a chosen set of two-list interactions, the dependence between lists that the
data can show — chooses one by BIC or AIC, and reads the unseen count off the model's
intercept. The interval is the profile likelihood interval for the population size
(Cormack 1992), which may have no upper end when the lists overlap too little.

Sparse tables are the rule in this work, and on them a model may have no estimate at
all. Before fitting, each model is checked in the way Fienberg and Rinaldo (2012) and
Chan, Silverman and Vincent (2021) describe: a linear programme finds the cells whose
fitted count must be zero (the *facial set*'s complement: for example, every cell with
two lists that share nobody, once their interaction is in the model), and the unseen
cell's count is estimable only if its row of the design lies in the span of the rows
that remain. A model that fails is never fitted, and a table on which every model fails
raises ``NotEstimable`` with the reason, rather than printing the huge number a solver
would drift to.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
from django.utils.translation import gettext, gettext_lazy, ngettext

from waystation.accounts.templatetags.staff_format import local_number

COUNT_COLUMN = "count"
# _STARTUP: scipy and statsmodels are imported where a model is fitted, not here. The
# staff pages' URLconf imports this module (the figures page), so every process would
# otherwise load them on start: about 1.4 s of CPU for each worker, command and test
# server, for pages and commands that never fit a model.
MIN_LISTS = 2
MAX_LISTS = 10  # 2**10 - 1 cells; far beyond what any network has, and still quick to read
MAX_ROWS = 2**MAX_LISTS
MAX_COUNT = 10**9
# A list's name is a word or two (a partner's, a source's); it is printed in every model.
MAX_NAME_LENGTH = 80
# Control characters, format characters (bidi overrides among them), line and paragraph
# separators, surrogates and unassigned code points.
_UNPRINTABLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# With "auto", up to this many candidate models are each fitted (every two-list model of
# five lists); beyond it, forward selection. Six lists' 32,768 take minutes (make bench).
AUTO_EXHAUSTIVE_LIMIT = 2**10
# Asked for by name (--search exhaustive), every model is fitted up to six lists'
# 32,768 (a minute or two); seven lists would be two million fits, hours of work, and ten
# 2**45: refused, rather than a command that never ends.
MAX_EXHAUSTIVE = 2**15
# A criterion within this of the best one is "as good" (Burnham and Anderson's rule for
# AIC, Raftery's for BIC): such models' estimates are reported as a warning.
CLOSE_CRITERION = 2.0
# Fewer people than this on more than one list: the estimate is said to be fragile.
FEW_OVERLAPPING = 10

# Said in the reader's language on the figures page; the command prints it in English.
ASSUMPTIONS = gettext_lazy(
    "The estimate assumes that the lists cover one closed group of people over one "
    "period (nobody joins or leaves it in between), that the same person is recognised "
    "as the same on every list and two people are never taken for one, and that the "
    "ways lists depend on each other are the two-list links in the chosen model. People "
    "whom no list could reach at all, whatever their number, are beyond any estimate."
)


def overlap_warning(overlapping: int) -> str:
    """The warning for fewer than ``FEW_OVERLAPPING`` people on more than one list (the
    figures page replaces it by its suppressed form when the count is a small cell)."""
    return ngettext(
        "Only %(count)s person is on more than one list; any estimate from so few is fragile.",
        "Only %(count)s people are on more than one list; any estimate from so few is fragile.",
        overlapping,
    ) % {"count": _number(overlapping)}


def _number(value: float) -> str:
    """A count of people in the reader's language (14,342 in English, 14 342 in Russian)."""
    return local_number(round(value))


class TableError(ValueError):
    """The table cannot be read: the message says which line and why."""


class NotEstimable(Exception):
    """The table holds no estimate: the message says why, in plain words."""


class TooManyModels(ValueError):
    """Every model was asked for on a table with too many lists to fit them all."""


class _NoFit(Exception):
    """The Poisson fit diverged from every start: the model has no estimate here."""


class Criterion(StrEnum):
    BIC = "bic"
    AIC = "aic"


class Search(StrEnum):
    EXHAUSTIVE = "exhaustive"  # every set of two-list interactions
    STEPWISE = "stepwise"  # forward: add the interaction that helps most, while one helps
    AUTO = "auto"  # exhaustive up to EXHAUSTIVE_LIMIT models, stepwise beyond


Pattern = tuple[int, ...]
Pair = tuple[int, int]


@dataclass(frozen=True)
class CaptureTable:
    """How many people were seen on exactly each combination of lists."""

    lists: tuple[str, ...]
    counts: Mapping[Pattern, int]  # every non-empty pattern; absent ones are 0

    @property
    def observed(self) -> int:
        return sum(self.counts.values())

    def cells(self) -> list[Pattern]:
        """Every pattern seen or not, in a fixed order (the unseen one left out)."""
        return [p for p in itertools.product((0, 1), repeat=len(self.lists)) if any(p)]

    def overlap(self, pair: Pair) -> int:
        """How many people are on both lists of the pair, whatever else they are on."""
        i, j = pair
        return sum(n for p, n in self.counts.items() if p[i] and p[j])


@dataclass(frozen=True)
class ModelFit:
    interactions: tuple[Pair, ...]
    unseen: float
    log_likelihood: float
    parameters: int
    criterion: float


@dataclass(frozen=True)
class Estimate:
    observed: int
    estimate: float
    ci_low: float
    ci_high: float | None  # None: the data set no upper end
    model: str
    criterion: Criterion
    level: float
    models_considered: int
    models_without_estimate: int
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "observed": self.observed,
            "estimate": round(self.estimate, 2),
            "ci_low": round(self.ci_low, 2),
            "ci_high": None if self.ci_high is None else round(self.ci_high, 2),
            "model": self.model,
            "warnings": self.warnings,
        }


# --- reading a table ------------------------------------------------------------------------


def read_capture_table(text: str) -> CaptureTable:
    """A table in the layout of the published R packages: one 0/1 column per list and a
    ``count`` column, one row per combination seen (missing combinations count 0)."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise TableError("The file is empty.") from None
    except csv.Error as error:
        raise TableError(f"Line 1 is not CSV: {error}.") from None
    names = [name.strip() for name in header]
    if COUNT_COLUMN not in names:
        raise TableError(f"There is no '{COUNT_COLUMN}' column (line 1 names the columns).")
    if names.count(COUNT_COLUMN) > 1 or len(set(names)) != len(names):
        raise TableError("Two columns have the same name (line 1).")
    if any(not name for name in names):
        raise TableError("A column has no name (line 1).")
    if any(len(name) > MAX_NAME_LENGTH or not _printable(name) for name in names):
        raise TableError(
            f"A column's name is longer than {MAX_NAME_LENGTH} characters or holds a "
            "control character (line 1)."
        )
    count_at = names.index(COUNT_COLUMN)
    lists = tuple(name for k, name in enumerate(names) if k != count_at)
    if not MIN_LISTS <= len(lists) <= MAX_LISTS:
        raise TableError(
            f"The table has {len(lists)} list column(s); between {MIN_LISTS} and "
            f"{MAX_LISTS} are needed."
        )
    counts: dict[Pattern, int] = {}
    try:
        for line, row in enumerate(reader, start=2):
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                raise TableError(f"Line {line} has {len(row)} values; the header has {len(names)}.")
            if line > MAX_ROWS + 1:
                raise TableError(f"More than {MAX_ROWS} rows: at most one per combination.")
            pattern = tuple(
                _flag(cell, line, name)
                for k, (cell, name) in enumerate(zip(row, names, strict=True))
                if k != count_at
            )
            if not any(pattern):
                raise TableError(
                    f"Line {line} is on no list: the people no list saw are what is "
                    "estimated, so the table cannot give them."
                )
            if pattern in counts:
                raise TableError(f"Line {line} repeats a combination of lists given before.")
            counts[pattern] = _count(row[count_at], line)
    except csv.Error as error:
        raise TableError(f"The file is not CSV: {error}.") from None
    if not counts or sum(counts.values()) == 0:
        raise TableError("The table counts nobody.")
    return CaptureTable(lists=lists, counts=counts)


def _printable(name: str) -> bool:
    """No control or format character: names are printed to a terminal and into every
    model's description, where an escape sequence would rewrite what the reader sees
    and a bidi override would reorder it."""
    return not any(unicodedata.category(char) in _UNPRINTABLE for char in name)


def _flag(cell: str, line: int, name: str) -> int:
    value = cell.strip()
    if value in ("0", "1"):
        return int(value)
    if value in ("0.0", "1.0"):  # as R writes them
        return int(float(value))
    raise TableError(f"Line {line}, column '{name}': a list column holds 0 or 1.")


# What R and spreadsheets write for a count: ASCII digits, perhaps "12.0" or "1e+05".
# ``float`` alone would also take "1_000", "١٢" (Arabic-Indic digits), "inf" and "nan".
_COUNT_TEXT = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE]\+?[0-9]+)?", re.ASCII)


def _count(cell: str, line: int) -> int:
    value = cell.strip()
    if not _COUNT_TEXT.fullmatch(value):
        if value.startswith("-"):
            raise TableError(f"Line {line}: the count is a whole number, 0 or more.")
        raise TableError(f"Line {line}: the count is not a number.")
    number = float(value)
    if not math.isfinite(number) or number != int(number) or number < 0:
        raise TableError(f"Line {line}: the count is a whole number, 0 or more.")
    if number > MAX_COUNT:
        raise TableError(f"Line {line}: a count above {MAX_COUNT:,} is not a count of people.")
    return int(number)


# --- one model ------------------------------------------------------------------------------


def _design(table: CaptureTable, interactions: Sequence[Pair]) -> np.ndarray:
    rows = [
        [1, *pattern, *(pattern[i] * pattern[j] for i, j in interactions)]
        for pattern in table.cells()
    ]
    return np.array(rows, dtype=float)


def _possible_cells(design: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Which cells may have a fitted count above zero (the facial set): those positive in
    some non-negative table with the model's sufficient statistics. One linear
    programme over the empty cells (a cell with a count is always possible): maximise
    the sum of min(y_c, 1) over tables y >= 0 with X'y = X'n."""
    from scipy.optimize import linprog  # see _STARTUP

    empty = np.flatnonzero(counts == 0)
    if empty.size == 0:
        return np.ones(len(counts), dtype=bool)
    cells = len(counts)
    # Variables: y (every cell), then z (the empty cells) with z <= y and z <= 1.
    objective = np.concatenate([np.zeros(cells), -np.ones(empty.size)])
    equality = np.hstack([design.T, np.zeros((design.shape[1], empty.size))])
    bound_z = np.zeros((empty.size, cells + empty.size))
    bound_z[np.arange(empty.size), empty] = -1.0
    bound_z[np.arange(empty.size), cells + np.arange(empty.size)] = 1.0
    result = linprog(
        objective,
        A_ub=bound_z,
        b_ub=np.zeros(empty.size),
        A_eq=equality,
        b_eq=design.T @ counts,
        bounds=[(0, None)] * cells + [(0, 1)] * empty.size,
        method="highs",
    )
    if not result.success:  # the observed table itself is feasible: this cannot happen
        raise RuntimeError("the facial-set programme failed")
    possible = counts > 0
    possible[empty] = result.x[cells:] > 1e-9
    return possible


def _independent_columns(matrix: np.ndarray) -> list[int]:
    """A maximal set of linearly independent columns, the intercept first."""
    kept: list[int] = []
    for column in range(matrix.shape[1]):
        trial = [*kept, column]
        if np.linalg.matrix_rank(matrix[:, trial]) == len(trial):
            kept = trial
    return kept


@dataclass(frozen=True)
class _Prepared:
    """A model reduced to what its data can fit: the cells that may be positive and the
    columns that are independent on them."""

    design: np.ndarray
    counts: np.ndarray


class _Fitter:
    """One table's arrays, made once for every model tried on it.

    The facial set is the costly part (a linear programme). Chan, Silverman and Vincent
    (2021) show how to spare most of them: with S the pairs of lists that share nobody
    and are linked in the model, every cell holding such a pair must be empty, and the
    model sits inside the *top* model (S and every overlapping pair). A bigger model's
    facial set lies inside a smaller one's, so if the top model leaves possible exactly
    the cells that S does not empty, so does every model below it: one programme per S.
    """

    def __init__(self, table: CaptureTable) -> None:
        self.table = table
        self.lists = len(table.lists)
        self.pairs: list[Pair] = list(itertools.combinations(range(self.lists), 2))
        self.design = _design(table, self.pairs)
        cells = table.cells()
        self.counts = np.array([table.counts.get(p, 0) for p in cells], dtype=float)
        self.apart = {pair for pair in self.pairs if table.overlap(pair) == 0}
        self.overlapping = [pair for pair in self.pairs if pair not in self.apart]
        self._holds = {
            pair: np.array([bool(c[pair[0]] and c[pair[1]]) for c in cells]) for pair in self.pairs
        }
        self._top: dict[frozenset[Pair], np.ndarray] = {}

    def columns(self, interactions: Iterable[Pair]) -> list[int]:
        main = list(range(self.lists + 1))
        return main + [self.lists + 1 + self.pairs.index(p) for p in interactions]

    def possible_cells(self, interactions: Sequence[Pair]) -> np.ndarray:
        linked_apart = frozenset(p for p in interactions if p in self.apart)
        emptied = np.zeros(len(self.counts), dtype=bool)
        for pair in linked_apart:
            emptied |= self._holds[pair]
        if linked_apart not in self._top:
            top = self.columns([*self.overlapping, *sorted(linked_apart)])
            self._top[linked_apart] = _possible_cells(self.design[:, top], self.counts)
        if np.array_equal(self._top[linked_apart], ~emptied):
            return ~emptied
        return _possible_cells(self.design[:, self.columns(interactions)], self.counts)

    def prepare(self, interactions: Sequence[Pair]) -> _Prepared | None:
        possible = self.possible_cells(interactions)
        design = self.design[possible][:, self.columns(interactions)]
        reduced = design[:, [k for k in range(design.shape[1]) if design[:, k].any()]]
        rank = np.linalg.matrix_rank(reduced)
        if rank < reduced.shape[1]:
            unseen_row = np.zeros(design.shape[1])
            unseen_row[0] = 1.0
            if np.linalg.matrix_rank(np.vstack([design, unseen_row])) != rank:
                return None  # the unseen cell's count is not fixed by what can be fitted
            reduced = reduced[:, _independent_columns(reduced)]
        return _Prepared(design=reduced, counts=self.counts[possible])

    def fit(self, interactions: Sequence[Pair], criterion: Criterion) -> ModelFit | None:
        prepared = self.prepare(interactions)
        if prepared is None:
            return None
        try:
            result = _glm(prepared.design, prepared.counts)
        except _NoFit:
            return None
        unseen = float(np.exp(result.params[0]))
        if not result.converged or not math.isfinite(unseen):
            return None
        parameters = prepared.design.shape[1]
        if criterion is Criterion.BIC:
            penalty = parameters * math.log(self.table.observed)
        else:
            penalty = 2.0 * parameters
        return ModelFit(
            interactions=tuple(interactions),
            unseen=unseen,
            log_likelihood=float(result.llf),
            parameters=parameters,
            criterion=penalty - 2 * float(result.llf),
        )


def _glm(design: np.ndarray, counts: np.ndarray) -> Any:
    """statsmodels' Poisson GLM, started from least squares on the logs (a few IRLS
    steps instead of a dozen from its generic start).

    On a sparse table with one large cell (the profile likelihood puts a large unseen
    count next to many possible empty cells) that start can be so far off that the
    first IRLS step overflows and statsmodels raises; its own start, from the counts
    themselves, then converges. Neither start converging is the model having no fit."""
    from statsmodels.genmod.families import Poisson  # see _STARTUP
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    start, *_ = np.linalg.lstsq(design, np.log(counts + 0.5), rcond=None)
    model = GLM(counts, design, family=Poisson())
    with warnings.catch_warnings():
        # Zero cells that remain possible are fine; separation is ruled out above.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            result = model.fit(start_params=start)
            if result.converged and np.all(np.isfinite(result.params)):
                return result
        except ValueError:  # "NaN, inf or invalid value detected in weights"
            pass
        try:
            return model.fit()
        except ValueError:
            raise _NoFit from None


def fit_model(
    table: CaptureTable, interactions: Sequence[Pair], criterion: Criterion = Criterion.BIC
) -> ModelFit | None:
    """One model's estimate of the unseen count, or None where the model has none."""
    return _Fitter(table).fit(interactions, criterion)


def describe_model(lists: Sequence[str], interactions: Iterable[Pair]) -> str:
    links = [f"{lists[i]}*{lists[j]}" for i, j in interactions]
    return gettext("main effects") + "".join(f" + {link}" for link in links)


# --- choosing a model -----------------------------------------------------------------------


def candidate_count(lists: int) -> int:
    pairs: int = lists * (lists - 1) // 2
    return 1 << pairs


def _exhaustive(fitter: _Fitter, criterion: Criterion) -> tuple[list[ModelFit], int]:
    fits, failed = [], 0
    for size in range(len(fitter.pairs) + 1):
        for chosen in itertools.combinations(fitter.pairs, size):
            fit = fitter.fit(chosen, criterion)
            if fit is None:
                failed += 1
            else:
                fits.append(fit)
    return fits, failed


def _stepwise(fitter: _Fitter, criterion: Criterion) -> tuple[list[ModelFit], int]:
    current = fitter.fit((), criterion)
    fits, failed = ([current] if current else []), (0 if current else 1)
    chosen: tuple[Pair, ...] = ()
    while True:
        trials = []
        for pair in fitter.pairs:
            if pair in chosen:
                continue
            fit = fitter.fit((*chosen, pair), criterion)
            if fit is None:
                failed += 1
            else:
                trials.append(fit)
        fits.extend(trials)
        better = [f for f in trials if current is None or f.criterion < current.criterion]
        if not better:
            return fits, failed
        current = min(better, key=lambda f: f.criterion)
        chosen = current.interactions


# --- the interval ---------------------------------------------------------------------------


def _profile(prepared: _Prepared, observed: int) -> Callable[[float], float]:
    """The profile log-likelihood of the unseen count z (Cormack 1992): the model fitted
    to the whole table with z in the unseen cell, read as a multinomial of N = n + z."""
    from scipy.special import gammaln  # see _STARTUP

    unseen_row = np.zeros(prepared.design.shape[1])
    unseen_row[0] = 1.0
    design = np.vstack([prepared.design, unseen_row])
    constant = float(np.sum(gammaln(prepared.counts + 1)))

    def log_likelihood(z: float) -> float:
        counts = np.append(prepared.counts, z)
        mu = np.asarray(_glm(design, counts).mu)
        total = observed + z
        probabilities = np.maximum(mu / total, 1e-300)
        return float(
            gammaln(total + 1) - gammaln(z + 1) - constant + np.sum(counts * np.log(probabilities))
        )

    return log_likelihood


def _interval(fitter: _Fitter, fit: ModelFit, level: float) -> tuple[float, float | None, float]:
    from scipy.optimize import brentq, minimize_scalar  # see _STARTUP
    from scipy.stats import chi2

    table = fitter.table
    prepared = fitter.prepare(fit.interactions)
    assert prepared is not None  # the fit exists, so the model was prepared once already
    log_likelihood = _profile(prepared, table.observed)
    top = max(10.0 * (fit.unseen + table.observed), 100.0)
    best = minimize_scalar(
        lambda z: -log_likelihood(z), bounds=(0.0, top), method="bounded",
        options={"xatol": 1e-3},
    )  # fmt: skip
    peak_at, peak = float(best.x), -float(best.fun)
    drop = float(chi2.ppf(level, df=1)) / 2

    def below(z: float) -> float:
        return log_likelihood(z) - (peak - drop)

    low = 0.0 if below(0.0) > 0 else float(brentq(below, 0.0, peak_at, xtol=1e-3))
    high: float | None = None
    upper = max(2.0 * peak_at, 10.0)
    for _ in range(40):  # doubling, up to about 10**12 times the peak
        if below(upper) < 0:
            high = float(brentq(below, peak_at, upper, xtol=1e-3))
            break
        upper *= 2.0
    return low, high, peak_at


# --- the whole estimate ---------------------------------------------------------------------


def estimate(
    table: CaptureTable,
    *,
    criterion: Criterion = Criterion.BIC,
    search: Search = Search.AUTO,
    level: float = 0.95,
) -> Estimate:
    """The chosen model's estimate of everyone (seen and unseen), with its interval."""
    if not 0.5 <= level < 1:
        raise ValueError("the confidence level is between 0.5 and 1")
    lists = len(table.lists)
    if search is Search.AUTO:
        every_model = candidate_count(lists) <= AUTO_EXHAUSTIVE_LIMIT
        search = Search.EXHAUSTIVE if every_model else Search.STEPWISE
    if search is Search.EXHAUSTIVE and candidate_count(lists) > MAX_EXHAUSTIVE:
        raise TooManyModels(
            f"Every model of {lists} lists is {candidate_count(lists):,} models, too many "
            f"to fit (at most {MAX_EXHAUSTIVE:,}, six lists); choose them step by step "
            "(--search stepwise or auto)."
        )
    notes: list[str] = []
    active = [k for k in range(lists) if any(p[k] for p in table.counts if table.counts[p])]
    if len(active) < lists:
        empty = ", ".join(table.lists[k] for k in range(lists) if k not in active)
        raise NotEstimable(
            gettext("List %(list)s names nobody; leave it out of the table and estimate again.")
            % {"list": empty}
        )
    fitter = _Fitter(table)
    search_models = _exhaustive if search is Search.EXHAUSTIVE else _stepwise
    fits, failed = search_models(fitter, criterion)
    apart = [
        gettext("%(first)s and %(second)s") % {"first": table.lists[i], "second": table.lists[j]}
        for i, j in itertools.combinations(range(lists), 2)
        if table.overlap((i, j)) == 0
    ]
    if not fits:
        if apart:
            reason = gettext(
                "No model of this table has an estimate of the people no list saw: nobody "
                "is on both %(pairs)s. Lists that share nobody say nothing about who they "
                "all missed."
            ) % {"pairs": gettext("; nobody on both ").join(apart)}
        else:
            reason = gettext(
                "No model of this table has an estimate of the people no list saw. Lists "
                "that share nobody say nothing about who they all missed."
            )
        raise NotEstimable(reason)
    best = min(fits, key=lambda f: f.criterion)
    if apart:
        notes.append(
            gettext(
                "Nobody is on both %(pairs)s. Such lists say little about each other's "
                "gaps, and models that link them fit those cells as empty."
            )
            % {"pairs": gettext("; nobody on both ").join(apart)}
        )
    if failed:
        notes.append(
            gettext(
                "%(failed)s of %(all)s models have no estimate on this table (the lists "
                "overlap too little for them) and were not considered."
            )
            % {"failed": _number(failed), "all": _number(failed + len(fits))}
        )
    close = [f for f in fits if f is not best and f.criterion - best.criterion <= CLOSE_CRITERION]
    if close:
        low_alt = min(f.unseen for f in close) + table.observed
        high_alt = max(f.unseen for f in close) + table.observed
        notes.append(
            gettext(
                "Another model fits almost as well and gives %(number)s: the interval does "
                "not include the uncertainty of choosing among them."
            )
            % {"number": _number(low_alt)}
            if len(close) == 1
            else gettext(
                "%(count)s other models fit almost as well and give between %(low)s and "
                "%(high)s: the interval does not include the uncertainty of choosing among "
                "them."
            )
            % {"count": _number(len(close)), "low": _number(low_alt), "high": _number(high_alt)}
        )
    overlapping = sum(n for p, n in table.counts.items() if sum(p) >= 2)
    if overlapping < FEW_OVERLAPPING:
        notes.append(overlap_warning(overlapping))
    try:
        ci_low, ci_high, _ = _interval(fitter, best, level)
    except _NoFit:
        raise NotEstimable(
            gettext(
                "The chosen model (%(model)s) gives %(number)s, but its interval cannot be "
                "computed on this table: the fit fails for some sizes of the unseen group. "
                "Without an interval the number cannot be relied on."
            )
            % {
                "model": describe_model(table.lists, best.interactions),
                "number": _number(table.observed + best.unseen),
            }
        ) from None
    if ci_high is None:
        notes.append(
            gettext(
                "The data set no upper end to the interval: as far as they can tell, the "
                "number of people no list saw could be much larger."
            )
        )
    if search is Search.STEPWISE:
        notes.append(
            gettext(
                "The model was chosen step by step (forward selection), not among every "
                "possible model."
            )
        )
    return Estimate(
        observed=table.observed,
        estimate=table.observed + best.unseen,
        ci_low=table.observed + ci_low,
        ci_high=None if ci_high is None else table.observed + ci_high,
        model=describe_model(table.lists, best.interactions),
        criterion=criterion,
        level=level,
        models_considered=len(fits) + failed,
        models_without_estimate=failed,
        warnings=notes,
    )
