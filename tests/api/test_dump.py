"""docs/design.md §2.1 for tokens: a token made through the service never appears in
the database's stored bytes in any form; only its digest and short prefix do."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import make_staff
from tests.vault.plaintext import database_bytes, find_forms
from waystation.accounts.roles import Role
from waystation.api.models import ApiToken
from waystation.api.services import tokens


def _engine(name: str) -> object:
    return pytest.param(
        name,
        marks=pytest.mark.skipif(
            connection.vendor != name,
            reason=f"this check is for {name}; the suite runs on {connection.vendor}",
        ),
    )


@pytest.mark.parametrize("engine", [_engine("sqlite"), _engine("postgresql")])
def test_database_dump_contains_no_api_token(engine, transactional_db):
    user = make_staff(Role.CASEWORKER, "dumptokens")
    secrets = [tokens.create_token(user=user, scope=s).secret for s in ("read", "write")]
    row = ApiToken.objects.filter(user=user).first()
    assert row is not None
    haystack = database_bytes()
    assert find_forms(haystack, [row.digest]), "not vacuous: the digest is stored in clear"
    random_parts = [s.removeprefix(tokens.TOKEN_PREFIX) for s in secrets]
    # Any 16 characters of a token would be a usable part of a guess; none is stored.
    pieces = [part[i : i + 16] for part in random_parts for i in range(8, len(part) - 16, 8)]
    leaks = find_forms(haystack, [*secrets, *random_parts, *pieces])
    assert leaks == [], f"a token is readable in the stored bytes: {leaks[:5]}"
