"""The documentation figures page at scale: the four suppressed tables, the chart and an
estimate from three matched lists, through the full Django stack, with 20k events, 40k
acts and three lists of 6k entries (2k / 4k / 600 with ``--quick``), against the same
page on an empty record (the baseline). The estimate is timed twice: the first request
builds the capture table and fits every model; the next finds the fit in the cache and
only rebuilds the table.

Rows are bulk inserts of pre-sealed values (one real ciphertext copied into every row,
as ``bench/dashboard.py`` does): the page reads only operational columns and ids, so
nothing here is ever opened.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from typing import Any, cast

from bench.cases import _client, _staff
from bench.dashboard import _p, _timed
from bench.harness import SEED, Context, Row, benchmark, progress

BATCH = 5_000


def _populate(events: int, entries: int, r: random.Random) -> list[str]:
    """``events`` events with two acts each, and three lists of ``entries`` entries whose
    people overlap (a third of each list confirmed on the next)."""
    from django.db import transaction
    from django.utils import timezone
    from tests.documentation import seeding

    from waystation.documentation.models import (
        Act,
        ActType,
        Event,
        EventKind,
        ListedPerson,
        MatchStatus,
        Person,
        ProposedMatch,
    )
    from waystation.ids import random_id
    from waystation.vault.fields import Ciphertext
    from waystation.vault.models import DataKey

    real = seeding.event(on=timezone.localdate())
    stored = Event.objects.filter(pk=real.pk).values_list("title", flat=True)[0]
    sealed = Ciphertext(cast(Ciphertext, stored).data)
    shared = DataKey.objects.get(pk=real.data_key_id)
    assert shared.wrapped is not None
    wrapped = bytes(shared.wrapped)
    today = timezone.localdate()
    kinds, types = list(EventKind), list(ActType)
    regions = ["RU-CE", "RU-DA", "RU-IN", "RU-MOW", "GE"]
    for start in range(0, events, BATCH):
        n = min(BATCH, events - start)
        with transaction.atomic():
            keys = [DataKey(id=random_id(), kek_version=1, wrapped=wrapped) for _ in range(n)]
            DataKey.objects.bulk_create(keys)
            rows, victims, acts = [], [], []
            for key in keys:
                region = r.choice(regions)
                event = Event(
                    id=random_id(),
                    data_key_id=key.id,
                    kind=r.choice(kinds),
                    started_on=today - dt.timedelta(days=r.randrange(0, 360)),
                    country=region[:2],
                    region=region if "-" in region else "",
                    level=r.randrange(0, 6),
                    recorded_by_id=1,
                )
                event.title = event.summary = event.place = sealed
                rows.append(event)
                for _ in range(2):
                    victim = Person(
                        id=random_id(), data_key_id=shared.id, event_id=event.id, recorded_by_id=1
                    )
                    victim.name = victim.details = sealed
                    victims.append(victim)
                    act = Act(
                        id=random_id(),
                        event_id=event.id,
                        victim_id=victim.id,
                        data_key_id=key.id,
                        act_type=r.choice(types),
                        level=event.level,
                        recorded_by_id=1,
                    )
                    act.place_of_detention = act.notes = sealed
                    acts.append(act)
            Event.objects.bulk_create(rows)
            Person.objects.bulk_create(victims)
            Act.objects.bulk_create(acts)
        progress(f"  {start + n:,} / {events:,} events")
    lists = [
        seeding.person_list(name) for name in ("Bench hotline", "Bench partner", "Bench press")
    ]
    made: list[list[str]] = []
    for person_list in lists:
        entries_of: list[ListedPerson] = []
        for _ in range(entries):
            entry = ListedPerson(
                id=random_id(), person_list_id=person_list.id, data_key_id=person_list.data_key_id
            )
            entry.name = entry.birth_year = entry.phone = entry.handle = sealed
            entries_of.append(entry)
        ListedPerson.objects.bulk_create(entries_of, batch_size=BATCH)
        made.append([entry.id for entry in entries_of])
    matches = []
    for here, there in ((0, 1), (1, 2), (0, 2)):
        for first in r.sample(range(entries), entries // 3):
            matches.append(
                ProposedMatch(
                    id=random_id(),
                    first_id=made[here][first],
                    second_id=made[there][r.randrange(entries)],
                    status=r.choice([MatchStatus.CONFIRMED] * 3 + [MatchStatus.REJECTED]),
                )
            )
    ProposedMatch.objects.bulk_create(matches, batch_size=BATCH, ignore_conflicts=True)
    return [p.id for p in lists]


@benchmark("docfigures", title="documentation figures at scale", order=76, per_backend=True)
def docfigures(ctx: Context) -> list[Row]:
    from urllib.parse import urlencode

    from waystation.accounts.roles import Role
    from waystation.documentation.selectors import capture

    full = ctx.sizes.cases >= 1_000
    events, entries = (20_000, 6_000) if full else (2_000, 600)
    rounds = 9 if full else 3
    officer = _staff("bench.documentation", Role.DOCUMENTATION)
    client: Any = _client(officer)
    url = "/documentation/figures/"
    _timed(client, url, 1)  # warm: templates, fonts, connection
    before = _timed(client, url, rounds)
    started = time.perf_counter()
    lists = _populate(events, entries, random.Random(SEED + 76))
    progress(
        f"{events:,} events, {3 * entries:,} list entries in {time.perf_counter() - started:.0f} s"
    )
    _timed(client, url, 1)
    after = _timed(client, url, rounds)
    with_lists = f"{url}?{urlencode({'lists': lists}, doseq=True)}"
    capture.forget_estimates()
    first = _timed(client, with_lists, 1)
    cached = _timed(client, with_lists, rounds)
    tables = []
    for _ in range(rounds):
        began = time.perf_counter()
        capture.capture_table(user=officer, list_ids=lists)
        tables.append(time.perf_counter() - began)
    scale = f"{events // 1000}k events, {2 * events // 1000}k acts"
    return [
        Row(
            benchmark=f"figures page p50 ({scale}; baseline: empty record)",
            backend=ctx.backend,
            measure="ms",
            value=_p(after, 0.5),
            baseline=_p(before, 0.5),
        ),
        Row(
            benchmark=f"figures page p95 ({scale}; baseline: empty record)",
            backend=ctx.backend,
            measure="ms",
            value=_p(after, 0.95),
            baseline=_p(before, 0.95),
        ),
        Row(
            benchmark=f"page + estimate, 3 lists of {entries:,}, first (baseline: page alone)",
            backend=ctx.backend,
            measure="ms",
            value=first[0] * 1e3,
            baseline=_p(after, 0.5),
        ),
        Row(
            benchmark="page + estimate, cached fit, p50 (baseline: page alone)",
            backend=ctx.backend,
            measure="ms",
            value=_p(cached, 0.5),
            baseline=_p(after, 0.5),
        ),
        Row(
            benchmark=f"capture table of 3 lists of {entries:,}, median",
            backend=ctx.backend,
            measure="ms",
            value=statistics.median(tables) * 1e3,
        ),
    ]
