"""The vault's own costs, independent of the database: sealing fields, blind indexes."""

from __future__ import annotations

import functools
import itertools
import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from bench import data
from bench.harness import Context, Row, benchmark, per_op_us

if TYPE_CHECKING:
    from waystation.cases.models import Case, CaseDocument

US_PER_SEAL_OPEN = "µs per seal+open"
INDEXES_PER_SECOND = "indexes/s"
POOL = 1_000


@benchmark("fields", title="seal+open per field", order=10, per_backend=False)
def sealed_fields(ctx: Context) -> list[Row]:
    """One value sealed and opened through the field machinery (descriptor, type check,
    associated data, AES-256-GCM), against the same value only encoded and decoded."""
    from waystation.cases.models import Case, CaseDocument
    from waystation.vault import datakeys

    data_key = datakeys.create_data_key()  # its sealer is cached: a warm worker
    case = Case(data_key_id=data_key.id)
    r = data.rng(3)
    short = data.full_name(r).ljust(30, "_")[:30]
    long = data.text(r, 5_000)
    small_dict = data.contacts(r)
    rows = [
        _field_row(ctx, case, "full_name", short, "short text (30 chars)"),
        _field_row(ctx, case, "narrative", long, "long text (5,000 chars)"),
        _field_row(ctx, case, "contacts", small_dict, "JSON (small dict)"),
    ]

    rows.append(_record_row(ctx, case))
    document = CaseDocument(case_id=case.id, data_key_id=data_key.id)
    rows.append(_file_in_memory_row(ctx, document))
    rows.append(_file_stored_row(ctx, document))
    rows.extend(_raw_sealer_rows(ctx))
    return rows


def _record_row(ctx: Context, case: Case) -> Row:
    """What the bulk benchmark's sealed rows cost in Python before the database sees
    them: build one note and run ``pre_save`` on its three sealed fields, against the
    plaintext twin doing the same. Compare with the per-record difference in "bulk"."""
    from django.db import models
    from django.utils import timezone

    from bench.models import PlainNote, SealedNote

    text = data.note_texts(1)[0]
    now = timezone.now()
    names = ("subject", "body", "place")

    def build(model: type[SealedNote] | type[PlainNote]) -> Callable[[], object]:
        fields = [cast("models.Field[Any, Any]", model._meta.get_field(n)) for n in names]

        def run() -> object:
            note = model(
                case_id=case.id,
                data_key_id=case.data_key_id,
                kind="note",
                written_at=now,
                subject=text.subject,
                body=text.body,
                place=text.place,
            )
            return [f.pre_save(note, add=True) for f in fields]

        return run

    return Row(
        benchmark="seal one note record: 3 fields (build + pre_save, no database)",
        backend="-",
        measure="µs per record",
        value=per_op_us(build(SealedNote), ctx.sizes),
        baseline=per_op_us(build(PlainNote), ctx.sizes),
    )


def _field_row(ctx: Context, case: Case, name: str, value: object, what: str) -> Row:
    from waystation.vault.fields import _SealedBinaryField

    field = cast(_SealedBinaryField, type(case)._meta.get_field(name))

    def sealed() -> object:
        setattr(case, name, value)  # type check, as a service assigning a value
        case.__dict__[name] = field.pre_save(case, add=True)
        return getattr(case, name)  # the descriptor opens it

    def plain() -> object:
        return field.from_bytes(field.to_bytes(value))

    return Row(
        benchmark=f"seal+open field: {what}",
        backend="-",
        measure=US_PER_SEAL_OPEN,
        value=per_op_us(sealed, ctx.sizes),
        baseline=per_op_us(plain, ctx.sizes),
    )


def _file_payload() -> tuple[bytes, bytes]:
    header = json.dumps({"name": "passport-scan.jpg", "type": "image/jpeg"}).encode()
    return header, data.rng(4).randbytes(1024 * 1024)


def _file_in_memory_row(ctx: Context, document: CaseDocument) -> Row:
    """The bytes of a 1 MB file, framed as SealedFileField frames them (a sealed header
    with name and type, then the data), sealed and opened without touching the disk."""
    from waystation.vault import datakeys
    from waystation.vault.fields import associated_data

    sealer = datakeys.sealer_for(document.data_key_id)
    ad = associated_data(document, "file")
    header, blob = _file_payload()

    def sealed() -> object:
        ciphertext = sealer.seal(header + b"\n" + blob, ad)
        head, _, body = sealer.open(ciphertext, ad).partition(b"\n")
        return json.loads(head), body

    def plain() -> object:
        head, _, body = (header + b"\n" + blob).partition(b"\n")
        return json.loads(head), body

    return Row(
        benchmark="seal+open file bytes: 1 MB, in memory",
        backend="-",
        measure=US_PER_SEAL_OPEN,
        value=per_op_us(sealed, ctx.sizes),
        baseline=per_op_us(plain, ctx.sizes),
    )


def _file_stored_row(ctx: Context, document: CaseDocument) -> Row:
    """A 1 MB upload through SealedFileField: sealed, written and fsynced under a random
    name, read back and opened. Baseline: the same bytes written the same durable way
    and read back, unsealed. Shows that the disk, not the cipher, sets the cost."""
    from waystation.durable import write_file_durably
    from waystation.vault.fields import (
        SealedFileContent,
        SealedFileField,
        StoredFile,
        delete_sealed_file,
    )

    field = type(document)._meta.get_field("file")
    if not isinstance(field, SealedFileField):
        raise TypeError("CaseDocument.file is expected to be a SealedFileField")
    header, blob = _file_payload()
    plain_path = ctx.data_dir / "media" / "plain" / "upload.bin"

    doc = cast(Any, document)  # the file field's descriptor takes and gives file objects

    def sealed() -> object:
        doc.file = SealedFileContent(name="passport-scan.jpg", content_type="image/jpeg", data=blob)
        storage_name = field.pre_save(document, add=True)
        document.__dict__["file"] = StoredFile(storage_name)
        opened = doc.file
        delete_sealed_file(storage_name)
        return opened

    plain_path.parent.mkdir(parents=True, exist_ok=True)

    def plain() -> object:
        write_file_durably(plain_path, header + b"\n" + blob)
        head, _, body = plain_path.read_bytes().partition(b"\n")
        plain_path.unlink()
        return json.loads(head), body

    return Row(
        benchmark="seal+open file: 1 MB via SealedFileField (fsync)",
        backend="-",
        measure=US_PER_SEAL_OPEN,
        value=per_op_us(sealed, ctx.sizes),
        baseline=per_op_us(plain, ctx.sizes),
    )


def _raw_sealer_rows(ctx: Context) -> list[Row]:
    """The Sealer alone (format byte, random nonce, AES-256-GCM, checks) against the
    ``cryptography`` AESGCM calls it wraps, with a fresh random nonce each time too."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from waystation.vault.primitives import NONCE_BYTES, Sealer, new_key

    key = new_key()
    sealer = Sealer(key)
    aead = AESGCM(key)
    ad = b"cases_case\x1fabcdefghijklmnop\x1ffull_name"
    rows = []
    for label, plaintext in (("30 bytes", b"x" * 30), ("1 MB", _file_payload()[1])):

        def wrapped(plaintext: bytes = plaintext) -> object:
            return sealer.open(sealer.seal(plaintext, ad), ad)

        def bare(plaintext: bytes = plaintext) -> object:
            nonce = os.urandom(NONCE_BYTES)
            return aead.decrypt(nonce, aead.encrypt(nonce, plaintext, ad), ad)

        rows.append(
            Row(
                benchmark=f"Sealer seal+open vs bare AES-256-GCM: {label}",
                backend="-",
                measure=US_PER_SEAL_OPEN,
                value=per_op_us(wrapped, ctx.sizes),
                baseline=per_op_us(bare, ctx.sizes),
            )
        )
    plaintext = b"x" * 30
    size = len(sealer.seal(plaintext, ad))
    return [
        *rows,
        Row(
            benchmark="sealed size: 30-byte value",
            backend="-",
            measure="bytes stored",
            value=float(size),
            baseline=float(len(plaintext)),
        ),
    ]


# --- blind indexes ---------------------------------------------------------------------------


@benchmark("blind", title="blind indexes", order=20, per_backend=False)
def blind_indexes(ctx: Context) -> list[Row]:
    """Indexes per second for each kind of identifier as typed (normaliser + HMAC)
    against the bare keyed HMAC of the already normalised value."""
    from waystation.vault import blind, normalisers

    r = data.rng(5)
    typed = {
        "phone": [data.phone(r) for _ in range(POOL)],
        "email": [data.email(r) for _ in range(POOL)],
        "handle": [data.handle(r) for _ in range(POOL)],
    }
    names = [data.full_name(r) for _ in range(POOL)]
    rows: list[Row] = []
    for kind, values in typed.items():
        normalise = normalisers.SINGLE_VALUE_NORMALISERS[kind]
        canonical = [normalise(v) or "" for v in values]
        rows.append(
            _rate_row(
                ctx,
                kind=kind,
                what={
                    "phone": "phone (E.164 via phonenumbers)",
                    "email": "e-mail (lower case, IDNA)",
                    "handle": "messenger handle",
                }[kind],
                typed=_cycle_call(functools.partial(blind.blind_index, kind), values),
                canonical=canonical,
                per_call=1.0,
            )
        )
    tokens = [t for n in names for t in normalisers.name_tokens(n)]
    rows.append(
        _rate_row(
            ctx,
            kind="name",
            what="name tokens (Cyrillic transliterated)",
            typed=_cycle_call(blind.blind_name_tokens, names),
            canonical=tokens,
            per_call=len(tokens) / len(names),
        )
    )
    return rows


def _cycle_call(fn: Callable[[str], object], values: list[str]) -> Callable[[], object]:
    source = itertools.cycle(values)
    return lambda: fn(next(source))


def _rate_row(
    ctx: Context,
    *,
    kind: str,
    what: str,
    typed: Callable[[], object],
    canonical: list[str],
    per_call: float,
) -> Row:
    from waystation.vault import runtime
    from waystation.vault.primitives import keyed_digest

    key = runtime.keyring().blind_index_key
    messages = itertools.cycle([f"{kind}\x1f{c}" for c in canonical])

    def bare_hmac() -> object:
        return keyed_digest(key, next(messages).encode()).hex()

    return Row(
        benchmark=f"blind index: {what}",
        backend="-",
        measure=INDEXES_PER_SECOND,
        value=per_call * 1e6 / per_op_us(typed, ctx.sizes),
        baseline=1e6 / per_op_us(bare_hmac, ctx.sizes),
        higher_is_better=True,
    )
