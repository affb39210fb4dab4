"""Rebuilding a stranger's file in a child process with hard limits.

Decoders are large, partly pure-Python (pypdf) or C (Pillow's codecs) code fed with
hostile bytes. Counting what they inflate (:mod:`waystation.intake.pdf_budget`, the pixel
checks) stops the bombs we know of early, with a clear reason. The child process stops
the rest: whatever a file makes a decoder do, the public worker loses at most one child's
CPU time, memory and wall-clock time, and a decoder that crashes takes only the child
with it. The worker thread waits without holding Python's global lock, so the worker's
other requests go on meanwhile.

The child (``python -m waystation.intake.sandbox``) gets the file on its standard input
and its limits as an argument, and an environment with nothing in it but the path to
this package: no key, no database address, no setting. Before it reads the file it lowers
its own limits (``setrlimit``: CPU seconds, address space, no file writes, no core
dump). It imports no Django. It answers with the rebuilt file (exit 0), a reason code (exit
3) or "unexpected error" (exit 5, taken as a damaged file); any other end (killed for
CPU time, out of memory, past the wall-clock timeout) is a refusal as "too complex".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from waystation.intake.rebuild import (
    DAMAGED,
    REASONS,
    TOO_COMPLEX,
    RebuildLimits,
    Refused,
    rebuild,
)

_REFUSED_EXIT = 3
_OUT_OF_MEMORY_EXIT = 4
_UNEXPECTED_EXIT = 5  # an error the rebuild did not expect: not a sound file
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding waystation/


@dataclass(frozen=True)
class ChildLimits:
    cpu_seconds: int
    memory_bytes: int
    timeout_seconds: int


def rebuild_in_child(kind: str, data: bytes, limits: RebuildLimits, child: ChildLimits) -> bytes:
    """The rebuilt file, or :class:`Refused`."""
    argument = json.dumps(
        {
            "kind": kind,
            "limits": limits.to_dict(),
            "cpu_seconds": child.cpu_seconds,
            "memory_bytes": child.memory_bytes,
        }
    )
    python_path = os.pathsep.join(
        [_PACKAGE_ROOT, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    )
    try:
        done = subprocess.run(  # noqa: S603  # fixed argv, our own interpreter and module
            [sys.executable, "-s", "-B", "-m", "waystation.intake.sandbox", argument],
            input=data,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # decoders' warnings may quote the file
            env={"PYTHONPATH": python_path, "LC_ALL": "C.UTF-8"},
            cwd=_PACKAGE_ROOT,
            timeout=child.timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:  # run() has killed the child
        raise Refused(TOO_COMPLEX) from exc
    if done.returncode == 0:
        return done.stdout
    if done.returncode == _REFUSED_EXIT:
        answer = json.loads(done.stdout)
        reason = answer["reason"] if answer.get("reason") in REASONS else DAMAGED
        raise Refused(reason, decoded=int(answer["decoded"]), pixels=int(answer["pixels"]))
    if done.returncode == _UNEXPECTED_EXIT:
        raise Refused(DAMAGED)
    # Out of memory, killed by a signal (SIGXCPU at the CPU limit, SIGKILL past the hard
    # one), or so short of memory that Python could not even say why.
    raise Refused(TOO_COMPLEX)


def _lower_limits(cpu_seconds: int, memory_bytes: int) -> None:
    import resource

    def lower(which: int, soft: int, hard: int) -> None:
        _current_soft, current_hard = resource.getrlimit(which)
        if current_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, current_hard), min(hard, current_hard)
        resource.setrlimit(which, (soft, hard))

    # SIGXCPU at the soft limit ends the child; SIGKILL a second later if it is caught.
    lower(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)
    lower(resource.RLIMIT_AS, memory_bytes, memory_bytes)
    lower(resource.RLIMIT_FSIZE, 0, 0)  # writes no file: the answer goes to a pipe
    lower(resource.RLIMIT_CORE, 0, 0)  # no core dump holding a stranger's file


def main(argv: list[str]) -> int:
    try:
        request = json.loads(argv[1])
        _lower_limits(int(request["cpu_seconds"]), int(request["memory_bytes"]))
        limits = RebuildLimits(**request["limits"])
        data = sys.stdin.buffer.read(limits.max_file_bytes + 1)
        rebuilt = rebuild(str(request["kind"]), data, limits)
        sys.stdout.buffer.write(rebuilt)
    except Refused as refusal:
        answer = {"reason": refusal.reason, "decoded": refusal.decoded, "pixels": refusal.pixels}
        sys.stdout.buffer.write(json.dumps(answer).encode())
        return _REFUSED_EXIT
    except MemoryError:
        return _OUT_OF_MEMORY_EXIT
    except Exception:
        return _UNEXPECTED_EXIT
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
