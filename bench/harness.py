"""The benchmark harness: a registry of sections, the set-up of one backend, timing.

A *section* is a function ``(ctx: Context) -> list[Row]``, registered with
:func:`benchmark`. Sections run in their ``order`` (later ones may rely on the state
earlier ones leave; rotation runs last because it rewraps every data key). A
section with ``per_backend=True`` runs once per database backend; the others run once,
in the first backend's process, and report ``-`` as their backend.
"""

from __future__ import annotations

import gc
import itertools
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Row:
    """One line of the table. ``ratio`` is always a cost ratio: how many times the
    measured thing costs its baseline (above 1 means slower), whichever way the value
    is expressed."""

    benchmark: str
    backend: str
    measure: str
    value: float
    baseline: float | None = None
    higher_is_better: bool = False

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.value == 0 or self.baseline == 0:
            return None
        if self.higher_is_better:
            return self.baseline / self.value
        return self.value / self.baseline

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Row:
        return cls(**data)


Section = Callable[["Context"], list[Row]]


@dataclass(frozen=True)
class Registered:
    name: str
    title: str
    order: int
    per_backend: bool
    run: Section


REGISTRY: dict[str, Registered] = {}


def benchmark(
    name: str, *, title: str, order: int, per_backend: bool
) -> Callable[[Section], Section]:
    """Register a section. ``order`` fixes when it runs and where its rows appear,
    whatever the import order: sections that change shared state (rotation rewraps every
    data key) take a high number."""

    def register(run: Section) -> Section:
        if name in REGISTRY:
            raise ValueError(f"two benchmark sections are named {name!r}")
        REGISTRY[name] = Registered(
            name=name, title=title, order=order, per_backend=per_backend, run=run
        )
        return run

    return register


def ordered() -> list[Registered]:
    return sorted(REGISTRY.values(), key=lambda r: (r.order, r.name))


# --- sizes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    cases: int
    records: int
    batch: int
    bulk_rounds: int
    repeat: int  # timing blocks per micro-benchmark
    block_seconds: float  # least time per timing block
    listing_repeat: int
    rotations: int


FULL = Sizes(
    cases=1_000,
    records=100_000,
    batch=1_000,
    bulk_rounds=3,
    repeat=15,
    block_seconds=0.02,
    listing_repeat=7,
    rotations=3,
)
QUICK = Sizes(
    cases=100,
    records=10_000,
    batch=1_000,
    bulk_rounds=1,
    repeat=5,
    block_seconds=0.005,
    listing_repeat=3,
    rotations=1,
)
SEED = 20_171_116  # fixed: the synthetic data is the same on every run


# --- context -------------------------------------------------------------------------------


@dataclass
class Context:
    """What a section may use: the backend's name, the sizes, the unsealed vault and
    the cases shared between sections (created once, on first use)."""

    backend: str
    sizes: Sizes
    data_dir: Path
    key_file: Path
    service: Any  # waystation.vault.keyservice.KeyService (imported after Django set-up)
    case_ids: list[str] = field(default_factory=list)
    case_creation_seconds: float | None = None

    def cases(self) -> list[str]:
        """Ids of ``sizes.cases`` cases opened through the real service (one data key,
        four sealed fields, a blind index, name tokens and an audit entry each)."""
        if not self.case_ids:
            from bench import data
            from waystation.cases.services.opening import open_case_manually

            intakes = data.manual_intakes(self.sizes.cases)
            progress(f"opening {len(intakes):,} cases through the service")
            gc.collect()
            started = time.perf_counter()
            self.case_ids = [open_case_manually(actor_id=None, intake=i).id for i in intakes]
            self.case_creation_seconds = time.perf_counter() - started
        return self.case_ids

    def reseal(self) -> None:
        """Seal and unseal again: the new keyring holds no unwrapped data key, as in a
        worker that has just started or just been told "seal now"."""
        self.service.seal()
        self.service.unseal_with_demo_key_file(self.key_file)


def setup_backend(backend: str, sizes: Sizes) -> Context:
    """Set Django up on a fresh database (the parent made it empty), migrate it, and
    install an unsealed in-process vault with a throwaway demo key."""
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    from waystation.vault import runtime
    from waystation.vault.keyservice import KeyService
    from waystation.vault.runtime import InProcessBackend

    # The test suite's runs of the benchmarks (tests/test_bench_runs.py) hand over the
    # SQLite file its run migrated once (tests/databases.py); migrate then has nothing to do.
    migrated = os.environ.get("WAYSTATION_BENCH_MIGRATED_SQLITE")
    database = settings.DATABASES["default"]
    if migrated and database["ENGINE"].endswith("sqlite3") and not Path(database["NAME"]).exists():
        shutil.copyfile(migrated, database["NAME"])
    progress(f"migrating a fresh {backend} database")
    call_command("migrate", verbosity=0, interactive=False)
    data_dir = Path(settings.DATA_DIR)
    settings.MEDIA_ROOT = data_dir / "media"
    key_file = data_dir / "keys" / "bench-root-key"
    service = KeyService(settings.WAYSTATION_KEYSTORE_PATH)
    service.initialise_demo(key_file)
    service.unseal_with_demo_key_file(key_file)
    runtime.use_backend(InProcessBackend(service))
    return Context(
        backend=backend, sizes=sizes, data_dir=data_dir, key_file=key_file, service=service
    )


# --- timing ----------------------------------------------------------------------------------


def per_op_us(fn: Callable[[], object], sizes: Sizes, *, max_number: int = 1_000_000) -> float:
    """Median cost of one call of ``fn`` in microseconds.

    Like :mod:`timeit`: one warm-up block, then ``sizes.repeat`` blocks of as many calls
    as fill ``sizes.block_seconds``; the garbage collector is off while timing. The median
    of the per-block means resists a stray slow block better than the mean does.
    """
    number = 1
    while True:  # find a block size; this also warms up caches and the allocator
        elapsed = _block(fn, number)
        if elapsed >= sizes.block_seconds or number >= max_number:
            break
        number = min(max_number, number * 2)
    per_op = []
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(sizes.repeat):
            per_op.append(_block(fn, number) / number)
    finally:
        if enabled:
            gc.enable()
    return statistics.median(per_op) * 1e6


def _block(fn: Callable[[], object], number: int) -> float:
    started = time.perf_counter()
    for _ in itertools.repeat(None, number):
        fn()
    return time.perf_counter() - started


def median_seconds(fn: Callable[[], object], repeat: int, *, before: Callable[[], None]) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs; ``before`` runs untimed first."""
    times = []
    for _ in range(repeat):
        before()
        gc.collect()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)
