"""What an imported package may say about itself (security review, L6): its language is
one we know or English, a refusal does not repeat what the manifest said, and a package
uploaded by staff says on its page that its origin is not verified and who imported it."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.partners.test_bad_input import _manifest, _refused, _zip, ours, sender
from waystation.intake.models import HelpRequest
from waystation.partners.services import identity, incoming
from waystation.vault import age

__all__ = ["ours", "sender"]

pytestmark = pytest.mark.django_db


def _import(ours, sender, **manifest):  # type: ignore[no-untyped-def]
    data = age.encrypt(_zip({"manifest.json": json.dumps(_manifest(**manifest)).encode()}), [ours])
    return HelpRequest.objects.get(pk=incoming.receive_referral(data, sender))


@pytest.mark.parametrize("language", [{"x": "<script>"}, "<b>xx", "zz", 7, None])
def test_an_unknown_language_becomes_english(ours, sender, language):
    assert _import(ours, sender, language=language).language == "en"


def test_a_known_language_is_kept(ours, sender):
    assert _import(ours, sender, language="fa").language == "fa"


def test_a_refusal_does_not_echo_the_manifest(ours, sender):
    marker = "<script>alert(1)</script>"
    data = age.encrypt(
        _zip({"manifest.json": json.dumps(_manifest(version=marker)).encode()}), [ours]
    )
    _refused(data, sender, "version other than 1")
    with pytest.raises(Exception) as refused:
        incoming.receive_referral(data, sender)
    assert marker not in str(refused.value)


def test_a_staff_import_says_its_origin_is_not_verified(staff, keyed, client_for, ours):
    sealed = age.encrypt(_zip({"manifest.json": json.dumps(_manifest()).encode()}), [ours])
    client_for(staff.caseworker).post(
        "/partners/import/",
        {"partner": keyed.partner.id, "package": SimpleUploadedFile("r.age", sealed)},
    )
    stored = HelpRequest.objects.get()
    page = client_for(staff.screener).get(f"/intake/{stored.id}/").content.decode()
    assert "origin not verified; imported by caseworker" in page
    assert identity  # the installation key of the fixture `ours` is the one used
