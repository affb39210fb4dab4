"""The staff import refuses an oversized upload before anything reads (and spools) the
body, and still checks CSRF (security review, L7)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import multipartparser

from waystation.intake.models import HelpRequest
from waystation.partners.services.package import MAX_PACKAGE_BYTES

pytestmark = pytest.mark.django_db


def test_an_oversized_upload_is_refused_before_the_body_is_read(staff, keyed, client_for):
    client = client_for(staff.caseworker)
    with mock.patch.object(
        multipartparser.MultiPartParser, "parse", side_effect=AssertionError("body read")
    ):
        response = client.post(
            "/partners/import/",
            {"partner": keyed.partner.id, "package": SimpleUploadedFile("r.age", b"x")},
            CONTENT_LENGTH=str(MAX_PACKAGE_BYTES * 2),
        )
    assert response.status_code == 302
    shown = client.get(response["Location"]).content.decode()
    assert "larger than 60 MB" in shown
    assert not HelpRequest.objects.exists()


def test_the_import_still_checks_csrf(staff, keyed, client_for):
    client = client_for(staff.caseworker)
    client.handler.enforce_csrf_checks = True
    response = client.post(
        "/partners/import/",
        {"partner": keyed.partner.id, "package": SimpleUploadedFile("r.age", b"x")},
    )
    assert response.status_code == 403
