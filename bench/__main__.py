"""``python -m bench [section ...] [--quick] [--backends sqlite,postgresql]``

Runs the chosen sections (all by default) on a fresh SQLite database and, when a
PostgreSQL server answers, on a fresh PostgreSQL database too; prints the machine and
one table. Each backend runs in a child process with its own scratch data folder
(database file, key store, demo key, sealed files), removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import pg
from bench.harness import FULL, QUICK, Row, progress
from bench.sections import REGISTRY, ordered
from bench.table import LEGEND, machine_lines, render

BACKENDS = ("sqlite", "postgresql")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "sections", nargs="*", metavar="section", help=f"any of: {', '.join(REGISTRY)}"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smaller sizes ({QUICK.records:,} records over {QUICK.cases} cases, fewer rounds)",
    )
    parser.add_argument(
        "--backends",
        default=",".join(BACKENDS),
        help="comma-separated, default sqlite,postgresql (PostgreSQL skipped if unreachable)",
    )
    parser.add_argument("--list", action="store_true", help="list the sections and exit")
    parser.add_argument("--child-backend", help=argparse.SUPPRESS)
    parser.add_argument("--child-results", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    unknown = [s for s in args.sections if s not in REGISTRY]
    if unknown:
        parser.error(f"unknown section {unknown[0]!r}; known: {', '.join(REGISTRY)}")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if not backends or any(b not in BACKENDS for b in backends):
        parser.error(f"--backends takes a comma-separated subset of {', '.join(BACKENDS)}")
    args.backends = backends
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.list:
        for section in ordered():
            scope = "each backend" if section.per_backend else "once"
            print(f"{section.name:10} {section.title} ({scope})")
        return 0
    if args.child_backend:
        return child(args)
    return parent(args)


# --- parent: one child process per backend ------------------------------------------------


def parent(args: argparse.Namespace) -> int:
    chosen = [s.name for s in ordered() if not args.sections or s.name in args.sections]
    sizes = QUICK if args.quick else FULL
    started = time.monotonic()
    load_at_start = os.getloadavg()[0]
    postgres: pg.BenchDatabase | None = None
    postgres_note = ""
    needs_database = any(REGISTRY[name].per_backend for name in chosen)
    if "postgresql" in args.backends and (needs_database or args.backends == ["postgresql"]):
        postgres, postgres_note = pg.create(pg.configured_url())
        if postgres is None:
            print(f"note: PostgreSQL skipped: {postgres_note}", file=sys.stderr)
    backends = [b for b in args.backends if b != "postgresql" or postgres is not None]
    if not backends:
        print("no backend to run on", file=sys.stderr)
        return 1

    results: dict[tuple[str, str], list[Row]] = {}
    failed = False
    try:
        for position, backend in enumerate(backends):
            sections = [name for name in chosen if REGISTRY[name].per_backend or position == 0]
            if not sections:
                continue
            print(f"[{backend}] {', '.join(sections)}", file=sys.stderr, flush=True)
            result = run_child(backend, sections, args.quick, postgres)
            if result is None:
                failed = True
            else:
                results.update({(section, backend): r for section, r in result.items()})
    finally:
        if postgres is not None:
            pg.drop(postgres)

    print()
    print(
        f"Waystation bench, {'--quick' if args.quick else 'full'} run, "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}, {time.monotonic() - started:.0f} s"
    )
    load = (load_at_start, os.getloadavg()[0])
    for line in machine_lines(postgres.server_version if postgres else None, postgres_note, load):
        print(line)
    print(
        f"sizes:      {sizes.records:,} records over {sizes.cases:,} cases, "
        f"batches of {sizes.batch:,}, {sizes.bulk_rounds} bulk round(s); "
        f"{sizes.repeat} timing blocks per micro-benchmark"
    )
    print()
    # Section by section, each backend's rows together, so SQLite and PostgreSQL line up.
    print(render(r for s in chosen for b in backends for r in results.get((s, b), [])))
    print()
    print(LEGEND)
    return 1 if failed else 0


def run_child(
    backend: str, sections: list[str], quick: bool, postgres: pg.BenchDatabase | None
) -> dict[str, list[Row]] | None:
    data_dir = Path(tempfile.mkdtemp(prefix=f"waystation-bench-{backend}-"))
    results = data_dir / "results.json"
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env["WAYSTATION_DATA_DIR"] = str(data_dir)
    env.pop("WAYSTATION_KEYSTORE_PATH", None)
    env.pop("WAYSTATION_AGENT_SOCKET", None)
    if backend == "postgresql" and postgres is not None:
        env["DATABASE_URL"] = postgres.url
    else:
        env.pop("DATABASE_URL", None)
    command = [
        sys.executable,
        "-m",
        "bench",
        "--child-backend",
        backend,
        "--child-results",
        str(results),
        *(["--quick"] if quick else []),
        *sections,
    ]
    try:
        completed = subprocess.run(command, env=env, check=False)
        if completed.returncode != 0 or not results.exists():
            print(f"[{backend}] failed (exit {completed.returncode})", file=sys.stderr)
            return None
        return {
            section: [Row.from_json(r) for r in rows]
            for section, rows in json.loads(results.read_text()).items()
        }
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


# --- child: one backend, in this process -----------------------------------------------------


def child(args: argparse.Namespace) -> int:
    from bench.harness import setup_backend

    sizes = QUICK if args.quick else FULL
    ctx = setup_backend(args.child_backend, sizes)
    rows: dict[str, list[dict[str, object]]] = {}
    for section in ordered():  # their own order, whatever order they were named in
        if section.name not in args.sections:
            continue
        progress(f"{args.child_backend}: {section.title}")
        rows[section.name] = [r.to_json() for r in section.run(ctx)]
    Path(args.child_results).write_text(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
