"""Files for upload tests, made in memory: photos with GPS, hostile and broken files."""

from __future__ import annotations

import io

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
