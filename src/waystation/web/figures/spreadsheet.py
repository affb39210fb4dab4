"""A cell of an exported table made safe for a spreadsheet: no formula, no invisible
character shown raw. Every CSV of figures goes through it."""

from __future__ import annotations

from waystation.web import invisible

# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    # Invisible characters become visible markers: a spreadsheet would show them raw.
    text = invisible.neutralise(text)
    return f"'{text}" if text.startswith(_FORMULA_START) else text
