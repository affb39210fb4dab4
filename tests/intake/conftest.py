"""Fixtures for the public side: a test client configured like the public process (its
URLconf, middleware and upload handler, from waystation.settings_public itself) and an
intake key."""

from __future__ import annotations

import pytest
from django.test import Client

from waystation import settings_public
from waystation.intake import limits, screening
from waystation.intake.models import IntakeKey

PUBLIC_SETTINGS = (
    "ROOT_URLCONF",
    "MIDDLEWARE",
    "FILE_UPLOAD_HANDLERS",
    "DATA_UPLOAD_MAX_MEMORY_SIZE",
    "DATA_UPLOAD_MAX_NUMBER_FIELDS",
    "DATA_UPLOAD_MAX_NUMBER_FILES",
    "LANGUAGES",
    "LANGUAGE_CODE",
    "STATICFILES_DIRS",
    "WAYSTATION_PUBLIC_NEUTRAL_TITLE",
    "WAYSTATION_PUBLIC_QUICK_EXIT_URL",
)


@pytest.fixture
def public_settings(settings):
    for name in PUBLIC_SETTINGS:
        setattr(settings, name, getattr(settings_public, name))
    limits.forget_storage_estimate()
    return settings


@pytest.fixture
def public_client(public_settings) -> Client:
    return Client()


@pytest.fixture
def intake_key(db) -> IntakeKey:
    return screening.ensure_intake_key(actor_id=None)
