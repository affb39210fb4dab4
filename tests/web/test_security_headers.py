"""The security baseline of the staff side: headers on every answer, no inline script
or style anywhere, production settings that pass Django's deployment checks."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import pytest
from django.conf import settings

import waystation
from tests.processes import waystation_command

TEMPLATES_DIR = Path(waystation.__file__).parent / "templates"


@pytest.fixture
def login_page(client, db):
    # The sign-in form's CSRF token is kept in the session (CSRF_USE_SESSIONS).
    return client.get("/accounts/login/")


def test_csp_allows_nothing_inline_and_nothing_from_elsewhere(login_page):
    csp = login_page["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert not re.search(r"https?://", csp)


def test_pages_are_never_cached_framed_or_referred(login_page):
    assert login_page["Cache-Control"] == "no-store"
    assert login_page["X-Frame-Options"] == "DENY"
    # Nothing to other sites; same-origin keeps the Origin header that CSRF checks need.
    assert login_page["Referrer-Policy"] == "same-origin"
    assert login_page["X-Content-Type-Options"] == "nosniff"
    assert "geolocation=()" in login_page["Permissions-Policy"]


def test_sealed_page_carries_the_same_headers(client, vault):
    vault.seal()
    response = client.get("/accounts/login/")
    assert response.status_code == 503
    assert response["Cache-Control"] == "no-store"
    assert "default-src 'none'" in response["Content-Security-Policy"]


def _template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES_DIR.rglob("*.html"))


@pytest.mark.parametrize("template", _template_files(), ids=lambda p: str(p.name))
def test_no_template_holds_inline_script_or_style(template: Path):
    text = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text, re.I), "inline <script>"
    assert not re.search(r"<style\b", text, re.I), "inline <style>"
    assert not re.search(r"\sstyle\s*=", text, re.I), "style attribute"
    assert not re.search(r"\son[a-z]+\s*=", text, re.I), "inline event handler"
    assert not re.search(r"(src|href)=\"(https?:)?//", text, re.I), "resource from elsewhere"


def test_forms_without_csrf_token_are_refused(client):
    client = client.__class__(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403


def test_demo_mode_does_not_turn_debug_on_by_itself():
    assert settings.DEMO_MODE
    assert settings.DEBUG is False


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAYSTATION_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="waystation.settings",
        WAYSTATION_MODE="production",
        WAYSTATION_DATA_DIR=str(tmp_path),
        WAYSTATION_ALLOWED_HOSTS="waystation.example",
    )
    env.update(extra)
    return env


def test_production_settings_pass_the_deployment_checks(tmp_path):
    env = _production_env(tmp_path, WAYSTATION_SECRET_KEY=secrets.token_urlsafe(64))
    result = waystation_command(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = waystation_command(_production_env(tmp_path), "check")
    assert result.returncode != 0
    assert "WAYSTATION_SECRET_KEY" in result.stderr


def test_production_never_turns_debug_on(tmp_path):
    env = _production_env(
        tmp_path, WAYSTATION_SECRET_KEY=secrets.token_urlsafe(64), WAYSTATION_DEBUG="1"
    )
    script = (
        "from django.conf import settings;"
        "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
        " settings.SECURE_HSTS_SECONDS > 0)"
    )
    result = waystation_command(env, "shell", "--no-imports", "-c", script)
    assert result.stdout.split() == ["False", "True", "True", "True"], result.stderr


def test_an_unknown_mode_is_refused(tmp_path):
    env = _production_env(tmp_path, WAYSTATION_MODE="staging")
    result = waystation_command(env, "check")
    assert result.returncode != 0
    assert "WAYSTATION_MODE must be" in result.stderr


def test_production_hashes_passwords_with_argon2id_at_full_cost(tmp_path):
    env = _production_env(tmp_path, WAYSTATION_SECRET_KEY=secrets.token_urlsafe(64))
    script = (
        "from django.contrib.auth.hashers import get_hasher;"
        "h = get_hasher();"
        "print(h.algorithm, h.time_cost, h.memory_cost)"
    )
    result = waystation_command(env, "shell", "--no-imports", "-c", script)
    algorithm, time_cost, memory_cost = result.stdout.split()
    assert algorithm == "argon2"
    assert int(time_cost) >= 2 and int(memory_cost) >= 65536


def test_every_stylesheet_a_staff_page_links_is_served_from_here(client, login_page):
    hrefs = re.findall(r'<link rel="stylesheet" href="([^"]+)"', login_page.content.decode())
    assert hrefs
    for href in hrefs:
        assert href.startswith("/static/")
        response = client.get(href)
        assert response.status_code == 200, href
        assert response["Content-Type"].startswith("text/css")


@pytest.mark.django_db
def test_a_page_does_not_pass_for_a_cacheable_static_file_by_way_of_script_name(client, settings):
    """Security review, December: the no-store decision is taken on path_info, even if
    Django were told to trust the environ's SCRIPT_NAME (FORCE_SCRIPT_NAME=None)."""
    settings.FORCE_SCRIPT_NAME = None
    response = client.get("/accounts/login/", SCRIPT_NAME="/static")

    assert response.wsgi_request.path == "/static/accounts/login/"
    assert response["Cache-Control"] == "no-store"
