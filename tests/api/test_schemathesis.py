"""A property-based run of the whole API against a live server (schemathesis over the
API's own schema): with a valid token and real ids mixed in, no request gets a server
error or an answer the schema does not describe (status, content type, body)."""

from __future__ import annotations

import json
import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import bearer, issue
from waystation.cases.models import Alert, Task

# Bounded so that the run stays under a minute on a small machine; raise it locally with
# WAYSTATION_SCHEMATHESIS_EXAMPLES for a longer search.
EXAMPLES = int(os.environ.get("WAYSTATION_SCHEMATHESIS_EXAMPLES", "150"))

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.slow
def test_no_server_error_and_no_answer_off_the_schema(live_server, seeded, staff):
    case, _values = seeded
    user = staff.caseworker
    secret = issue(user)
    spec = json.loads(
        bearer(secret).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content
    )
    schema = schemathesis.openapi.from_dict(spec)
    real = {
        "case_id": case.id,
        "task_id": Task.objects.filter(case=case).values_list("id", flat=True).first(),
        "alert_id": Alert.objects.filter(recipient=user).values_list("id", flat=True).first(),
        "partner_id": _values["partner_id"],
    }
    headers = {"Authorization": f"Bearer {secret}"}
    session = requests.Session()
    seen: set[int] = set()

    @given(generated=schema.as_strategy(), use_real_ids=st.booleans())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(generated, use_real_ids: bool) -> None:
        if use_real_ids and generated.path_parameters:
            for name in generated.path_parameters:
                if real.get(name):
                    generated.path_parameters[name] = real[name]
        response = generated.call_and_validate(
            base_url=live_server.url, session=session, headers=headers, checks=CHECKS
        )
        seen.add(response.status_code)

    try:
        run()
    finally:
        session.close()  # lets the live server's threads (and their connections) end
    # Not vacuous: the run reached real data as well as refusals.
    assert 200 in seen and 404 in seen


PARTNER_EXAMPLES = int(os.environ.get("WAYSTATION_SCHEMATHESIS_PARTNER_EXAMPLES", "80"))


@pytest.mark.slow
def test_the_partner_routes_with_a_partner_token(live_server, partnered):
    """The same run with a partner's token: its own referral (and another partner's)
    mixed in among generated ids, packages and states; no server error, nothing off the
    schema, and every staff route refused."""
    secret = partnered.token
    spec = json.loads(
        bearer(issue(_anyone()))
        .get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        .content
    )
    schema = schemathesis.openapi.from_dict(spec)
    real = [partnered.referral.id, partnered.other_referral.id]
    headers = {"Authorization": f"Bearer {secret}"}
    session = requests.Session()
    seen: dict[str, set[int]] = {"partner": set(), "staff": set()}

    @given(generated=schema.as_strategy(), real_id=st.sampled_from([None, *real]))
    @settings(
        max_examples=PARTNER_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(generated, real_id: str | None) -> None:
        if real_id and "referral_id" in (generated.path_parameters or {}):
            generated.path_parameters["referral_id"] = real_id
        response = generated.call_and_validate(
            base_url=live_server.url, session=session, headers=headers, checks=CHECKS
        )
        side = "partner" if "/api/v1/partner/" in generated.formatted_path else "staff"
        seen[side].add(response.status_code)

    try:
        run()
    finally:
        session.close()
    assert seen["staff"] <= {403, 405}, seen
    assert 200 in seen["partner"] and 404 in seen["partner"], seen


def _anyone():
    from tests.factories import make_staff
    from waystation.accounts.roles import Role

    return make_staff(Role.CASEWORKER, "schemareader")
