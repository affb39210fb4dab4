"""The OpenAPI schema is valid OpenAPI 3, and the docs page renders it with Swagger UI's
own files from this server: no inline script or style, nothing from elsewhere, under the
staff side's Content-Security-Policy."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from openapi_spec_validator import validate

from tests.api.conftest import bearer, issue
from tests.factories import signed_in_client

pytestmark = pytest.mark.django_db

OPENAPI_JSON = "application/vnd.oai.openapi+json"


def schema_of(client: Client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT=OPENAPI_JSON)
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_is_valid_openapi_3(staff):
    spec = schema_of(bearer(issue(staff.caseworker)))
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation["security"] == [{"bearerAuth": []}], f"{method} {path}"
            assert {"401", "404", "429"} <= set(operation["responses"]), f"{method} {path}"


def test_the_schema_is_for_signed_in_staff_or_a_token(staff):
    assert Client().get("/api/schema/").status_code == 401
    assert schema_of(signed_in_client(staff.screener))["paths"]


def test_the_docs_page_is_for_signed_in_staff():
    response = Client().get("/api/docs/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_docs_page_loads_only_this_server_s_files_and_runs_no_inline_script(staff):
    client = signed_in_client(staff.caseworker)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "default-src 'none'" in csp
    # Every script is a file; no inline script, style or event handler.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert "<style" not in page and not re.search(r"\son\w+=", page)
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(urls) >= 4
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        fetched = client.get(url.replace("&amp;", "&"))
        assert fetched.status_code == 200, url
    script = client.get("/api/docs/?script=")
    assert "/api/schema/" in script.content.decode()
    assert script["Content-Type"].startswith("application/javascript")
    # It holds the session's CSRF token: other sites may not load it.
    assert script["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "validatorUrl" in script.content.decode()


def test_the_swagger_ui_files_are_those_shipped_in_the_package(staff):
    client = signed_in_client(staff.caseworker)
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn." not in page and "http://" not in page and "https://" not in page
