"""Uploaded files are judged by content and rebuilt without metadata; hostile, broken and
mislabelled files are refused with a clear message (docs/design.md §2.4, §2.9)."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image
from pypdf import PdfReader

from tests.intake.files import GPS_IFD, jpeg_with_gps, pdf_bytes, png_with_text
from waystation.intake.uploads import UploadRefused, clean_upload


def clean(data: bytes, name: str = "file.jpg", content_type: str = "image/jpeg"):
    return clean_upload(name=name, content_type=content_type, data=data)


def refused(data: bytes, name: str = "file.jpg", content_type: str = "image/jpeg") -> str:
    with pytest.raises(UploadRefused) as caught:
        clean(data, name, content_type)
    return str(caught.value.message)


def test_a_photo_loses_its_gps_and_camera_details():
    original = jpeg_with_gps("MARKER-CAMERA")
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    cleaned = clean(original)
    assert cleaned.content_type == "image/jpeg"
    image = Image.open(io.BytesIO(cleaned.data))
    assert not image.getexif()
    assert not image.getexif().get_ifd(GPS_IFD)
    assert "exif" not in image.info and "comment" not in image.info
    for needle in (b"Exif", b"MARKER", b"PhoneMaker", b"http://ns.adobe.com/xap"):
        assert needle not in cleaned.data


def test_a_photo_is_turned_upright_before_its_orientation_tag_is_dropped():
    cleaned = clean(jpeg_with_gps(size=(64, 48), orientation=6))
    assert Image.open(io.BytesIO(cleaned.data)).size == (48, 64)


def test_png_text_and_xmp_chunks_are_dropped():
    cleaned = clean(png_with_text("MARKER-PNG"), "shot.png", "image/png")
    assert (
        b"MARKER" not in cleaned.data
        and b"tEXt" not in cleaned.data
        and b"iTXt" not in cleaned.data
    )
    assert Image.open(io.BytesIO(cleaned.data)).mode == "RGBA"


def test_webp_is_accepted_and_rebuilt():
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x013B] = "MARKER-WEBP"
    Image.new("RGB", (10, 10)).save(out, "WEBP", exif=exif.tobytes())
    cleaned = clean(out.getvalue(), "x.webp", "image/webp")
    assert b"MARKER" not in cleaned.data and cleaned.content_type == "image/webp"


def test_a_pdf_loses_its_document_metadata():
    original = pdf_bytes("MARKERPDF")
    assert b"MARKERPDF" in original
    cleaned = clean(original, "letter.pdf", "application/pdf")
    assert b"MARKERPDF" not in cleaned.data
    reader = PdfReader(io.BytesIO(cleaned.data))
    assert reader.metadata is None
    assert "/Metadata" not in reader.trailer["/Root"]
    assert len(reader.pages) == 1


def test_a_photo_inside_a_pdf_loses_its_gps():
    cleaned = clean(
        pdf_bytes(with_photo=jpeg_with_gps("MARKER-SCAN")), "scan.pdf", "application/pdf"
    )
    assert b"MARKER-SCAN" not in cleaned.data and b"Exif" not in cleaned.data
    reader = PdfReader(io.BytesIO(cleaned.data))
    pictures = reader.pages[0].images
    assert len(pictures) == 1
    assert not pictures[0].image.getexif()


def test_a_pdf_with_a_script_is_refused():
    assert "scripts or automatic actions" in refused(
        pdf_bytes(javascript=True), "a.pdf", "application/pdf"
    )


def test_an_encrypted_pdf_is_refused():
    assert "password" in refused(pdf_bytes(encrypt=True), "a.pdf", "application/pdf")


def test_an_empty_file_is_refused():
    assert "is empty" in refused(b"")


def test_an_oversized_file_is_refused(settings):
    settings.WAYSTATION_INTAKE_MAX_FILE_BYTES = 500
    assert "too large" in refused(jpeg_with_gps())


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"GIF89a" + b"\0" * 40, "x.gif"),
        (b"just some text", "notes.txt"),
        (b"MZ\x90\x00" + b"\0" * 60, "photo.jpg"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "x.svg"),
    ],
)
def test_files_that_are_not_photos_or_pdfs_are_refused(data, name):
    assert "is not a photo (JPEG, PNG, WebP) or a PDF" in refused(data, name, "")


def test_a_file_that_is_not_what_its_name_says_is_refused():
    message = refused(jpeg_with_gps(), "document.pdf", "application/pdf")
    assert "not what its name says" in message
    assert "not what its name says" in refused(jpeg_with_gps(), "picture.png", "image/png")
    assert "not what its name says" in refused(jpeg_with_gps(), "picture.gif", "image/gif")


def test_a_file_without_a_useful_name_is_judged_by_content():
    assert clean(jpeg_with_gps(), "blob", "application/octet-stream").content_type == "image/jpeg"


def test_a_truncated_photo_is_refused():
    photo = jpeg_with_gps(size=(400, 300))
    assert "damaged or incomplete" in refused(photo[: len(photo) // 2])
    png = png_with_text()
    assert "damaged or incomplete" in refused(png[:60], "x.png", "image/png")


def test_a_truncated_pdf_is_refused():
    pdf = pdf_bytes()
    assert "damaged or incomplete" in refused(pdf[: len(pdf) // 2], "a.pdf", "application/pdf")


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<b>x</b>")
    return out.getvalue()


@pytest.mark.parametrize(
    "hidden",
    [
        pytest.param(lambda: _zip(), id="zip-appended"),
        pytest.param(lambda: pdf_bytes(), id="pdf-appended"),
        pytest.param(lambda: b"<html><script>alert(1)</script></html>", id="html-appended"),
    ],
)
def test_polyglot_photos_are_refused(hidden):
    assert "hidden inside" in refused(jpeg_with_gps() + hidden())


def test_markup_hidden_in_a_photos_metadata_is_refused():
    assert "hidden inside" in refused(jpeg_with_gps("<script>alert(1)</script>"))


def test_a_pdf_with_an_archive_appended_is_refused():
    assert "hidden inside" in refused(pdf_bytes() + _zip(), "a.pdf", "application/pdf")


def test_a_motion_photo_keeps_only_its_picture():
    # Phones append a video (or vendor data) after the picture: dropped, not refused.
    trailer = b"\x00\x00\x00\x18ftypmp42" + b"\x11" * 2000
    cleaned = clean(jpeg_with_gps() + trailer)
    assert b"ftypmp42" not in cleaned.data


def test_a_decompression_bomb_is_refused(settings):
    settings.WAYSTATION_INTAKE_MAX_IMAGE_PIXELS = 10_000
    out = io.BytesIO()
    Image.new("L", (1000, 1000)).save(out, "PNG")  # tiny file, a million pixels
    assert "too large in pixels" in refused(out.getvalue(), "x.png", "image/png")


def test_a_pdf_with_too_many_pages_is_refused(settings):
    settings.WAYSTATION_INTAKE_MAX_PDF_PAGES = 2
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=10, height=10)
    out = io.BytesIO()
    writer.write(out)
    assert "too many pages" in refused(out.getvalue(), "a.pdf", "application/pdf")
