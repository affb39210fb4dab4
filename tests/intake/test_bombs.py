"""Small files that stand for a great deal of work are refused after a little of it
(issue 11, finding 3).

The review's file: a valid one-page PDF whose content stream is 70 MB of ``q Q``,
compressed to 72 KB, took 8.1 s of worker time to be refused; eight at once kept the
public side down for about 44 s. Now every stream pypdf decodes while we rebuild is
capped as it is read (8 MiB one, 32 MiB all), pictures are counted in pixels before they
are decoded, and the rebuild runs in a child process with limits on CPU time, memory and
wall-clock time.

No test here measures time. Each shows *what stopped the file*: the refusal's reason
(its message, on the real form) and how much was inflated, counted by a spy on zlib
itself rather than by the code under test.
"""

from __future__ import annotations

import dataclasses
import io
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin
from pypdf import PdfReader

from tests.intake import files
from tests.intake.test_abuse import stored_files
from tests.intake.test_public_pages import submit
from waystation.intake import conf, rebuild, uploads
from waystation.intake.models import Attachment, HelpRequest

UNPACKED = "is too large once unpacked"
MiB = 1024 * 1024


def limits(**overrides: int) -> rebuild.RebuildLimits:
    """The configured limits, as the child gets them, with some changed."""
    return dataclasses.replace(uploads.rebuild_limits(conf.limits()), **overrides)


def refusal(kind: str, data: bytes, **overrides: int) -> rebuild.Refused:
    with pytest.raises(rebuild.Refused) as caught:
        rebuild.rebuild(kind, data, limits(**overrides))
    return caught.value


class InflateSpy:
    """Stands in for the zlib module inside a decoder and adds up every byte that the
    real zlib inflates there."""

    def __init__(self) -> None:
        self.inflated = 0

    def decompressobj(self, *args, **kwargs):
        real = zlib.decompressobj(*args, **kwargs)
        spy = self

        class Counting:
            def decompress(self, data, max_length=0):
                out = real.decompress(data, max_length)
                spy.inflated += len(out)
                return out

            def __getattr__(self, name):
                return getattr(real, name)

        return Counting()

    def __getattr__(self, name):
        return getattr(zlib, name)


@pytest.fixture
def pypdf_inflated(monkeypatch) -> InflateSpy:
    import pypdf.filters

    spy = InflateSpy()
    monkeypatch.setattr(pypdf.filters, "zlib", spy)
    return spy


# --- the review's PDF, through the public form ---------------------------------------------


@pytest.mark.django_db
def test_a_flate_bomb_pdf_is_refused_through_the_form_and_nothing_is_stored(
    public_client, intake_key
):
    bomb = files.flate_bomb_pdf(70_000_000)
    assert len(bomb) < 100_000
    response = submit(
        public_client, files=[SimpleUploadedFile("letter.pdf", bomb, "application/pdf")]
    )
    html = response.content.decode()
    assert response.status_code == 400
    # The decode cap's own message: not "damaged", not "too complex" (the child's limits).
    assert "The PDF “letter.pdf” is too large once unpacked" in html
    assert 'class="codename"' not in html
    assert HelpRequest.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files() == []


# --- every stream pypdf decodes is capped as it is read ------------------------------------


def test_the_flate_bomb_is_stopped_after_8_mib_of_its_70_mb(pypdf_inflated):
    refused = refusal("PDF", files.flate_bomb_pdf(70_000_000))
    assert refused.reason == rebuild.TOO_LARGE_UNPACKED
    assert refused.decoded <= 8 * MiB
    assert pypdf_inflated.inflated <= 8 * MiB  # zlib itself stopped there


def test_a_lower_stream_cap_stops_it_sooner(pypdf_inflated):
    refused = refusal("PDF", files.flate_bomb_pdf(70_000_000), max_pdf_stream_bytes=MiB)
    assert refused.reason == rebuild.TOO_LARGE_UNPACKED
    assert pypdf_inflated.inflated <= MiB


def test_streams_each_within_the_cap_are_capped_together(pypdf_inflated):
    # 20 pages of 4 MB each: no stream passes 8 MiB, the document passes 32 MiB.
    refused = refusal("PDF", files.many_streams_pdf(pages=20, bytes_per_page=4_000_000))
    assert refused.reason == rebuild.TOO_LARGE_UNPACKED
    assert pypdf_inflated.inflated <= 32 * MiB
    # Three such pages are a document like any other.
    rebuilt = rebuild.rebuild("PDF", files.many_streams_pdf(3, 4_000_000), limits())
    assert len(PdfReader(io.BytesIO(rebuilt)).pages) == 3


def test_an_object_stream_bomb_is_capped(pypdf_inflated):
    # pypdf inflates the object stream just to find the page tree.
    assert len(PdfReader(io.BytesIO(files.xref_stream_pdf())).pages) == 1
    rebuild.rebuild("PDF", files.xref_stream_pdf(), limits())
    refused = refusal("PDF", files.xref_stream_pdf(object_stream_padding=70_000_000))
    assert refused.reason == rebuild.TOO_LARGE_UNPACKED
    assert pypdf_inflated.inflated <= 8 * MiB + 4096  # the cross-reference stream too


def test_a_cross_reference_stream_bomb_is_capped(pypdf_inflated):
    refused = refusal("PDF", files.xref_stream_pdf(xref_padding=70_000_000))
    assert refused.reason == rebuild.TOO_LARGE_UNPACKED
    assert pypdf_inflated.inflated <= 8 * MiB


# --- pictures: counted in pixels before they are decoded ----------------------------------


def test_a_picture_in_a_pdf_claiming_too_many_pixels_is_refused_before_decoding():
    # 16 x 16 pixels of data under a header claiming 8000 x 8000: decoding would fail
    # as "damaged"; the pixel count refuses it first.
    refused = refusal("PDF", files.pdf_with_pictures([files.jpeg_claiming(8000, 8000)]))
    assert refused.reason == rebuild.TOO_LARGE_UNPACKED
    assert refused.pixels == 64_000_000
    huge = refusal("PDF", files.pdf_with_pictures([files.jpeg_claiming(60000, 60000)]))
    assert huge.reason == rebuild.TOO_LARGE_UNPACKED


def test_the_pictures_of_a_pdf_are_counted_together():
    photo = files.jpeg_with_gps("MARKER-SCAN", size=(20, 20))
    two = rebuild.rebuild(
        "PDF", files.pdf_with_pictures([photo, photo]), limits(max_pdf_pixels=1000)
    )
    assert b"MARKER-SCAN" not in two and b"Exif" not in two
    for picture in PdfReader(io.BytesIO(two)).pages[0].images:
        assert picture.image.size == (20, 20) and not picture.image.getexif()
    refused = refusal("PDF", files.pdf_with_pictures([photo] * 3), max_pdf_pixels=1000)
    assert refused.reason == rebuild.TOO_LARGE_UNPACKED
    assert refused.pixels == 1200


@pytest.mark.django_db
def test_an_inline_jpeg_in_a_pdf_is_refused(public_client, intake_key):
    # It sits inside the page's drawing instructions with its EXIF, where it cannot be
    # swapped for a clean copy.
    pdf = files.pdf_with_inline_jpeg(files.jpeg_with_gps(size=(8, 8)))
    response = submit(public_client, files=[SimpleUploadedFile("scan.pdf", pdf, "application/pdf")])
    assert response.status_code == 400
    assert "holds a picture we cannot clean" in response.content.decode()
    assert HelpRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("kind", "claiming"),
    [
        ("JPEG", files.jpeg_claiming),
        ("PNG", files.png_claiming),
        ("WEBP", files.webp_claiming),
    ],
)
def test_a_photo_claiming_too_many_pixels_is_refused_before_decoding(kind, claiming):
    # 64 MP: past our 40 MP, short of Pillow's own bomb limit (89 MP), so it is our
    # check, before decoding, that refuses it (decoding would find the data cut short).
    refused = refusal(kind, claiming(8000, 8000))
    assert refused.reason == rebuild.TOO_MANY_PIXELS
    assert refused.pixels == 64_000_000
    huge = refusal(kind, claiming(16000, 16000))  # past Pillow's limit as well
    assert huge.reason == rebuild.TOO_MANY_PIXELS


def test_a_huge_jpeg_gets_the_pixels_message():
    with pytest.raises(uploads.UploadRefused) as caught:
        uploads.clean_upload(
            name="IMG.jpg", content_type="image/jpeg", data=files.jpeg_claiming(60000, 60000)
        )
    assert "is too large in pixels" in str(caught.value.message)


@pytest.mark.parametrize("chunk", [b"zTXt", b"iCCP"])
def test_a_png_text_or_colour_profile_bomb_is_stopped_by_pillows_cap(monkeypatch, chunk):
    spy = InflateSpy()
    monkeypatch.setattr(PngImagePlugin, "zlib", spy)
    bomb = files.png_with_chunk_bomb(chunk, decoded_bytes=100_000_000)
    assert len(bomb) < 200_000
    refused = refusal("PNG", bomb)
    assert refused.reason == rebuild.DAMAGED
    assert "MAX_TEXT_CHUNK" in str(refused.__cause__)
    assert spy.inflated <= PngImagePlugin.MAX_TEXT_CHUNK
    # The same chunk, of a sane size, is simply dropped.
    clean = rebuild.rebuild("PNG", files.png_with_chunk_bomb(chunk, 1000), limits())
    assert chunk not in clean
    assert Image.open(io.BytesIO(clean)).size == (4, 4)


# --- the child process's own limits ----------------------------------------------------


def photo_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("p.jpg", files.jpeg_with_gps(), "image/jpeg")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "limit", ["REBUILD_CPU_SECONDS", "REBUILD_MEMORY_BYTES", "REBUILD_TIMEOUT_SECONDS"]
)
def test_a_child_stopped_by_its_limits_is_a_refusal(
    public_client, public_settings, intake_key, limit
):
    # 0 refuses everything, like every other limit: the child is killed at once (CPU),
    # cannot start (memory) or is not waited for (wall clock). Each is a clear refusal,
    # and nothing is stored.
    setattr(public_settings, f"WAYSTATION_INTAKE_{limit}", 0)
    response = submit(public_client, files=[photo_upload()])
    assert response.status_code == 400
    assert "is too complex for us to check" in response.content.decode()
    assert HelpRequest.objects.count() == 0
    assert stored_files() == []


def deflated_zeros(size: int) -> bytes:
    packer = zlib.compressobj(9)
    block = b"\x00" * MiB
    return b"".join(packer.compress(block) for _ in range(size // MiB)) + packer.flush()


@pytest.mark.django_db
def test_the_memory_limit_stops_what_the_decode_cap_was_told_to_allow(
    public_client, public_settings, intake_key
):
    # With the decode caps raised out of the way, a 512 MB stream runs into the child's
    # address-space limit instead, and that is a refusal too.
    public_settings.WAYSTATION_INTAKE_MAX_PDF_STREAM_BYTES = 2**31
    public_settings.WAYSTATION_INTAKE_MAX_PDF_DECODED_BYTES = 2**31
    public_settings.WAYSTATION_INTAKE_REBUILD_MEMORY_BYTES = 384 * MiB
    packed = deflated_zeros(512 * MiB)
    bomb = files.assemble_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 9 9] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed)
            + packed
            + b"\nendstream",
        ]
    )
    response = submit(public_client, files=[SimpleUploadedFile("big.pdf", bomb, "application/pdf")])
    assert response.status_code == 400
    assert "is too complex for us to check" in response.content.decode()
    assert stored_files() == []
