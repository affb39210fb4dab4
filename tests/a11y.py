"""The hand-written accessibility check (tests/a11y.js), run in a Playwright page: labels,
aria-describedby targets and text contrast. See docs/public-side.md."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

CHECK = (Path(__file__).with_name("a11y.js")).read_text(encoding="utf-8")


def accessibility_problems(page: Page) -> list[str]:
    """What the page gets wrong, one line each; empty when it passes."""
    return list(page.evaluate(CHECK))
