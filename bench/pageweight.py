"""What the public request page weighs on a first visit, in every language it offers.

An applicant on a slow, metered or watched connection (Tor on a cheap phone) downloads
the whole first page before reading a word: the HTML and everything it loads. The real
public process (``waystation serve-public``) is started, each ``/<language>/`` page is
fetched, and every asset the page names (stylesheets, scripts, images, icons, and what a
stylesheet names with ``url()`` or ``@import``) is fetched and counted, uncompressed, as
Tor Browser gets it from gunicorn. The baseline is English measured in the same run, so
the ratio says what a translation costs; the last row sets the heaviest language against
the 60 KB budget (docs/public-side.md).
"""

from __future__ import annotations

import os
import re
import subprocess
import urllib.parse
import urllib.request

from tests.processes import database_url, public_env, start_public, stop

from bench.harness import Context, Row, benchmark, progress

BUDGET_BYTES = 60 * 1024
_HTML_ASSET = re.compile(
    rb"<(?:link|script|img|source|iframe|embed|video|audio)\b[^>]*?\b(?:href|src)=\"([^\"]+)\"",
    re.I,
)
_CSS_ASSET = re.compile(rb"""(?:url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+))""", re.I)


def _get(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return bytes(response.read())


def first_page(base: str, language: str) -> tuple[int, int, int]:
    """(HTML bytes, asset bytes, number of assets) of ``/<language>/`` as a first visit
    loads it; an asset named twice is fetched once, as a browser would."""
    page_url = f"{base}/{language}/"
    html = _get(page_url)
    pending = [(page_url, m.decode()) for m in _HTML_ASSET.findall(html)]
    seen: set[str] = set()
    asset_bytes = 0
    while pending:
        referrer, href = pending.pop()
        if href.startswith(("data:", "#")):
            continue
        url = urllib.parse.urljoin(referrer, href)
        if url in seen:
            continue
        seen.add(url)
        body = _get(url)
        asset_bytes += len(body)
        if url.endswith(".css"):
            pending += [(url, (a or b).decode()) for a, b in _CSS_ASSET.findall(body)]
    return len(html), asset_bytes, len(seen)


@benchmark("pageweight", title="public first page, per language", order=81, per_backend=False)
def page_weight(ctx: Context) -> list[Row]:
    from waystation import settings_public

    languages = [code for code, _name in settings_public.LANGUAGES]
    env = public_env(
        database=database_url(), media_root=ctx.data_dir / "media", data_dir=ctx.data_dir
    )
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    progress(f"pageweight: the first page in {', '.join(languages)}")
    url, process = start_public(env, workers=1, threads=2, stdout=subprocess.DEVNULL)
    try:
        weights = {code: first_page(url, code) for code in languages}
    finally:
        stop(process, timeout=15)
    english = sum(weights["en"][:2])
    rows = [
        Row(
            f"public first page /{code}/: HTML {html:,} B + {count} asset(s) {assets:,} B "
            "(baseline: English)",
            "-",
            "bytes",
            html + assets,
            english,
        )
        for code, (html, assets, count) in weights.items()
    ]
    heaviest = max(weights, key=lambda code: sum(weights[code][:2]))
    rows.append(
        Row(
            f"public first page, heaviest language ({heaviest}) (baseline: 60 KB budget)",
            "-",
            "bytes",
            sum(weights[heaviest][:2]),
            BUDGET_BYTES,
        )
    )
    return rows
