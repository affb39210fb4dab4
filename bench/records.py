"""Records in the database: opening cases, bulk-inserting sealed notes against the same
notes in plaintext, and reading a case list with and without opening names."""

from __future__ import annotations

import statistics
import time

from bench import data
from bench.harness import Context, Row, benchmark, median_seconds, progress


@benchmark("cases", title="opening cases through the service", order=30, per_backend=True)
def open_cases(ctx: Context) -> list[Row]:
    """The set-up of the later sections, timed: ``open_case_manually`` per case (new data
    key, four sealed fields, phone blind index, name tokens, audit entry, one commit)."""
    count = len(ctx.cases())
    seconds = ctx.case_creation_seconds or 0.0
    return [
        Row(
            benchmark=f"open case via service, one transaction each ({count:,} cases)",
            backend=ctx.backend,
            measure="cases/s",
            value=count / seconds if seconds else 0.0,
            higher_is_better=True,
        )
    ]


@benchmark("bulk", title="bulk insert, sealed vs plaintext", order=40, per_backend=True)
def bulk_insert(ctx: Context) -> list[Row]:
    """``sizes.records`` notes spread over the cases (one data key each), built and
    inserted with ``bulk_create`` in batches of ``sizes.batch``, one transaction per batch,
    into a fresh table. The sealed and plaintext tables take turns first, and each
    figure is the median over ``sizes.bulk_rounds`` rounds."""
    from django.db import connection

    from bench.models import PlainNote, SealedNote
    from waystation.cases.models import Case

    ctx.cases()
    pairs = list(Case.objects.order_by("id").values_list("id", "data_key_id"))
    texts = data.note_texts(1_000)
    rates: dict[type, list[float]] = {SealedNote: [], PlainNote: []}
    for round_number in range(ctx.sizes.bulk_rounds):
        order = [PlainNote, SealedNote] if round_number % 2 == 0 else [SealedNote, PlainNote]
        for model in order:
            with connection.schema_editor() as editor:
                editor.create_model(model)
            try:
                seconds = _insert_notes(ctx, model, pairs, texts)
            finally:
                with connection.schema_editor() as editor:
                    editor.delete_model(model)
            rates[model].append(ctx.sizes.records / seconds)
            progress(
                f"round {round_number + 1}: {model.__name__} {ctx.sizes.records / seconds:,.0f}/s"
            )
    sealed = statistics.median(rates[SealedNote])
    plain = statistics.median(rates[PlainNote])
    what = f"{ctx.sizes.records:,} records, {len(pairs):,} cases, batches of {ctx.sizes.batch:,}"
    return [
        Row(
            benchmark=f"bulk insert plaintext twin: {what}",
            backend=ctx.backend,
            measure="records/s",
            value=plain,
            higher_is_better=True,
        ),
        Row(
            benchmark=f"bulk insert sealed (3 sealed fields): {what}",
            backend=ctx.backend,
            measure="records/s",
            value=sealed,
            baseline=plain,
            higher_is_better=True,
        ),
    ]


def _insert_notes(
    ctx: Context, model: type, pairs: list[tuple[str, str]], texts: list[data.NoteText]
) -> float:
    import gc

    from django.db import transaction
    from django.utils import timezone

    total, batch = ctx.sizes.records, ctx.sizes.batch
    written_at = timezone.now()
    gc.collect()
    started = time.perf_counter()
    for start in range(0, total, batch):
        with transaction.atomic():
            rows = []
            for i in range(start, min(total, start + batch)):
                case_id, data_key_id = pairs[i % len(pairs)]
                text = texts[i % len(texts)]
                rows.append(
                    model(
                        case_id=case_id,
                        data_key_id=data_key_id,
                        kind=data.KINDS[i % len(data.KINDS)],
                        written_at=written_at,
                        subject=text.subject,
                        body=text.body,
                        place=text.place,
                    )
                )
            model.objects.bulk_create(rows)  # type: ignore[attr-defined]
    return time.perf_counter() - started


@benchmark("listing", title="case list, with and without opening names", order=50, per_backend=True)
def case_listing(ctx: Context) -> list[Row]:
    """A case list reads rows and shows operational fields; sealed values stay ciphertext
    until read. Opening the names after "seal now" and unsealing (data keys cold) unwraps
    one data key per case, with one query each; warm, the unwrapped keys are cached."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from waystation.cases.models import Case

    count = len(ctx.cases())

    def read_rows() -> list[Case]:
        return list(Case.objects.order_by("-opened_at", "id")[:count])

    def listing() -> object:
        return [(c.id, c.stage, c.urgency, c.opened_at) for c in read_rows()]

    def opening() -> object:
        return [(c.id, c.stage, c.full_name) for c in read_rows()]

    repeat = ctx.sizes.listing_repeat
    list_s = median_seconds(listing, repeat, before=ctx.reseal)
    cold_s = median_seconds(opening, repeat, before=ctx.reseal)
    with CaptureQueriesContext(connection) as cold_queries:
        ctx.reseal()
        opening()
    warm_s = median_seconds(opening, repeat, before=lambda: None)
    with CaptureQueriesContext(connection) as warm_queries:
        opening()
    return [
        Row(
            benchmark=f"read {count:,} case rows, nothing opened (1 query)",
            backend=ctx.backend,
            measure="ms per list",
            value=list_s * 1e3,
        ),
        Row(
            benchmark=(
                f"read {count:,} case rows + open names, data keys cold "
                f"({_queries(len(cold_queries))})"
            ),
            backend=ctx.backend,
            measure="ms per list",
            value=cold_s * 1e3,
            baseline=list_s * 1e3,
        ),
        Row(
            benchmark=(
                f"read {count:,} case rows + open names, data keys warm "
                f"({_queries(len(warm_queries))})"
            ),
            backend=ctx.backend,
            measure="ms per list",
            value=warm_s * 1e3,
            baseline=list_s * 1e3,
        ),
    ]


def _queries(count: int) -> str:
    return f"{count:,} query" if count == 1 else f"{count:,} queries"
