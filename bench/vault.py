"""The vault's own costs, independent of the database: sealing fields, blind indexes."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable

from bench import data
from bench.harness import Context, Row, benchmark, per_op_us

US_PER_SEAL_OPEN = "µs per seal+open"
INDEXES_PER_SECOND = "indexes/s"
POOL = 1_000


@benchmark("fields", title="seal+open per field", per_backend=False)
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

    document = CaseDocument(case_id=case.id, data_key_id=data_key.id)
    rows.append(_file_in_memory_row(ctx, document))
    rows.append(_file_stored_row(ctx, document))
    rows.extend(_raw_sealer_rows(ctx))
    return rows


def _field_row(ctx: Context, case: object, name: str, value: object, what: str) -> Row:
    from waystation.vault.fields import _SealedBinaryField

    field = type(case)._meta.get_field(name)  # type: ignore[attr-defined]
    assert isinstance(field, _SealedBinaryField)

    def sealed() -> object:
        setattr(case, name, value)  # type check, as a service assigning a value
        case.__dict__[name] = field.pre_save(case, add=True)  # type: ignore[arg-type]
        return getattr(case, name)  # the descriptor opens it

    def plain() -> object:
        return field.from_bytes(field.to_bytes(value))

    assert sealed() == value
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


def _file_in_memory_row(ctx: Context, document: object) -> Row:
    """The bytes of a 1 MB file, framed as SealedFileField frames them (a sealed header
    with name and type, then the data), sealed and opened without touching the disk."""
    from waystation.vault import datakeys
    from waystation.vault.fields import associated_data

    sealer = datakeys.sealer_for(document.data_key_id)  # type: ignore[attr-defined]
    ad = associated_data(document, "file")  # type: ignore[arg-type]
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


def _file_stored_row(ctx: Context, document: object) -> Row:
    """A 1 MB upload through SealedFileField: sealed, written and fsynced under a random
    name, read back and opened. Baseline: the same bytes written the same durable way
    and read back, unsealed. Shows that the disk, not the cipher, sets the cost."""
    from waystation.vault.fields import (
        SealedFileContent,
        SealedFileField,
        StoredFile,
        _write_durably,
        delete_sealed_file,
    )

    field = type(document)._meta.get_field("file")  # type: ignore[attr-defined]
    assert isinstance(field, SealedFileField)
    header, blob = _file_payload()
    plain_path = ctx.data_dir / "media" / "plain" / "upload.bin"

    def sealed() -> object:
        document.file = SealedFileContent(  # type: ignore[attr-defined]
            name="passport-scan.jpg", content_type="image/jpeg", data=blob
        )
        storage_name = field.pre_save(document, add=True)  # type: ignore[arg-type]
        document.__dict__["file"] = StoredFile(storage_name)
        opened = document.file  # type: ignore[attr-defined]
        delete_sealed_file(storage_name)
        return opened

    def plain() -> object:
        _write_durably(plain_path, header + b"\n" + blob)
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
    plaintext = b"x" * 30

    def wrapped() -> object:
        return sealer.open(sealer.seal(plaintext, ad), ad)

    def bare() -> object:
        nonce = os.urandom(NONCE_BYTES)
        return aead.decrypt(nonce, aead.encrypt(nonce, plaintext, ad), ad)

    size = len(sealer.seal(plaintext, ad))
    return [
        Row(
            benchmark="Sealer (AES-256-GCM) seal+open: 30 bytes",
            backend="-",
            measure=US_PER_SEAL_OPEN,
            value=per_op_us(wrapped, ctx.sizes),
            baseline=per_op_us(bare, ctx.sizes),
        ),
        Row(
            benchmark="sealed size: 30-byte value",
            backend="-",
            measure="bytes stored",
            value=float(size),
            baseline=float(len(plaintext)),
        ),
    ]


# --- blind indexes ---------------------------------------------------------------------------


@benchmark("blind", title="blind indexes", per_backend=False)
def blind_indexes(ctx: Context) -> list[Row]:
    """Indexes per second for each kind of identifier as typed (normaliser + HMAC)
    against the bare keyed HMAC of the already normalised value."""
    from waystation.vault import blind, normalisers, runtime

    r = data.rng(5)
    typed = {
        "phone": [data.phone(r) for _ in range(POOL)],
        "email": [data.email(r) for _ in range(POOL)],
        "handle": [data.handle(r) for _ in range(POOL)],
    }
    names = [data.full_name(r) for _ in range(POOL)]
    rows = []
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
                typed=_cycle_call(lambda v, k=kind: blind.blind_index(k, v), values),
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
    assert runtime.is_unsealed()
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
