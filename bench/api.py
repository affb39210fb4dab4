"""The API at scale: the case list and one case through ``/api/v1/`` (bearer token, DRF,
JSON), each against its baseline measured in the same run, the equivalent staff page
(session, two-factor middleware, template).

- ``api``: a supervisor's case list (a page of 50 of the cases of their team) and an
  assigned caseworker's list of their 100 cases, p95 over repeated requests; then one
  case opened (decrypted and audited). The database holds ``WAYSTATION_BENCH_CASES``
  cases (default 10,000, 2,000 with ``--quick``; the issue's figure is 100,000:
  ``WAYSTATION_BENCH_CASES=100000 python -m bench api``), all but a hundred of them
  bulk-inserted pre-sealed rows as in ``bench/cases.py`` (neither list opens them).

The ratio column is the API's cost over the page's: above 1, the API is slower.
"""

from __future__ import annotations

import os
import random
import time
from typing import Any, cast

from bench.cases import _client, _intake, _p95, _staff, population, pre_sealed_cases
from bench.harness import SEED, Context, Row, benchmark, progress

REAL_CASES = 100  # through the service, assigned to the caseworker
TEAMS = 10


def bench_cases(ctx: Context) -> int:
    """How many cases the section puts in the database (``WAYSTATION_BENCH_CASES``)."""
    default = 10_000 if ctx.sizes.cases >= 1_000 else 2_000
    value = int(os.environ.get("WAYSTATION_BENCH_CASES", default))
    if value < REAL_CASES:
        raise ValueError(f"WAYSTATION_BENCH_CASES must be at least {REAL_CASES}")
    return value


def _populate(cases: int) -> tuple[Any, Any, list[str]]:
    from waystation.accounts.roles import Role
    from waystation.cases.models import Assignment, Case
    from waystation.cases.services import access, opening
    from waystation.vault.fields import Ciphertext
    from waystation.vault.models import DataKey

    manager = _staff("bench.api.manager", Role.PROGRAMME_MANAGER)
    caseworker = _staff("bench.api.caseworker", Role.CASEWORKER)
    teams = [
        access.create_team(
            actor_id=None,
            name=f"API team {n}",
            supervisor_id=manager.pk if n == 0 else _staff(f"bench.api.sup{n}", Role.CASEWORKER).pk,
        )
        for n in range(TEAMS)
    ]
    progress(f"opening {REAL_CASES} real cases through the service")
    pool = population(REAL_CASES).requests
    real = [
        opening.open_case_manually(
            actor_id=None,
            intake=_intake(pool[n]),
            team_id=teams[0].pk,
            assignee_ids=[caseworker.pk],
        ).id
        for n in range(REAL_CASES)
    ]
    stored = Case.objects.filter(pk=real[0]).values_list("full_name", flat=True)[0]
    template = cast(Ciphertext, stored).data
    wrapped_value = DataKey.objects.values_list("wrapped", flat=True).first()
    assert wrapped_value is not None
    wrapped = bytes(wrapped_value)
    remaining = cases - REAL_CASES
    progress(f"bulk-inserting {remaining:,} pre-sealed cases")
    batches = pre_sealed_cases(
        remaining,
        template=template,
        wrapped=wrapped,
        team_ids=[team.pk for team in teams],
        country="GE",
        r=random.Random(SEED + 11),
    )
    for _, rows in batches:
        # Others' cases the caseworker is not on: the visibility query must skip them.
        Assignment.objects.bulk_create(
            Assignment(case_id=case.id, user_id=manager.pk) for case in rows[:5]
        )
    return manager, caseworker, real


class _Bearer:
    """A test client that sends a bearer token and has no session."""

    def __init__(self, secret: str) -> None:
        from django.test import Client

        self.client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {secret}")

    def get(self, url: str) -> Any:
        return self.client.get(url)


@benchmark("api", title="the API against the pages", order=75, per_backend=True)
def api(ctx: Context) -> list[Row]:
    from django.conf import settings

    from waystation.api.services import tokens
    from waystation.cases.models import Case
    from waystation.cases.selectors.visibility import visible_cases

    # The bench sends more requests per minute than a client may: it measures the
    # requests, not the limit.
    settings.WAYSTATION_API_RATES = {"read": "1000000/min", "write": "1000000/min"}
    cases = bench_cases(ctx)
    started = time.perf_counter()
    manager, caseworker, real = _populate(cases)
    total = Case.objects.count()
    progress(f"{total:,} cases in the database after {time.perf_counter() - started:.0f} s")
    rounds = 60 if ctx.sizes.cases >= 1_000 else 20
    r = random.Random(SEED + 12)
    pages = [r.randrange(1, 20) for _ in range(rounds)]
    opened = [r.choice(real) for _ in range(rounds)]
    manager_page, caseworker_page = _client(manager), _client(caseworker)
    manager_api = _Bearer(tokens.create_token(user=manager, scope="read").secret)
    caseworker_api = _Bearer(tokens.create_token(user=caseworker, scope="read").secret)
    _p95(manager_page, ["/cases/?page=1"] * 3)  # warm caches and connections
    _p95(manager_api, ["/api/v1/cases/?page=1"] * 3)
    supervised = visible_cases(manager).count()
    scale = f"{total // 1000}k cases" if total >= 1000 else f"{total} cases"
    return [
        Row(
            benchmark=f"API case list p95, supervisor of {supervised:,} cases ({scale})",
            backend=ctx.backend,
            measure="ms",
            value=_p95(manager_api, [f"/api/v1/cases/?page={p}" for p in pages]),
            baseline=_p95(manager_page, [f"/cases/?page={p}" for p in pages]),
        ),
        Row(
            benchmark=f"API list of my {REAL_CASES} cases p95, caseworker ({scale})",
            backend=ctx.backend,
            measure="ms",
            value=_p95(caseworker_api, ["/api/v1/cases/?mine=true&page=2"] * rounds),
            baseline=_p95(caseworker_page, ["/cases/mine/?page=2"] * rounds),
        ),
        Row(
            benchmark=f"API case p95, opened + audited ({scale})",
            backend=ctx.backend,
            measure="ms",
            value=_p95(caseworker_api, [f"/api/v1/cases/{c}/" for c in opened]),
            baseline=_p95(caseworker_page, [f"/cases/{c}/" for c in opened]),
        ),
    ]
