"""The dossier as one PDF, built in memory (the unsigned PDF never touches the disk).

Order of the pages: a title page, the index, the cover letter, the statement in the
person's language, its translation, the timeline, each exhibit (a photo on its own
page; a PDF's own pages after a page that names it), and the manifest. Every page is
numbered "Page n of N", the appended ones too (a footer laid over each page after
they are put together).

Attached to the PDF (embedded files): ``manifest.json`` and each exhibit's stored file
(``exhibit-01.jpg`` …), so that a recipient can check every digest from the PDF alone.
The manifest holds a digest of each page (:func:`page_digest`) besides those of the
exhibits: `waystation dossier verify` names the page that changed.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from waystation.dossiers.pdf_texts import word

FORMAT = "waystation-dossier"
VERSION = 1
MANIFEST_NAME = "manifest.json"
FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}


@dataclass(frozen=True)
class CustodyStep:
    action: str
    at: datetime
    by: str

    def as_json(self) -> dict[str, str]:
        return {"action": self.action, "at": self.at.isoformat(), "by": self.by}


@dataclass(frozen=True)
class ExhibitContent:
    number: int
    title: str
    content_type: str
    data: bytes
    channel: str
    received_at: datetime
    received_by: str
    received_sha256: str
    received_size: int | None
    stored_sha256: str
    stripped: str  # a key of pdf_texts.WORDS ("stripped.image" …)
    history: list[CustodyStep] = field(default_factory=list)

    def __repr__(self) -> str:  # never print a person into a log or a traceback
        return f"<ExhibitContent {self.number} {len(self.data)} bytes>"

    @property
    def attachment_name(self) -> str:
        return f"exhibit-{self.number:02d}.{_EXTENSIONS.get(self.content_type, 'bin')}"


@dataclass(frozen=True)
class TimelineItem:
    at: str  # ISO date or date and time, as chosen
    label: str
    text: str


@dataclass(frozen=True)
class DossierContent:
    dossier_id: str
    case_id: str
    organisation: str
    purpose: str
    country: str
    language: str
    exported_at: datetime
    statement: str
    statement_language: str
    translation: str
    translator: str
    cover_letter: str
    timeline: list[TimelineItem]
    exhibits: list[ExhibitContent]
    certificate_sha256: str

    def __repr__(self) -> str:
        return f"<DossierContent {self.dossier_id} {len(self.exhibits)} exhibits>"


@dataclass(frozen=True)
class BuiltPdf:
    pdf: bytes
    manifest: dict[str, Any]

    def __repr__(self) -> str:
        return f"<BuiltPdf {len(self.pdf)} bytes>"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def page_digest(page: Any) -> str:
    """What a page shows: its content streams, decoded, and the raw data of each image
    or form it draws (sorted by name). A changed byte in any of them changes this."""
    digest = hashlib.sha256()
    contents = page.get_contents()
    if contents is not None:
        digest.update(contents.get_data())
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    if xobjects is not None:
        xobjects = xobjects.get_object()
        for name in sorted(xobjects):
            digest.update(name.encode())
            digest.update(xobjects[name].get_object().get_data())
    return digest.hexdigest()


class _Pdf(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.set_compression(False)  # text pages stay readable, and their bytes findable
        self.set_auto_page_break(auto=True, margin=18)
        self.add_font("DejaVu", "", str(FONT / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT / "DejaVuSans-Bold.ttf"))
        self.set_font("DejaVu", "", 11)

    def multi_cell(self, *args: Any, **kwargs: Any) -> Any:
        # Each block starts at the left margin, below the one before (fpdf's default
        # leaves the cursor at the right of the block).
        kwargs.setdefault("new_x", "LMARGIN")
        kwargs.setdefault("new_y", "NEXT")
        return super().multi_cell(*args, **kwargs)

    def heading(self, text: str) -> None:
        self.set_font("DejaVu", "B", 15)
        self.multi_cell(0, 9, text)
        self.ln(2)
        self.set_font("DejaVu", "", 11)

    def paragraph(self, text: str, size: int = 11) -> None:
        self.set_font("DejaVu", "", size)
        self.multi_cell(0, size * 0.55, text or "—")
        self.ln(2)


class _Layout:
    """Sections and where they start in the final document: the fpdf page, plus the
    pages of the PDF exhibits appended before it."""

    def __init__(self, pdf: _Pdf) -> None:
        self.pdf = pdf
        self.sections: list[tuple[str, int]] = []
        self.appended_before = 0
        self.inserts: list[tuple[int, bytes]] = []  # after fpdf page n (1-based): a PDF

    def start(self, title: str, *, new_page: bool = True) -> None:
        if new_page:
            self.pdf.add_page()
        self.sections.append((title, self.pdf.page_no() + self.appended_before))

    def append_after_this_page(self, data: bytes, pages: int) -> None:
        self.inserts.append((self.pdf.page_no(), data))
        self.appended_before += pages


def _exhibit_pages(exhibit: ExhibitContent) -> int:
    if exhibit.content_type == "application/pdf":
        return len(PdfReader(io.BytesIO(exhibit.data)).pages)
    return 1


def build_pdf(content: DossierContent) -> BuiltPdf:
    """The unsigned PDF and its manifest, in memory."""
    language = content.language
    pdf = _Pdf()
    layout = _Layout(pdf)
    # Title page
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 22)
    pdf.ln(40)
    pdf.multi_cell(0, 12, word("dossier", language), align="C")
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 13)
    facts = [
        (word("purpose", language), word(f"purpose.{content.purpose}", language)),
        (word("reference", language), content.dossier_id),
        (word("exported", language), content.exported_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    if content.country:
        facts.insert(1, (word("country", language), content.country))
    for label, value in facts:
        pdf.multi_cell(0, 8, f"{label}: {value}", align="C")
    pdf.ln(6)
    pdf.multi_cell(
        0, 8, word("prepared_by", language, organisation=content.organisation), align="C"
    )
    # The index, on page 2: drawn last, when every section's first page is known. The
    # placeholder breaks to a new page itself, where the cover letter starts.
    pdf.add_page()
    pdf.insert_toc_placeholder(lambda p, _outline: _index(p, layout, language), pages=1)

    layout.start(word("cover_letter", language), new_page=False)
    pdf.heading(word("cover_letter", language))
    pdf.paragraph(content.cover_letter)

    original = word(
        "statement_original", language, statement_language=content.statement_language or "—"
    )
    layout.start(original)
    pdf.heading(original)
    pdf.paragraph(content.statement)

    layout.start(word("statement_translation", language))
    pdf.heading(word("statement_translation", language))
    pdf.paragraph(word("translator", language, translator=content.translator or "—"), size=9)
    pdf.paragraph(content.translation)

    layout.start(word("timeline", language))
    pdf.heading(word("timeline", language))
    if not content.timeline:
        pdf.paragraph(word("none", language))
    for item in content.timeline:
        pdf.paragraph(f"{item.at} · {item.label}\n{item.text}", size=10)

    exhibit_first_page: dict[int, int] = {}
    for exhibit in content.exhibits:
        title = f"{word('exhibit', language, number=exhibit.number)}: {exhibit.title}"
        layout.start(title)
        exhibit_first_page[exhibit.number] = layout.sections[-1][1]
        pdf.heading(title)
        if exhibit.content_type == "application/pdf":
            pages = _exhibit_pages(exhibit)
            pdf.paragraph(word("exhibit_pdf_follows", language, pages=pages))
            layout.append_after_this_page(exhibit.data, pages)
        else:
            top = pdf.get_y()
            pdf.image(
                io.BytesIO(exhibit.data),
                x=pdf.l_margin,
                y=top,
                w=pdf.epw,
                h=pdf.h - top - 22,
                keep_aspect_ratio=True,
            )

    layout.start(word("manifest", language))
    pdf.heading(word("manifest", language))
    pdf.paragraph(word("manifest_intro", language), size=9)
    pdf.paragraph(f"{word('signing_certificate', language)}: {content.certificate_sha256}", 8)
    for exhibit in content.exhibits:
        _manifest_entry(pdf, exhibit, language)

    assembled = _assemble(bytes(pdf.output()), layout.inserts)
    _number_pages(assembled, language)
    manifest = _manifest(content, assembled, layout.sections, exhibit_first_page)
    return BuiltPdf(pdf=_finish(assembled, content, manifest), manifest=manifest)


def _index(pdf: FPDF, layout: _Layout, language: str) -> None:
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 9, word("index", language))
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 10)
    for title, page in layout.sections:
        # One line each, so that the index of the largest dossier fits its one page.
        shown = title if len(title) <= 70 else title[:69] + "…"
        pdf.cell(
            0, 6, f"{shown} — {word('on_page', language, page=page)}", new_x="LMARGIN", new_y="NEXT"
        )


def _manifest_entry(pdf: _Pdf, exhibit: ExhibitContent, language: str) -> None:
    pdf.set_font("DejaVu", "B", 10)
    pdf.multi_cell(0, 6, f"{word('exhibit', language, number=exhibit.number)}: {exhibit.title}")
    received = (
        f"{exhibit.received_sha256} ({word('bytes', language, size=exhibit.received_size)})"
        if exhibit.received_sha256
        else word("not_kept", language)
    )
    lines = [
        f"{word('channel', language)}: {word('channel.' + exhibit.channel, language)}",
        f"{word('received', language)}: {exhibit.received_at:%Y-%m-%d %H:%M} UTC "
        f"{word('by', language, who=exhibit.received_by or '—')}",
        f"{word('received', language)} SHA-256: {received}",
        f"{word('stored', language)} SHA-256: {exhibit.stored_sha256} "
        f"({word('bytes', language, size=len(exhibit.data))}, {exhibit.attachment_name})",
        f"{word('stripped', language)}: {word(exhibit.stripped, language)}",
        f"{word('history', language)}:",
        *(
            f"  {step.at:%Y-%m-%d %H:%M:%S} UTC: {word('action.' + step.action, language)} "
            f"{word('by', language, who=step.by or '—')}"
            for step in exhibit.history
        ),
    ]
    pdf.set_font("DejaVu", "", 8)
    for line in lines:
        pdf.multi_cell(0, 4.5, line)
    pdf.ln(3)


def _assemble(main: bytes, inserts: list[tuple[int, bytes]]) -> PdfWriter:
    """The fpdf pages with each PDF exhibit's pages after the page that names it, and a
    "Page n of N" footer over every page."""
    reader = PdfReader(io.BytesIO(main))
    after: dict[int, list[bytes]] = {}
    for page_number, data in inserts:
        after.setdefault(page_number, []).append(data)
    writer = PdfWriter()
    for number, page in enumerate(reader.pages, start=1):
        writer.add_page(page)
        for data in after.get(number, []):
            for appended in PdfReader(io.BytesIO(data)).pages:
                writer.add_page(appended)
    return writer


def _footers(sizes: list[tuple[float, float]], language: str) -> PdfReader:
    footer = FPDF(unit="pt")
    footer.set_compression(False)
    footer.add_font("DejaVu", "", str(FONT / "DejaVuSans.ttf"))
    footer.set_auto_page_break(False)
    for number, (width, height) in enumerate(sizes, start=1):
        footer.add_page(format=(width, height))
        footer.set_font("DejaVu", "", 8)
        footer.set_xy(0, height - 22)
        footer.cell(width, 10, word("page", language, page=number, pages=len(sizes)), align="C")
    return PdfReader(io.BytesIO(bytes(footer.output())))


def _number_pages(writer: PdfWriter, language: str) -> None:
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in writer.pages]
    for page, footer in zip(writer.pages, _footers(sizes, language).pages, strict=True):
        page.merge_page(footer)


def _manifest(
    content: DossierContent,
    writer: PdfWriter,
    sections: list[tuple[str, int]],
    exhibit_first_page: dict[int, int],
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "dossier_id": content.dossier_id,
        "case_id": content.case_id,
        "organisation": content.organisation,
        "purpose": content.purpose,
        "country": content.country,
        "language": content.language,
        "exported_at": content.exported_at.isoformat(),
        "signing_certificate_sha256": content.certificate_sha256,
        "statement": {
            "language": content.statement_language,
            "sha256": sha256(content.statement.encode()),
            "translation_sha256": sha256(content.translation.encode()),
            "translator": content.translator,
        },
        "sections": [{"title": title, "first_page": page} for title, page in sections],
        "pages": [
            {"number": number, "sha256": page_digest(page)}
            for number, page in enumerate(writer.pages, start=1)
        ],
        "exhibits": [
            {
                "number": e.number,
                "title": e.title,
                "content_type": e.content_type,
                "first_page": exhibit_first_page[e.number],
                "attachment": e.attachment_name,
                "channel": e.channel,
                "received": {
                    "at": e.received_at.isoformat(),
                    "by": e.received_by,
                    "sha256": e.received_sha256,
                    "size": e.received_size,
                },
                "stored": {"sha256": e.stored_sha256, "size": len(e.data)},
                "stripped": e.stripped.removeprefix("stripped."),
                "history": [step.as_json() for step in e.history],
            }
            for e in content.exhibits
        ],
    }


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()


def _finish(writer: PdfWriter, content: DossierContent, manifest: dict[str, Any]) -> bytes:
    writer.add_attachment(MANIFEST_NAME, manifest_bytes(manifest))
    for exhibit in content.exhibits:
        writer.add_attachment(exhibit.attachment_name, exhibit.data)
    writer.add_metadata({"/Title": f"Dossier {content.dossier_id}", "/Producer": "Waystation"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


__all__ = ["BuiltPdf", "DossierContent", "ExhibitContent", "build_pdf"]
