"""Casework: similarity match quality and cost, and the staff pages at scale.

- ``matches``: a generated set of requests with known duplicates and two planted
  infiltration patterns (one phone behind five requests; one story copied with small
  edits into five), opened through the real service; every case's matches are computed
  from the database and compared with the truth: precision and recall over pairs.
  Then the cost of computing the keyed digests, MinHash and LSH bands of 100k requests.
- ``casepages``: the queue page and a case page through the full Django stack (session,
  two-factor, vault middleware), p95 over repeated requests, with 100k cases and 1M
  messages in the database (10k / 100k with ``--quick``).

The 1M messages and all but a thousand of the 100k cases are *bulk inserts of pre-sealed
rows*: one real ciphertext copied into every row, with data keys that are well-formed
but never opened. Generating them through the services would take hours; neither page
opens them (the queue never decrypts, and the case page opens only the thousand real
cases, whose ten messages each are sealed for real under their own keys).
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from bench.harness import SEED, Context, Row, benchmark, progress

if TYPE_CHECKING:  # Django is set up in the child process, after this module is imported
    from waystation.accounts.models import Actor

# --- a generated population -------------------------------------------------------------

_SYLLABLES = [
    c + v
    for c in "bdgklmnprstvzhy"
    for v in ("a", "e", "i", "o", "u", "ar", "en", "ul", "im", "os")
]


def _word(r: random.Random, parts: int) -> str:
    return "".join(r.choice(_SYLLABLES) for _ in range(parts))


@dataclass
class Request:
    name: str
    birth_year: str
    phone: str
    story: str
    contacts: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Population:
    requests: list[Request]
    truth: set[tuple[int, int]]


def _pairs(indexes: list[int]) -> set[tuple[int, int]]:
    return {(a, b) if a < b else (b, a) for a, b in itertools.combinations(indexes, 2)}


def _edit(r: random.Random, story: str, vocabulary: list[str], edits: int) -> str:
    words = story.split()
    for position in r.sample(range(len(words)), edits):
        words[position] = r.choice(vocabulary)
    return " ".join(words)


def population(count: int) -> Population:
    """``count`` requests: unrelated people; 5% of them writing twice (same phone typed
    differently, name in another order, the story retold with a few words changed);
    five requests from one phone under different names and stories; one story copied
    into five requests with two words changed each; one contact named by four unrelated
    applicants. ``truth`` holds every pair that should be linked."""
    r = random.Random(SEED + 4)
    vocabulary = sorted({_word(r, r.randrange(2, 4)) for _ in range(4_000)})
    requests: list[Request] = []
    used_phones: set[str] = set()

    def new_phone() -> str:
        while True:
            number = f"+7 9{r.randrange(10**8, 10**9)}"
            if number not in used_phones:
                used_phones.add(number)
                return number

    def person() -> Request:
        return Request(
            name=f"{_word(r, 3).title()} {_word(r, 4).title()}",
            birth_year=str(r.randrange(1960, 2006)),
            phone=new_phone(),
            story=" ".join(r.choice(vocabulary) for _ in range(r.randrange(60, 120))),
            contacts=[{"name": _word(r, 2), "phone": new_phone()}],
        )

    truth: set[tuple[int, int]] = set()
    base = count - count // 20 - 14
    requests.extend(person() for _ in range(base))
    for original in r.sample(range(base), count // 20):
        first = requests[original]
        digits = first.phone.replace(" ", "")
        requests.append(
            Request(
                name=" ".join(reversed(first.name.split())),
                birth_year=first.birth_year,
                phone=f"{digits[:2]} ({digits[2:5]}) {digits[5:8]}-{digits[8:10]}-{digits[10:]}",
                story=_edit(r, first.story, vocabulary, 3),
                contacts=[{"name": _word(r, 2), "phone": new_phone()}],
            )
        )
        truth |= _pairs([original, len(requests) - 1])
    # One phone behind five requests.
    shared_phone = new_phone()
    start = len(requests)
    for _ in range(5):
        planted = person()
        planted.phone = shared_phone
        requests.append(planted)
    truth |= _pairs(list(range(start, start + 5)))
    # One story, copied with small edits.
    template = person()
    start = len(requests)
    requests.append(template)
    for _ in range(4):
        copy = person()
        copy.story = _edit(r, template.story, vocabulary, 2)
        requests.append(copy)
    truth |= _pairs(list(range(start, start + 5)))
    # One contact named by four unrelated applicants.
    contact = {"name": "cousin", "phone": new_phone()}
    start = len(requests)
    for _ in range(4):
        applicant = person()
        applicant.contacts.append(dict(contact))
        requests.append(applicant)
    truth |= _pairs(list(range(start, start + 4)))
    return Population(requests=requests, truth=truth)


def _intake(request: Request) -> Any:
    from waystation.cases.models import Channel, Urgency
    from waystation.cases.services.opening import ManualIntake

    return ManualIntake(
        full_name=request.name,
        birth_year=request.birth_year,
        phone=request.phone,
        narrative=request.story,
        contacts=request.contacts,
        urgency=Urgency.DAYS,
        channel=Channel.SIGNAL,
    )


@benchmark(
    "matches", title="casework similarity matches: quality and cost", order=60, per_backend=False
)
def matches(ctx: Context) -> list[Row]:
    from waystation.cases.models import Case
    from waystation.cases.selectors.matches import matching_cases
    from waystation.cases.services.opening import open_case_manually
    from waystation.vault import blind

    count = 1_000 if ctx.sizes.cases < 1_000 else 5_000
    generated = population(count)
    progress(f"opening {len(generated.requests):,} generated requests as cases")
    ids = [
        open_case_manually(actor_id=None, intake=_intake(request)).id
        for request in generated.requests
    ]
    index_of = {case_id: n for n, case_id in enumerate(ids)}
    progress("computing every case's matches")
    started = time.perf_counter()
    predicted: set[tuple[int, int]] = set()
    for case in Case.objects.filter(pk__in=ids).only("id", "story_signature"):
        for found in matching_cases(case).values():
            for other in found:
                if other in index_of:
                    a, b = index_of[case.id], index_of[other]
                    predicted.add((a, b) if a < b else (b, a))
    lookup_seconds = time.perf_counter() - started
    hits = len(predicted & generated.truth)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(generated.truth)

    size = 100_000 if ctx.sizes.cases >= 1_000 else 10_000
    progress(f"keyed digests, MinHash and LSH bands of {size:,} requests")
    r = random.Random(SEED + 5)
    pool = population(2_000).requests
    stories = [pool[r.randrange(len(pool))] for _ in range(size)]
    started = time.perf_counter()
    for request in stories:
        blind.blind_index("phone", request.phone)
        blind.blind_name_tokens(request.name)
        blind.minhash_bands(blind.keyed_minhash(request.story))
    compute_seconds = time.perf_counter() - started
    what = f"{len(generated.requests):,} requests, {len(generated.truth)} true pairs"
    return [
        Row(
            benchmark=f"matches precision ({what})",
            backend="-",
            measure="ratio",
            value=precision,
            higher_is_better=True,
        ),
        Row(
            benchmark=f"matches recall ({what})",
            backend="-",
            measure="ratio",
            value=recall,
            higher_is_better=True,
        ),
        Row(
            benchmark=f"match lookup per case from the database ({len(ids):,} cases)",
            backend=ctx.backend,
            measure="ms",
            value=lookup_seconds / len(ids) * 1e3,
        ),
        Row(
            benchmark=f"match computation, {size:,} requests (digests, MinHash, bands)",
            backend="-",
            measure="s",
            value=compute_seconds,
        ),
    ]


# --- the pages at scale ------------------------------------------------------------------------

REAL_CASES = 1_000
TEAMS = 10


def _staff(username: str, role: Any) -> Any:
    from waystation.accounts import services as accounts

    user = accounts.create_staff(
        actor_id=None, username=username, role=role, password="bench-plum-kettle-47"
    )
    device = accounts.enrol_totp(user=user)
    accounts.confirm_totp(user=user, device=device, token=accounts.current_totp_code(device))
    return user


def _client(user: Actor) -> Any:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from waystation.accounts.models import SealedTOTPDevice

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = SealedTOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


def pre_sealed_cases(
    count: int,
    *,
    template: bytes,
    wrapped: bytes,
    team_ids: list[str],
    country: str,
    r: random.Random,
    narrative: bool = False,
) -> Iterator[tuple[int, list[Any]]]:
    """Bulk-insert ``count`` cases, 5,000 at a time, each with a data key of its own and
    ``template`` (one real ciphertext) as its sealed name (and story). Yields the offset
    and the rows of each batch inside the batch's transaction, so that the caller adds
    its own rows for them (messages, assignments) in the same one."""
    from django.db import transaction

    from waystation.cases.models import Case, Channel, Stage, Urgency
    from waystation.ids import random_id
    from waystation.vault.fields import Ciphertext
    from waystation.vault.models import DataKey

    stages = [Stage.SCREENING, Stage.VERIFICATION, Stage.PLANNING, Stage.IN_TRANSIT]
    for start in range(0, count, 5_000):
        n = min(5_000, count - start)
        with transaction.atomic():
            keys = [DataKey(id=random_id(), kek_version=1, wrapped=wrapped) for _ in range(n)]
            DataKey.objects.bulk_create(keys)
            rows = []
            for i, key in enumerate(keys):
                case = Case(
                    id=random_id(),
                    data_key_id=key.id,
                    stage=r.choice(stages),
                    urgency=r.choice(list(Urgency)),
                    channel=Channel.WEB,
                    country=country,
                    team_id=team_ids[(start + i) % len(team_ids)],
                )
                case.full_name = Ciphertext(template)
                if narrative:
                    case.narrative = Ciphertext(template)
                rows.append(case)
            Case.objects.bulk_create(rows)
            yield start, rows


def _populate(ctx: Context, cases: int, messages: int) -> tuple[Any, Any, list[str]]:
    from django.db import transaction
    from django.utils import timezone

    from waystation.accounts.roles import Role
    from waystation.cases.models import (
        Assignment,
        Case,
        CaseMessage,
        Channel,
        MessageDirection,
    )
    from waystation.cases.services import access, opening
    from waystation.ids import random_id
    from waystation.vault.fields import Ciphertext
    from waystation.vault.models import DataKey

    manager = _staff("bench.manager", Role.PROGRAMME_MANAGER)
    caseworker = _staff("bench.caseworker", Role.CASEWORKER)
    teams = [
        access.create_team(actor_id=None, name=f"Team {n}", supervisor_id=manager.pk)
        if n == 0
        else access.create_team(
            actor_id=None,
            name=f"Team {n}",
            supervisor_id=_staff(f"bench.sup{n}", Role.CASEWORKER).pk,
        )
        for n in range(TEAMS)
    ]
    progress(f"opening {REAL_CASES:,} real cases through the service")
    r = random.Random(SEED + 6)
    pool = population(2_000).requests
    real = []
    for n in range(REAL_CASES):
        case = opening.open_case_manually(
            actor_id=None,
            intake=_intake(pool[n % len(pool)]),
            team_id=teams[0].pk,
            assignee_ids=[caseworker.pk],
        )
        real.append(case.id)
    per_case = messages // cases
    progress(f"sealing {REAL_CASES * per_case:,} real messages for them")
    now = timezone.now()
    with transaction.atomic():
        batch = []
        for case in Case.objects.filter(pk__in=real).only("id", "data_key_id"):
            for k in range(per_case):
                message = CaseMessage(
                    case_id=case.id,
                    data_key_id=case.data_key_id,
                    direction=MessageDirection.FROM_APPLICANT
                    if k % 2
                    else MessageDirection.TO_APPLICANT,
                    channel=Channel.SIGNAL,
                    at=now,
                )
                message.text = pool[k].story
                batch.append(message)
        CaseMessage.objects.bulk_create(batch, batch_size=2_000)
    # A sealed column reads back as the stored Ciphertext, which the stubs cannot know.
    stored = CaseMessage.objects.filter(case_id=real[0]).values_list("text", flat=True)[0]
    template = cast(Ciphertext, stored).data
    wrapped_value = DataKey.objects.values_list("wrapped", flat=True).first()
    assert wrapped_value is not None
    wrapped = bytes(wrapped_value)
    remaining = cases - REAL_CASES
    progress(f"bulk-inserting {remaining:,} pre-sealed cases and their messages")
    batches = pre_sealed_cases(
        remaining,
        template=template,
        wrapped=wrapped,
        team_ids=[team.pk for team in teams],
        country="RU",
        r=r,
        narrative=True,
    )
    # Each batch comes inside its own transaction, open until the next one is asked for.
    for start, rows in batches:
        CaseMessage.objects.bulk_create(
            (
                CaseMessage(
                    id=random_id(),
                    case_id=case.id,
                    data_key_id=case.data_key_id,
                    direction=MessageDirection.FROM_APPLICANT,
                    channel=Channel.WEB,
                    at=now,
                    text=Ciphertext(template),
                )
                for case in rows
                for _ in range(per_case)
            ),
            batch_size=5_000,
        )
        Assignment.objects.bulk_create(
            Assignment(case_id=case.id, user_id=caseworker.pk) for case in rows[:10]
        )
        if (start // 5_000) % 4 == 0:
            progress(f"  {start + len(rows):,} / {remaining:,}")
    return manager, caseworker, real


def _p95(client: Any, urls: list[str]) -> float:
    times = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
    times.sort()
    return times[max(0, int(len(times) * 0.95) - 1)] * 1e3


@benchmark("casepages", title="queue and case pages at scale", order=70, per_backend=True)
def pages(ctx: Context) -> list[Row]:
    from waystation.cases.models import Case, CaseMessage

    full = ctx.sizes.cases >= 1_000
    cases, messages = (100_000, 1_000_000) if full else (10_000, 100_000)
    started = time.perf_counter()
    manager, caseworker, real = _populate(ctx, cases, messages)
    progress(
        f"{Case.objects.count():,} cases, {CaseMessage.objects.count():,} messages "
        f"in {time.perf_counter() - started:.0f} s"
    )
    rounds = 60 if full else 20
    r = random.Random(SEED + 7)
    manager_client, caseworker_client = _client(manager), _client(caseworker)
    queue_urls = [f"/cases/?page={r.randrange(1, 20)}" for _ in range(rounds)]
    case_urls = [f"/cases/{r.choice(real)}/" for _ in range(rounds)]
    _p95(manager_client, queue_urls[:3])  # warm caches and connections
    scale = f"{cases // 1000}k cases, {messages / 1e6:g}M messages"
    from waystation.cases.selectors.visibility import visible_cases

    supervised = visible_cases(manager).count()
    return [
        Row(
            benchmark=f"queue page p95, supervisor of {supervised:,} cases ({scale})",
            backend=ctx.backend,
            measure="ms",
            value=_p95(manager_client, queue_urls),
        ),
        Row(
            benchmark=f"my cases page p95, caseworker ({scale})",
            backend=ctx.backend,
            measure="ms",
            value=_p95(caseworker_client, ["/cases/mine/"] * rounds),
        ),
        Row(
            benchmark=f"case page p95, opened + audited, ~10 messages ({scale})",
            backend=ctx.backend,
            measure="ms",
            value=_p95(caseworker_client, case_urls),
        ),
        Row(
            benchmark=f"search by phone p95 ({scale})",
            backend=ctx.backend,
            measure="ms",
            value=_p95(caseworker_client, ["/cases/search/?q=%2B79123456789"] * rounds),
        ),
    ]
