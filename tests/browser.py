"""Debian's chromium, driven by Playwright. Never a downloaded browser, never the network:
background services that would phone home are switched off."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


def capture_in_each_staff_language(page: Page, member: Any, name: str) -> list[Path]:
    """``capture_at_widths`` once in English (``<name>-<width>.png``) and once in Russian
    (``<name>-ru-<width>.png``), switching the member's language on the account as the
    language buttons do; the Russian page must say it is Russian. English again after."""
    saved = capture_at_widths(page, name)
    for language, suffix in (("ru", "-ru"),):
        member.language = language
        member.save(update_fields=["language"])
        saved += capture_at_widths(page, f"{name}{suffix}")
        assert page.locator("html").get_attribute("lang") == language
    member.language = "en"
    member.save(update_fields=["language"])
    page.reload()
    return saved
