"""The donor report leaves the operator's log readable (issue 15: every PDF wrote ~75
INFO lines of fontTools subsetting its fonts). Third-party libraries speak from WARNING
up (``logging_config.QUIET``), whatever level the rest of the log runs at."""

from __future__ import annotations

import logging

import pytest

from waystation.logging_config import QUIET

pytestmark = pytest.mark.django_db

PDF = "/relocation/numbers/report.pdf"


def test_a_donor_pdf_logs_no_font_subsetting(staff, client_for, caplog):
    caplog.set_level(logging.DEBUG)

    response = client_for(staff.manager).get(f"{PDF}?start=2026-01-01&end=2026-06-30")

    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    noisy = [r for r in caplog.records if r.name.split(".")[0] in QUIET]
    assert noisy == [], [f"{r.name}: {r.getMessage()}" for r in noisy[:3]]


@pytest.mark.parametrize("name", ["fontTools.subset", "fontTools.ttLib", "matplotlib.font_manager"])
def test_third_party_libraries_speak_from_warning_up(name):
    assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING
