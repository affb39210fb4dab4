"""An evidence dossier of 40 pages with 20 photos, through the real ``dossiers`` code.

- ``dossiers``: 20 photos (1024 by 768 JPEGs of noise, about the weight of a phone photo
  scaled down), a statement and its translation long enough for the PDF to reach 40
  pages, a cover letter and a timeline. Timed, median of a few rounds:

  - the PDF built, signed (PAdES, pyHanko) and sealed to an age key, in memory, against
    the same PDF built alone, unsigned and unsealed (the baseline);
  - the whole export through the services, once per round (the exhibits opened under
    the case's key, the PDF built, signed and sealed, the custody events and audit
    entries, the move to *exported*), against the same baseline.

Quick mode runs 2 rounds instead of 5; the dossier stays 40 pages and 20 photos, the
figure the issue asks.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.cases import _intake, _staff, population
from bench.harness import Context, Row, benchmark, progress

PHOTOS = 20
PAGES = 40
_PARAGRAPH = (
    "They came to the flat at night, took my phone and read my messages. For three days "
    "I was held in a basement with other men and asked for the names of my friends. "
)


def _median_ms(fn: Callable[[], object], rounds: int) -> float:
    fn()  # warm-up: imports, fonts parsed once, the data key unwrapped once
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _photo(seed: int) -> bytes:
    from PIL import Image

    noise = Image.effect_noise((1024, 768), 40 + seed % 20)
    image = Image.merge("RGB", (noise, noise.rotate(90, expand=False), noise))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _text(paragraphs: int) -> str:
    return "\n\n".join(f"{n}. {_PARAGRAPH * 3}" for n in range(1, paragraphs + 1))


def _content(photos: list[bytes], paragraphs: int, certificate_sha256: str) -> Any:
    import hashlib

    from waystation.dossiers.services import document

    now = datetime.now(UTC)
    return document.DossierContent(
        dossier_id="benchdossier0000",
        case_id="benchcase0000000",
        organisation="Bench",
        purpose="asylum",
        country="CA",
        language="en",
        exported_at=now,
        statement=_text(paragraphs),
        statement_language="en",
        translation=_text(paragraphs),
        translator="Bench Translator",
        cover_letter=_text(2),
        timeline=[document.TimelineItem("2026-01-01", "Note", "An entry") for _ in range(10)],
        exhibits=[
            document.ExhibitContent(
                number=n,
                title=f"Photo {n}",
                content_type="image/jpeg",
                data=data,
                channel="case_file",
                received_at=now,
                received_by="bench",
                received_sha256="",
                received_size=None,
                stored_sha256=hashlib.sha256(data).hexdigest(),
                stripped="stripped.intake",
                history=[document.CustodyStep("added", now, "bench")],
            )
            for n, data in enumerate(photos, 1)
        ],
        certificate_sha256=certificate_sha256,
    )


def _paragraphs_for_40_pages(photos: list[bytes]) -> int:
    """How many paragraphs of statement (and as many of translation) make 40 pages: two
    builds to learn the pages a paragraph takes, then up from the estimate."""
    from pypdf import PdfReader

    from waystation.dossiers.services import document

    def pages(paragraphs: int) -> int:
        built = document.build_pdf(_content(photos, paragraphs, ""))
        return len(PdfReader(io.BytesIO(built.pdf)).pages)

    few, many = pages(2), pages(12)
    per_paragraph = max((many - few) / 10, 0.05)
    paragraphs = max(2, 12 + int((PAGES - many) / per_paragraph))
    while paragraphs > 2 and pages(paragraphs) > PAGES:
        paragraphs -= 1
    while pages(paragraphs) < PAGES:
        paragraphs += 1
    return paragraphs


@benchmark(
    "dossiers", title="an evidence dossier of 40 pages, 20 photos", order=79, per_backend=False
)
def dossiers_section(ctx: Context) -> list[Row]:
    from django.utils import timezone
    from pypdf import PdfReader

    from waystation.accounts.roles import Role
    from waystation.cases.services import access, opening
    from waystation.cases.services.documents import attach_document
    from waystation.dossiers.services import document, dossiers, exports, signing
    from waystation.vault import age, primitives

    rounds = 5 if ctx.sizes.cases >= 1_000 else 2
    progress(f"making {PHOTOS} photos and a statement long enough for {PAGES} pages")
    photos = [_photo(n) for n in range(PHOTOS)]
    paragraphs = _paragraphs_for_40_pages(photos)
    # In memory: the key and certificate need no vault.
    key_pem = primitives.new_signing_key()
    certificate_pem = signing.self_issued_certificate(key_pem)
    fingerprint = signing.fingerprint_of(primitives.certificate_ders(certificate_pem)[0])
    content = _content(photos, paragraphs, fingerprint)
    recipient = age.new_identity().recipient
    pages = len(PdfReader(io.BytesIO(document.build_pdf(content).pdf)).pages)

    def build_only() -> object:
        return document.build_pdf(content)

    def build_sign_seal() -> object:
        built = document.build_pdf(content)
        signed = signing.sign(built.pdf, private_key_pem=key_pem, certificate_pem=certificate_pem)
        return exports.seal_for(
            [recipient], content.dossier_id, signed, document.manifest_bytes(built.manifest)
        )

    build_ms = _median_ms(build_only, rounds)
    signed_ms = _median_ms(build_sign_seal, rounds)

    progress(f"building {rounds + 1} dossiers of the same exhibits through the services")
    caseworker = _staff("bench.dos.caseworker", Role.CASEWORKER)
    approver = _staff("bench.dos.approver", Role.PROGRAMME_MANAGER)
    team = access.create_team(actor_id=None, name="Dossier team", supervisor_id=approver.pk)
    case = opening.open_case_manually(
        actor_id=None,
        intake=_intake(population(1).requests[0]),
        team_id=team.pk,
        assignee_ids=[caseworker.pk],
    )
    files = [
        attach_document(
            actor_id=None, case=case, name=f"photo-{n}.jpg", content_type="image/jpeg", data=data
        )
        for n, data in enumerate(photos, 1)
    ]
    approved = []
    for _ in range(rounds + 1):
        made = dossiers.create_dossier(
            user=caseworker, case_id=case.id, purpose="asylum", country="CA"
        )
        dossiers.save_statement(
            user=caseworker,
            case_id=case.id,
            dossier_id=made.id,
            given=dossiers.StatementInput(
                statement=content.statement,
                statement_language="en",
                translation=content.translation,
                translator="Bench Translator",
            ),
        )
        dossiers.save_cover_letter(
            user=caseworker, case_id=case.id, dossier_id=made.id, text=content.cover_letter
        )
        for n, file in enumerate(files, 1):
            dossiers.add_case_file(
                user=caseworker,
                case_id=case.id,
                dossier_id=made.id,
                document_id=file.id,
                title=f"Photo {n}",
            )
        exports.choose_recipient(
            user=caseworker, case_id=case.id, dossier_id=made.id, age_key=recipient
        )
        exports.record_consent(
            user=caseworker,
            case_id=case.id,
            dossier_id=made.id,
            given_by="the person themself",
            given_at=timezone.now() - timedelta(hours=1),
            how="a call",
        )
        exports.request_export(user=caseworker, case_id=case.id, dossier_id=made.id)
        approved.append(
            exports.approve_export(user=approver, case_id=case.id, dossier_id=made.id).id
        )

    def export_once() -> object:
        return exports.download_export(user=caseworker, case_id=case.id, dossier_id=approved.pop())

    export_ms = _median_ms(export_once, rounds)
    return [
        Row(
            benchmark=f"dossier of {pages} pages, {PHOTOS} photos: built, signed (PAdES), sealed "
            "(age) (baseline: the same PDF unsigned, unsealed)",
            backend="-",
            measure="ms",
            value=signed_ms,
            baseline=build_ms,
        ),
        Row(
            benchmark=f"dossier exported once, {pages} pages: + exhibits opened, custody, audit "
            "(baseline: the PDF unsigned)",
            backend="-",
            measure="ms",
            value=export_ms,
            baseline=build_ms,
        ),
    ]
