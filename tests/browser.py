"""Debian's chromium, driven by Playwright. Never a downloaded browser, never the network:
background services that would phone home are switched off."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    """A browser for the length of the block. Playwright's sync API keeps an event loop
    running in this thread, which makes Django refuse ORM calls from the test body; the
    test is plain synchronous code, so that guard is lifted while the browser is open."""
    if not shutil.which("chromium"):
        pytest.fail("Debian's chromium is not installed (apt-get install chromium)")
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# Screenshots the browser tests leave behind for people to look at (never committed:
# /var/ is ignored). CI keeps the folder as an artefact of the run.
SCREENSHOTS = Path(os.environ.get("WAYSTATION_SCREENSHOTS", "var/screenshots"))
# A desktop and the narrowest phone staff are likely to carry.
WIDTHS = (1280, 360)


def capture_at_widths(page: Page, name: str, widths: tuple[int, ...] = WIDTHS) -> list[Path]:
    """Reload the page at each width, save a full-page screenshot ``<name>-<width>.png`` and
    fail if the page scrolls sideways there (content wider than the window)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    saved = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
        path = SCREENSHOTS / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        saved.append(path)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px wide"
    return saved
