"""Debian's chromium, driven by Playwright. Never a downloaded browser, never the network:
background services that would phone home are switched off."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, sync_playwright

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
