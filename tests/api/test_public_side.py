"""The API exists on the staff side only: the public process (``settings_public``,
``intake.public_urls``) has none of its routes and loads none of its code
(docs/design.md §2.3)."""

from __future__ import annotations

from django.test import Client

from tests.processes import inspect_public_process

API_PATHS = ["/api/v1/cases/", "/api/v1/alerts/", "/api/schema/", "/api/docs/", "/api/"]

# Run in the public process; it prints app and route names only, to the test.
INSPECT = f"""
import json, sys, django
from django.conf import settings
django.setup()
from django.urls import resolve, Resolver404
found = []
for path in {API_PATHS!r} + ["/en" + p for p in {API_PATHS!r}]:
    try:
        resolve(path); found.append(path)
    except Resolver404:
        pass
print(json.dumps({{
    "apps": settings.INSTALLED_APPS,
    "resolved": found,
    "rest_framework": hasattr(settings, "REST_FRAMEWORK"),
    "modules": sorted(
        m for m in sys.modules if m.startswith(("waystation.api", "rest_framework", "drf_"))
    ),
}}))
"""


def test_the_public_process_has_no_api(tmp_path):
    seen = inspect_public_process(INSPECT, tmp_path)
    assert seen["resolved"] == []
    assert not any("api" in app or "rest_framework" in app or "drf" in app for app in seen["apps"])
    assert seen["rest_framework"] is False
    assert seen["modules"] == []


def test_the_staff_side_has_it(db):
    """Control: the same paths are routes of the staff side."""
    assert Client().get("/api/v1/cases/").status_code == 401
