"""The numbers page at scale: every figure, chart and table of the managers' dashboard
rendered through the full Django stack, with 100k cases and 1M payments (2k / 20k with
``--quick``), against the same page on the database as it stood before (the baseline).

Cases, stage changes and payments beyond the few opened through the services are *bulk
inserts of pre-sealed rows* (one real ciphertext copied into every row, as in
``bench/cases.py``): the dashboard reads only operational columns, so nothing here is
ever opened. If ``casepages`` ran first, its 100k cases are reused.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from typing import Any, cast

from bench.cases import _client, _staff
from bench.harness import SEED, Context, Row, benchmark, progress

BATCH = 10_000
HOUSES = 40
PROGRAMMES = 3


def _timed(client: Any, url: str, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
    return times


def _p(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[max(0, round(len(ordered) * q) - 1)] * 1e3


def _template(case_id: str) -> tuple[bytes, bytes]:
    """One real ciphertext and one real wrapped key, to copy into bulk rows."""
    from waystation.cases.models import Case
    from waystation.vault.fields import Ciphertext
    from waystation.vault.models import DataKey

    stored = Case.objects.filter(pk=case_id).values_list("full_name", flat=True)[0]
    wrapped = DataKey.objects.values_list("wrapped", flat=True).first()
    assert wrapped is not None
    return cast(Ciphertext, stored).data, bytes(wrapped)


def _populate(target_cases: int, payments: int, r: random.Random) -> None:
    from django.db import transaction
    from django.utils import timezone

    from bench.cases import _intake, population
    from waystation.cases.models import Case, Channel, Outcome, Stage, StageChange, Urgency
    from waystation.cases.services.opening import open_case_manually
    from waystation.ids import random_id
    from waystation.relocation.models import (
        BudgetCategory,
        Payment,
        PaymentStatus,
        Placement,
        PlacementStatus,
        Programme,
        SafeHouse,
    )
    from waystation.vault import datakeys
    from waystation.vault.fields import Ciphertext
    from waystation.vault.models import DataKey

    real = open_case_manually(actor_id=None, intake=_intake(population(20).requests[0]))
    template, wrapped = _template(real.id)
    now = timezone.now()
    today = timezone.localdate()
    stages = [Stage.SCREENING, Stage.VERIFICATION, Stage.PLANNING, Stage.IN_TRANSIT, Stage.CLOSED]
    outcomes = list(Outcome)
    missing = target_cases - Case.objects.count()
    progress(f"bulk-inserting {max(0, missing):,} pre-sealed cases with 3 stage changes each")
    for start in range(0, max(0, missing), BATCH):
        n = min(BATCH, missing - start)
        with transaction.atomic():
            keys = [DataKey(id=random_id(), kek_version=1, wrapped=wrapped) for _ in range(n)]
            DataKey.objects.bulk_create(keys)
            cases, changes = [], []
            for key in keys:
                stage = r.choice(stages)
                closed = (
                    now - dt.timedelta(days=r.randrange(1, 360)) if stage == Stage.CLOSED else None
                )
                case = Case(
                    id=random_id(),
                    data_key_id=key.id,
                    stage=stage,
                    urgency=r.choice(list(Urgency)),
                    channel=r.choice([Channel.WEB, Channel.WEB, Channel.PHONE, Channel.SIGNAL]),
                    country="RU",
                    closed_at=closed,
                    outcome=r.choice(outcomes) if closed else "",
                )
                case.full_name = Ciphertext(template)
                cases.append(case)
                entered = now - dt.timedelta(days=r.randrange(60, 400))
                for to_stage in (Stage.SCREENING, Stage.VERIFICATION, Stage.PLANNING):
                    change = StageChange(
                        id=random_id(),
                        case_id=case.id,
                        data_key_id=key.id,
                        to_stage=to_stage,
                        at=entered,
                    )
                    change.reason = Ciphertext(template)
                    changes.append(change)
                    entered += dt.timedelta(hours=r.randrange(12, 24 * 40))
            Case.objects.bulk_create(cases)
            StageChange.objects.bulk_create(changes)
        if (start // BATCH) % 5 == 0:
            progress(f"  {start + n:,} / {missing:,} cases")

    programmes = [
        Programme.objects.create(name=f"Bench programme {n}", approval_threshold_minor=50_000)
        for n in range(PROGRAMMES)
    ]
    houses = []
    for n in range(HOUSES):
        house = SafeHouse(data_key=datakeys.create_data_key(), label=f"Bench house {n}", beds=6)
        house.address = "Fictional address"
        house.save()
        houses.append(house)
    owners = list(Case.objects.values_list("id", "data_key_id")[: max(target_cases, 1)])
    progress(f"bulk-inserting {payments:,} pre-sealed payments and a year of stays")
    with transaction.atomic():
        stays = []
        for n in range(min(len(owners), HOUSES * 60)):
            case_id, key_id = owners[n]
            arrives = today - dt.timedelta(days=r.randrange(0, 365))
            stay = Placement(
                id=random_id(),
                case_id=case_id,
                data_key_id=key_id,
                house=houses[n % HOUSES],
                arrives_on=arrives,
                leaves_on=arrives + dt.timedelta(days=r.randrange(1, 30)),
                beds=1,
                status=PlacementStatus.LEFT,
            )
            stay.notes = Ciphertext(template)
            stays.append(stay)
        Placement.objects.bulk_create(stays)
    categories = list(BudgetCategory)
    statuses = [PaymentStatus.APPROVED] * 18 + [
        PaymentStatus.AWAITING_APPROVAL,
        PaymentStatus.REFUSED,
    ]
    for start in range(0, payments, BATCH):
        n = min(BATCH, payments - start)
        with transaction.atomic():
            rows = []
            for _ in range(n):
                case_id, key_id = owners[r.randrange(len(owners))]
                minor = r.randrange(500, 200_000)
                payment = Payment(
                    id=random_id(),
                    case_id=case_id,
                    data_key_id=key_id,
                    programme=programmes[r.randrange(PROGRAMMES)],
                    category=r.choice(categories),
                    currency="EUR",
                    amount_minor=minor,
                    rate=1,
                    reporting_minor=minor,
                    paid_on=today - dt.timedelta(days=r.randrange(0, 730)),
                    status=r.choice(statuses),
                    created_by_id=1,
                )
                payment.payee = Ciphertext(template)
                payment.purpose = Ciphertext(template)
                rows.append(payment)
            Payment.objects.bulk_create(rows)
        if (start // BATCH) % 20 == 0:
            progress(f"  {start + n:,} / {payments:,} payments")


@benchmark("dashboard", title="numbers dashboard at scale", order=75, per_backend=True)
def dashboard(ctx: Context) -> list[Row]:
    from waystation.accounts.roles import Role
    from waystation.cases.models import Case
    from waystation.relocation.models import Payment
    from waystation.relocation.reports import figures
    from waystation.relocation.reports.period import default_period
    from waystation.web.figures import suppression

    full = ctx.sizes.cases >= 1_000
    cases, payments = (100_000, 1_000_000) if full else (2_000, 20_000)
    rounds = 15 if full else 5
    manager = _staff("bench.numbers", Role.PROGRAMME_MANAGER)
    client = _client(manager)
    url = "/relocation/numbers/"
    _timed(client, url, 1)  # warm: templates, fonts, connection
    before = _timed(client, url, rounds)
    cases_before = Case.objects.count()
    started = time.perf_counter()
    _populate(cases, payments, random.Random(SEED + 75))
    progress(
        f"{Case.objects.count():,} cases, {Payment.objects.count():,} payments "
        f"in {time.perf_counter() - started:.0f} s"
    )
    _timed(client, url, 1)
    after = _timed(client, url, rounds)
    period = default_period()
    queries = []
    for _ in range(rounds):
        began = time.perf_counter()
        [suppression.suppress(t) for t in figures.all_tables(period)]
        queries.append(time.perf_counter() - began)
    pdf = _timed(client, "/relocation/numbers/report.pdf", max(2, rounds // 3))
    scale = f"{cases // 1000}k cases, {payments / 1e6:g}M payments"
    empty = f"baseline: same page, {cases_before:,} cases, no payments"
    return [
        Row(
            benchmark=f"numbers page p50 ({scale}; {empty})",
            backend=ctx.backend,
            measure="ms",
            value=_p(after, 0.5),
            baseline=_p(before, 0.5),
        ),
        Row(
            benchmark=f"numbers page p95 ({scale}; {empty})",
            backend=ctx.backend,
            measure="ms",
            value=_p(after, 0.95),
            baseline=_p(before, 0.95),
        ),
        Row(
            benchmark=f"figure queries + suppression only, median ({scale})",
            backend=ctx.backend,
            measure="ms",
            value=statistics.median(queries) * 1e3,
        ),
        Row(
            benchmark=f"donor report PDF, median ({scale})",
            backend=ctx.backend,
            measure="ms",
            value=statistics.median(pdf) * 1e3,
        ),
    ]
