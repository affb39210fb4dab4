"""The public request page under load: requests accepted per second by the real public
process, and what its first page weighs.

The public process is started as operators start it (``waystation serve-public``:
gunicorn, 2 workers of 4 threads, public settings) on this backend's database, and 50
client threads post to it over loopback, each on its own keep-alive connection, until a
fixed number of requests is answered or a time limit passes. "Accepted" means answered
200 with a codename: sealed, fsynced and committed (docs/design.md §2.7). The baseline is the
same number of GETs of the request form by the same clients, so the ratio says what
accepting a request costs against serving the page it is sent from. The clients share
the machine's CPUs with the server, as they would not in production: the figures are
lower bounds.
"""

from __future__ import annotations

import http.client
import io
import itertools
import os
import random
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from tests.processes import database_url, public_env, start_public, stop

from bench.harness import QUICK, Context, Row, benchmark, progress

CLIENTS = 50
WORKERS = 2
THREADS = 4
FIRST_PAGE_BUDGET_KB = 60.0
FORM = {
    "story": "They came to my flat last night and took my phone. I am at a friend's place.",
    "urgency": "2",
    "country": "RU",
    "city": "a city",
    "contact_channel": "signal",
    "contact_handle": "@someone",
    "language": "ru",
}


@dataclass(frozen=True)
class Load:
    count: int
    seconds: float
    ok: int
    latencies: list[float]  # seconds, answered requests only

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


Request = tuple[str, str, bytes | None, dict[str, str]]


def _run_load(
    port: int, make: Callable[[int], Request], count: int, limit: float, accepted: bytes
) -> Load:
    """``count`` requests from ``CLIENTS`` threads; stops early after ``limit`` seconds."""
    numbers = iter(range(count))
    lock = threading.Lock()
    latencies: list[float] = []
    ok = 0
    deadline = time.monotonic() + limit

    def client() -> None:
        nonlocal ok
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < deadline:
            with lock:
                number = next(numbers, None)
            if number is None:
                break
            method, path, body, headers = make(number)
            started = time.perf_counter()
            try:
                connection.request(method, path, body, headers)
                response = connection.getresponse()
                page = response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status == 200 and accepted in page:
                    ok += 1
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Load(count, time.perf_counter() - started, ok, latencies)


def _multipart(fields: dict[str, str], photo: bytes | None) -> tuple[bytes, str]:
    boundary = f"----bench{random.getrandbits(64):016x}"  # a multipart boundary, no secret
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    if photo is not None:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
            f'filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        )
        out.write(photo + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def _photo_1mb() -> bytes:
    """About 1 MB of JPEG: 1 megapixel of noise, which compresses as badly as a photo."""
    from PIL import Image

    r = random.Random(7)
    image = Image.frombytes("RGB", (1024, 1024), r.randbytes(1024 * 1024 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def _start_public(ctx: Context) -> tuple[int, subprocess.Popen[bytes]]:
    env = public_env(
        database=database_url(),
        media_root=ctx.data_dir / "media",
        data_dir=ctx.data_dir,
        # Throughput, not the abuse limits, is measured here.
        WAYSTATION_INTAKE_REQUESTS_PER_MINUTE="1000000000",
        WAYSTATION_INTAKE_FORM_POSTS_PER_MINUTE="1000000000",
    )
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    url, process = start_public(env, workers=WORKERS, threads=THREADS, stdout=subprocess.DEVNULL)
    return int(url.rsplit(":", 1)[1]), process


def _first_page_kb(port: int) -> float:
    """The request form as a first visit loads it: the HTML and every stylesheet it links
    (it loads nothing else: no script, no font, no image but a data: icon)."""
    import re

    base = f"http://127.0.0.1:{port}"
    with urllib.request.urlopen(base + "/en/") as page:
        html = page.read()
    total = len(html)
    for href in re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html):
        with urllib.request.urlopen(base + href.decode()) as css:
            total += len(css.read())
    return total / 1024


@benchmark("intake", title="public request page under load", order=80, per_backend=True)
def public_intake(ctx: Context) -> list[Row]:
    from waystation.intake import screening

    screening.ensure_intake_key(actor_id=None)
    quick = ctx.sizes == QUICK
    text_count, photo_count = (400, 60) if quick else (2_000, 300)
    limit = 30.0 if quick else 90.0
    photo = _photo_1mb()
    port, process = _start_public(ctx)
    rows: list[Row] = []
    try:
        page_kb = _first_page_kb(port)
        tokens = itertools.count()  # a fresh form token for every request of every run

        def get_form(number: int) -> Request:
            return ("GET", "/en/", None, {})

        def post_text(number: int) -> Request:
            body = urllib.parse.urlencode({**FORM, "form_token": f"t{next(tokens)}"}).encode()
            return ("POST", "/en/", body, {"Content-Type": "application/x-www-form-urlencoded"})

        def post_photo(number: int) -> Request:
            body, content_type = _multipart({**FORM, "form_token": f"p{next(tokens)}"}, photo)
            return ("POST", "/en/", body, {"Content-Type": content_type})

        _run_load(port, get_form, 50, limit, b"<form")  # warm up both workers
        _run_load(port, post_text, 50, limit, b'class="codename"')
        for label, make, count in (
            ("text only", post_text, text_count),
            (f"with a {len(photo) / 1e6:.1f} MB photo", post_photo, photo_count),
        ):
            progress(f"intake: {count:,} GETs, then {count:,} requests {label}")
            baseline = _run_load(port, get_form, count, limit, b"<form")
            load = _run_load(port, make, count, limit, b'class="codename"')
            name = f"public request, {label} ({CLIENTS} clients, {load.ok:,} accepted)"
            rows += [
                Row(name, ctx.backend, "accepted/s", load.rate, baseline.rate, True),
                Row(
                    name,
                    ctx.backend,
                    "p50 ms",
                    load.percentile(50) * 1000,
                    baseline.percentile(50) * 1000,
                ),
                Row(
                    name,
                    ctx.backend,
                    "p99 ms",
                    load.percentile(99) * 1000,
                    baseline.percentile(99) * 1000,
                ),
            ]
            if load.ok < load.count:
                progress(f"intake: only {load.ok} of {load.count} accepted within {limit:.0f} s")
        rows.append(
            Row(
                "public form page, first load: HTML + CSS (baseline: budget)",
                ctx.backend,
                "KB",
                page_kb,
                FIRST_PAGE_BUDGET_KB,
            )
        )
    finally:
        stop(process, timeout=15)
    return rows
