"""Hostile manifest fields (docs/design.md §2.9): whatever a package puts in its
manifest's urgency, country, purpose, referral id, sender or parts, the import either
takes it as the format says or refuses it with a PartnerError a person can read, and a
refused package stores nothing. Hypothesis draws the values; the named examples are
the ones that once reached ``int()`` unchecked."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.partners.test_bad_input import _manifest, _unchanged, _zip
from waystation.intake.models import HelpRequest
from waystation.partners.services import identity, incoming
from waystation.partners.services import partners as partner_services
from waystation.partners.services.common import PartnerError
from waystation.vault import age

pytestmark = pytest.mark.django_db

MISSING = object()

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
FIELDS = ["urgency", "country", "purpose", "referral_id", "sender", "parts", "files"]


@pytest.fixture
def setting(staff):
    from waystation.intake.screening import ensure_intake_key

    ensure_intake_key(actor_id=None)
    ours = identity.ensure_installation_identity(actor_id=None).recipient
    sender = partner_services.add_partner(
        user=staff.manager, details=partner_services.PartnerDetails(name="Hostile Org")
    )
    return ours, sender


def _package(ours: str, field: str, value: object) -> bytes:
    manifest = _manifest()
    if value is MISSING:
        del manifest[field]
    else:
        manifest[field] = value
    return age.encrypt(_zip({"manifest.json": json.dumps(manifest).encode()}), [ours])


def _import_or_refusal(ours: str, sender, field: str, value: object) -> None:
    before = _unchanged()
    try:
        request_id = incoming.receive_referral(_package(ours, field, value), sender)
    except PartnerError as exc:
        message = str(exc)
        assert message and message[0].isupper() and message.endswith("."), message
        assert "Traceback" not in message and "{" not in message
        assert _unchanged() == before
        return
    # Taken: then it was a value the format allows, and it is stored as given.
    stored = HelpRequest.objects.get(pk=request_id)
    if field == "urgency":
        assert type(value) is int and value in (1, 2, 3)
        assert stored.urgency == value
    if field == "country":
        assert stored.country == ("" if value is MISSING else value)


@pytest.mark.parametrize(
    "value",
    [MISSING, "abc", "2", 10**100, -1, 0, 4, [2], {"level": 2}, True, False, None, 2.0, 1.5],
    ids=lambda v: "missing" if v is MISSING else repr(v),
)
def test_a_hostile_urgency_is_refused_and_changes_nothing(setting, value):
    ours, sender = setting
    before = _unchanged()
    with pytest.raises(PartnerError, match="urgency"):
        incoming.receive_referral(_package(ours, "urgency", value), sender)
    assert _unchanged() == before


@pytest.mark.parametrize("value", [1, 2, 3])
def test_each_urgency_of_the_format_is_taken(setting, value):
    ours, sender = setting
    request_id = incoming.receive_referral(_package(ours, "urgency", value), sender)
    assert HelpRequest.objects.get(pk=request_id).urgency == value


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(field=st.sampled_from(FIELDS), value=json_values | st.just(MISSING))
@example(field="urgency", value=10**100)
@example(field="urgency", value=[1])
@example(field="urgency", value=True)
@example(field="urgency", value=MISSING)
@example(field="country", value="../../")
@example(field="referral_id", value=["x"])
@example(field="parts", value={"summary": ["not", "text"]})
@example(field="sender", value="not an object")
def test_any_manifest_field_is_taken_as_the_format_says_or_refused_clearly(setting, field, value):
    ours, sender = setting
    _import_or_refusal(ours, sender, field, value)
