"""Files for upload tests, made in memory: photos with GPS, hostile and broken files."""

from __future__ import annotations

import io
import zlib

from PIL import Image

GPS_IFD = 0x8825
EXIF_IFD = 0x8769


def jpeg_with_gps(
    marker: str = "MARKER-CAMERA", size=(64, 48), orientation: int = 1, color=(200, 30, 30)
) -> bytes:
    image = Image.new("RGB", size, color)
    for x in range(size[0] // 2):
        image.putpixel((x, 0), (0, 0, 255))  # a blue line at the top left, to see rotation
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = marker  # Model
    exif[0x013B] = marker  # Artist
    exif[0x0112] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (43.0, 18.0, 59.0)  # Grozny-ish
    gps[3] = "E"
    gps[4] = (45.0, 41.0, 54.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=marker.encode())
    return out.getvalue()


def png_with_text(marker: str = "MARKER-PNG") -> bytes:
    from PIL import PngImagePlugin

    image = Image.new("RGBA", (20, 10), (10, 200, 10, 128))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", marker)
    info.add_itxt("XML:com.adobe.xmp", f"<x:xmpmeta>{marker}</x:xmpmeta>")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def pdf_bytes(
    marker: str = "MARKER-PDF",
    *,
    javascript: bool = False,
    encrypt: bool = False,
    with_photo: bytes | None = None,
) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    if with_photo is not None:
        # A "scan": the phone's JPEG, EXIF and all, placed in a PDF.
        image = Image.open(io.BytesIO(with_photo))
        buffer = io.BytesIO()
        image.save(buffer, "PDF", resolution=72)
        from pypdf import PdfReader

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
        _embed_original_jpeg(writer, with_photo)
    else:
        writer = PdfWriter()
        writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": marker, "/Title": marker, "/Producer": marker})
    writer.xmp_metadata = None
    if javascript:
        action = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('x')"),
            }
        )
        writer._root_object[NameObject("/OpenAction")] = action
    if encrypt:
        writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _embed_original_jpeg(writer, jpeg: bytes) -> None:
    """Replace the page's picture stream with the original JPEG bytes (EXIF included),
    as scanner apps do."""
    from pypdf.generic import NameObject

    page = writer.pages[0]
    xobjects = page["/Resources"]["/XObject"]
    for name in list(xobjects):
        stream = xobjects[name].get_object()
        stream._data = jpeg  # set_data() only takes Flate streams; this is a test helper
        stream[NameObject("/Filter")] = NameObject("/DCTDecode")


# --- bombs: small files that stand for a great deal of work ------------------------------


def assemble_pdf(objects: list[bytes], *, root: int = 1) -> bytes:
    """A PDF from numbered object bodies (object n is ``objects[n - 1]``) with a classic
    cross-reference table, written by hand so that a test controls every byte."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, root, xref)
    )
    return out.getvalue()


def flate_stream(data: bytes, extra: bytes = b"") -> bytes:
    packed = zlib.compress(data, 9)
    return (
        b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n" % (len(packed), extra)
        + packed
        + b"\nendstream"
    )


def flate_bomb_pdf(decoded_bytes: int = 70_000_000, pages: int = 1) -> bytes:
    """The review's file: a valid PDF whose page content is ``decoded_bytes`` of
    ``q Q`` (save and restore the graphics state: harmless, and a real operator),
    compressed about a thousand times. Every page draws the same stream."""
    kids = b" ".join(b"%d 0 R" % (3 + n) for n in range(pages))
    content = 3 + pages
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
    ]
    for _ in range(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents %d 0 R "
            b"/Resources << >> >>" % content
        )
    objects.append(flate_stream(b"q Q\n" * (decoded_bytes // 4)))
    return assemble_pdf(objects)


def many_streams_pdf(pages: int, bytes_per_page: int) -> bytes:
    """Pages with a content stream each, every one small enough on its own."""
    kids = b" ".join(b"%d 0 R" % (3 + 2 * n) for n in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
    ]
    for n in range(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents %d 0 R "
            b"/Resources << >> >>" % (4 + 2 * n)
        )
        # A different stream per page, so that pypdf cannot reuse one decoded copy.
        objects.append(flate_stream(b"%% page %d\n" % n + b"q Q\n" * (bytes_per_page // 4)))
    return assemble_pdf(objects)


def xref_stream_pdf(*, object_stream_padding: int = 0, xref_padding: int = 0) -> bytes:
    """A one-page PDF of the kind modern writers make: the page tree inside an object
    stream, found through a cross-reference stream. Either stream can be padded with
    whitespace that compresses to almost nothing (a bomb that pypdf has to inflate just
    to find the page)."""
    inner = [
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << >> >>",
    ]
    header, body = b"", b""
    for number, obj in zip((2, 3), inner, strict=True):
        header += b"%d %d " % (number, len(body))
        body += obj + b"\n"
    object_stream = header + body + b" " * object_stream_padding
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    offsets[1] = out.tell()
    out.write(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
    offsets[4] = out.tell()
    out.write(
        b"4 0 obj\n"
        + flate_stream(object_stream, b"/Type /ObjStm /N 2 /First %d " % len(header))
        + b"\nendobj\n"
    )
    offsets[5] = out.tell()
    rows = [
        b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff",
        b"\x01" + offsets[1].to_bytes(4, "big") + b"\x00\x00",
        b"\x02" + (4).to_bytes(4, "big") + b"\x00\x00",
        b"\x02" + (4).to_bytes(4, "big") + b"\x00\x01",
        b"\x01" + offsets[4].to_bytes(4, "big") + b"\x00\x00",
        b"\x01" + offsets[5].to_bytes(4, "big") + b"\x00\x00",
    ]
    table = b"".join(rows) + b"\x00" * xref_padding
    out.write(
        b"5 0 obj\n"
        + flate_stream(table, b"/Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R ")
        + b"\nendobj\n"
    )
    out.write(b"startxref\n%d\n%%%%EOF\n" % offsets[5])
    return out.getvalue()


def pdf_with_pictures(jpegs: list[bytes]) -> bytes:
    """One page drawing each JPEG, given as it is (as a scanner app embeds photos)."""
    names = b" ".join(b"/Im%d %d 0 R" % (n, 5 + n) for n in range(len(jpegs)))
    drawing = b"".join(b"q 10 0 0 10 0 %d cm /Im%d Do Q\n" % (10 * n, n) for n in range(len(jpegs)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
        b"/Resources << /XObject << %s >> >> >>" % names,
        flate_stream(drawing),
    ]
    for jpeg in jpegs:
        width, height = jpeg_size(jpeg)
        objects.append(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
            b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n"
            % (width, height, len(jpeg))
            + jpeg
            + b"\nendstream"
        )
    return assemble_pdf(objects)


def pdf_with_inline_jpeg(jpeg: bytes) -> bytes:
    """A page whose drawing instructions hold a JPEG inline (BI … ID … EI)."""
    width, height = jpeg_size(jpeg)
    drawing = (
        b"q 20 0 0 20 0 0 cm\nBI /W %d /H %d /CS /RGB /BPC 8 /F /DCT ID\n" % (width, height)
        + jpeg
        + b"\nEI\nQ\n"
    )
    return assemble_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
            b"/Resources << >> >>",
            flate_stream(drawing),
        ]
    )


def jpeg_size(jpeg: bytes) -> tuple[int, int]:
    """Width and height from the frame header, as a PDF writer copies them."""
    frame = jpeg.find(b"\xff\xc0")
    return int.from_bytes(jpeg[frame + 7 : frame + 9], "big"), int.from_bytes(
        jpeg[frame + 5 : frame + 7], "big"
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims ``width`` x ``height`` pixels: opening it
    costs nothing, decoding it would cost that many."""
    data = bytearray(jpeg_with_gps(size=(16, 16)))
    frame = data.find(b"\xff\xc0")
    data[frame + 5 : frame + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` x ``height`` pixels."""
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    pixels = zlib.compress(b"\x00" + b"\x00" * 3 * 16)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", pixels)
        + png_chunk(b"IEND", b"")
    )


def png_with_chunk_bomb(kind: bytes, decoded_bytes: int = 100_000_000) -> bytes:
    """A real 4 x 4 PNG carrying a zTXt or iCCP chunk that inflates to
    ``decoded_bytes``."""
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (1, 2, 3)).save(out, "PNG")
    png = out.getvalue()
    packed = zlib.compress(b"\x00" * decoded_bytes, 9)
    body = (b"Comment" if kind == b"zTXt" else b"profile") + b"\x00\x00" + packed
    ihdr_end = 8 + 25  # signature, then IHDR (length, type, 13 bytes, CRC)
    return png[:ihdr_end] + png_chunk(kind, body) + png[ihdr_end:]


def webp_claiming(width: int, height: int) -> bytes:
    """A small lossy WebP whose frame header claims ``width`` x ``height`` pixels."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (9, 9, 9)).save(out, "WEBP", quality=50)
    data = bytearray(out.getvalue())
    start = data.find(b"\x9d\x01\x2a")  # the VP8 key frame's start code
    assert start != -1, "Pillow wrote a WebP without a simple VP8 frame"
    data[start + 3 : start + 7] = width.to_bytes(2, "little") + height.to_bytes(2, "little")
    return bytes(data)
