"""`waystation demo api-token USERNAME`: a token for a demo account, printed alone on
stdout, in demo mode only and only for the demo's own invented staff."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tests.api.conftest import bearer
from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.api.models import ApiToken
from waystation.demo.services import create_demo_organisation

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "api-token", *args, stdout=out)
    return out.getvalue()


def test_prints_a_working_token_for_a_demo_account():
    create_demo_organisation()
    secret = run("caseworker")
    assert secret.startswith("wst_") and "\n" not in secret.strip()
    client = bearer(secret.strip())
    cases = client.get("/api/v1/cases/?mine=true")
    assert cases.status_code == 200 and "results" in cases.json()
    read_only = bearer(run("manager", "--scope", "read").strip())
    assert read_only.post("/api/v1/alerts/x/resolve/").status_code == 403
    assert ApiToken.objects.count() == 2


def test_is_refused_outside_demo_mode(settings):
    create_demo_organisation()
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="WAYSTATION_MODE=demo"):
        run("caseworker")
    assert not ApiToken.objects.exists()


def test_is_refused_for_an_account_that_is_not_the_demo_s():
    create_demo_organisation()
    make_staff(Role.CASEWORKER, "realperson")
    with pytest.raises(CommandError, match="not a demo account"):
        run("realperson")
    assert not ApiToken.objects.exists()
