"""The referral package, version 1 (docs/referrals.md is the specification partners
read): ``age(zip(manifest.json, files/…))``.

Built here from the parts staff chose and nothing else; read here with every limit
checked before anything is stored (docs/design.md §2.9): the size of the whole, of the
manifest and of each file, the number of files, the names inside the zip (no ``..``, no
absolute or backslashed path, nothing outside ``files/``), and the manifest's shape.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from waystation.accounts.templatetags.staff_format import local_number
from waystation.partners.models import Part
from waystation.partners.services.common import PartnerError

FORMAT = "waystation-referral"
VERSION = 1
MANIFEST = "manifest.json"
FILES_DIR = "files/"

MAX_PACKAGE_BYTES = 60 * 1024 * 1024  # the age file as uploaded
MAX_MANIFEST_BYTES = 256 * 1024
MAX_FILES = 20
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 50 * 1024 * 1024
MAX_TEXT = 20_000

_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_TEXT_PARTS = (Part.SUMMARY, Part.DOCUMENTS, Part.RELOCATION_NEEDS)
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}


@dataclass(frozen=True)
class PackageFile:
    name: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"<PackageFile {self.name} {len(self.data)} bytes>"


@dataclass(frozen=True)
class Package:
    manifest: dict[str, Any]
    files: list[PackageFile]

    def __repr__(self) -> str:
        return f"<Package {self.manifest.get('referral_id')!r} {len(self.files)} files>"


def file_name(number: int, content_type: str) -> str:
    """The name a file travels under: its number, never the name staff gave it (which
    may name the person)."""
    return f"file-{number}{_EXTENSIONS.get(content_type, '.bin')}"


def manifest_for(
    *,
    referral_id: str,
    created_at: datetime,
    sender: dict[str, str],
    partner: dict[str, str],
    purpose: str,
    urgency: int,
    country: str,
    parts: dict[str, Any],
    files: list[PackageFile],
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "referral_id": referral_id,
        "created_at": created_at.isoformat(),
        "sender": sender,
        "partner": partner,
        "purpose": purpose,
        "urgency": urgency,
        "country": country,
        "parts": parts,
        "files": [
            {
                "name": f.name,
                "content_type": f.content_type,
                "size": len(f.data),
                "sha256": hashlib.sha256(f.data).hexdigest(),
            }
            for f in files
        ],
    }


def zip_package(manifest: dict[str, Any], files: list[PackageFile]) -> bytes:
    """The zip, deterministic apart from its contents (fixed timestamps, sorted)."""
    buffer = io.BytesIO()
    stamp = (1980, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(MANIFEST, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, json.dumps(manifest, ensure_ascii=False, indent=2).encode())
        for f in files:
            info = zipfile.ZipInfo(FILES_DIR + f.name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, f.data)
    return buffer.getvalue()


# --- reading --------------------------------------------------------------------------


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, what: str) -> bytes:
    # The sizes in a zip's directory are claims: read no more than the limit whatever
    # they say, so a decompression bomb stops at the limit.
    with archive.open(info) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise PartnerError(
            _("%(what)s is larger than %(kb)s KB: the package is refused.")
            % {"what": what, "kb": local_number(limit // 1024)}
        )
    return data


def _check_name(name: str) -> None:
    if (
        name.startswith(("/", "\\"))
        or "\\" in name
        or ".." in name.split("/")
        or ":" in name
        or "\x00" in name
    ):
        raise PartnerError(_("The package holds a file with a path outside it: it is refused."))
    if name != MANIFEST and not (
        name.startswith(FILES_DIR) and _FILE_NAME.fullmatch(name[len(FILES_DIR) :])
    ):
        raise PartnerError(
            _("The package holds something other than manifest.json and files/: it is refused.")
        )


def _text(value: Any, field: str, limit: int = MAX_TEXT) -> str:
    """``field``: where the value is in the manifest, as the format names it (its JSON
    keys, not translated)."""
    if not isinstance(value, str):
        raise PartnerError(_("The manifest's %(field)s is not text.") % {"field": field})
    if len(value) > limit:
        raise PartnerError(
            _("The manifest's %(field)s is longer than %(limit)s characters.")
            % {"field": field, "limit": local_number(limit)}
        )
    return value


def check_manifest(manifest: Any) -> dict[str, Any]:
    if not isinstance(manifest, dict):
        raise PartnerError(_("The manifest is not a JSON object."))
    if manifest.get("format") != FORMAT:
        raise PartnerError(
            _("This is not a referral package (format is not %(format)s).")
            % {"format": repr(FORMAT)}
        )
    if manifest.get("version") != VERSION:
        # Not echoed: a message shows nothing the package chose.
        raise PartnerError(_("This package is of a version other than 1; only 1 is read."))
    _text(manifest.get("referral_id"), "referral_id", 64)
    _text(manifest.get("purpose", ""), "purpose", 2_000)
    # Required: a missing urgency read as "within days" could leave someone in danger
    # now at the back of the queue. type(), not isinstance(): True is an int, and 2.0
    # == 2 would pass "in".
    if "urgency" not in manifest:
        raise PartnerError(_("The manifest has no urgency: it must say 1, 2 or 3."))
    urgency = manifest["urgency"]
    if type(urgency) is not int or urgency not in (1, 2, 3):
        raise PartnerError(_("The manifest's urgency is 1, 2 or 3."))
    country = manifest.get("country", "")
    if not isinstance(country, str) or not re.fullmatch(r"(|[A-Z]{2})", country):
        raise PartnerError(_("The manifest's country is a two-letter code."))
    sender = manifest.get("sender", {})
    if not isinstance(sender, dict):
        raise PartnerError(_("The manifest's sender is not an object."))
    parts = manifest.get("parts")
    if not isinstance(parts, dict):
        raise PartnerError(_("The manifest has no parts."))
    unknown = set(parts) - set(Part.values)
    if unknown:
        raise PartnerError(_("The manifest names a part this version does not have."))
    for part in _TEXT_PARTS:
        if part in parts:
            _text(parts[part], f"parts.{part}")
    if Part.CONTACT_ROUTE in parts:
        route = parts[Part.CONTACT_ROUTE]
        if not isinstance(route, dict):
            raise PartnerError(_("The manifest's contact route is not an object."))
        _text(route.get("channel", ""), f"parts.{Part.CONTACT_ROUTE}.channel", 20)
        _text(route.get("handle", ""), f"parts.{Part.CONTACT_ROUTE}.handle", 200)
    files = manifest.get("files", [])
    if not isinstance(files, list) or len(files) > MAX_FILES:
        raise PartnerError(
            _("The manifest lists more than %(count)s files, or not a list.") % {"count": MAX_FILES}
        )
    for entry in files:
        if not isinstance(entry, dict):
            raise PartnerError(_("A file in the manifest is not an object."))
        name = _text(entry.get("name"), "files[].name", 100)
        if not _FILE_NAME.fullmatch(name):
            raise PartnerError(
                _("A file in the manifest has a name with a path or odd characters.")
            )
        if not isinstance(entry.get("size"), int) or isinstance(entry.get("size"), bool):
            raise PartnerError(_("A file in the manifest has no size."))
        if not isinstance(entry.get("sha256"), str) or not _SHA256.fullmatch(entry["sha256"]):
            raise PartnerError(_("A file in the manifest has no SHA-256."))
        _text(entry.get("content_type", ""), "files[].content_type", 100)
    return manifest


# What reading a hostile zip may raise, past the checks: a corrupt deflate stream, a
# wrong CRC, the encryption flag, an unknown compression method, a local header whose
# name differs from the directory's, a manifest nested deep enough to exhaust the stack.
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    RuntimeError,  # RecursionError is one
    NotImplementedError,
    EOFError,
    ValueError,  # json.JSONDecodeError and UnicodeDecodeError are ones
    OSError,
    struct.error,
)
MAX_DIRECTORY_BYTES = 64 * 1024
MAX_ENTRIES = MAX_FILES + 2  # the manifest, the files, and perhaps the folder files/
_EOCD = struct.Struct("<4sHHHHIIH")
_ZIP64_LOCATOR = struct.Struct("<4sIQI")
_ZIP64_EOCD = struct.Struct("<4sQHHIIQQQQ")


def _directory_claims(data: bytes) -> tuple[int, int]:
    """The number of entries and the size of the central directory, as the end records
    say, read the way ``zipfile`` finds them: before it parses (and holds in memory)
    a directory of a million entries."""
    size = _EOCD.size
    if len(data) >= size and data[-size : -size + 4] == b"PK\x05\x06" and data[-2:] == b"\0\0":
        at = len(data) - size
    else:
        at = data.rfind(b"PK\x05\x06", max(0, len(data) - size - 65_535))
        if at < 0 or at + size > len(data):
            raise PartnerError(_("The package opened, but is not a zip: it is refused."))
    eocd = _EOCD.unpack_from(data, at)
    entries, directory = eocd[4], eocd[5]
    locator_at = at - _ZIP64_LOCATOR.size
    if locator_at >= 0 and data[locator_at : locator_at + 4] == b"PK\x06\x07":
        # zipfile reads the zip64 record at the offset the locator gives, or (older
        # versions) just before the locator: take the larger claims of either.
        offset = _ZIP64_LOCATOR.unpack_from(data, locator_at)[2]
        for record_at in (offset, locator_at - _ZIP64_EOCD.size):
            if 0 <= record_at <= len(data) - _ZIP64_EOCD.size and (
                data[record_at : record_at + 4] == b"PK\x06\x06"
            ):
                record64 = _ZIP64_EOCD.unpack_from(data, record_at)
                entries, directory = max(entries, record64[7]), max(directory, record64[8])
    return entries, directory


def _too_many_files() -> str:
    return _("The package holds more than %(count)s files: it is refused.") % {"count": MAX_FILES}


def read_package(data: bytes) -> Package:
    """The manifest and files of an opened (decrypted) package, checked, or PartnerError.
    The zip's end records are read first (how many entries, how large a directory);
    whatever reading the zip then raises is a refusal, never a 500."""
    entries, directory = _directory_claims(data)
    if entries > MAX_ENTRIES:
        raise PartnerError(_too_many_files())
    if directory > MAX_DIRECTORY_BYTES:
        raise PartnerError(_("The package's zip directory is too large: it is refused."))
    try:
        return _read_package(data)
    except PartnerError:
        raise
    except _READ_ERRORS as exc:
        raise PartnerError(
            _(
                "The package opened, but its zip or manifest is damaged or uses features not "
                "taken (encryption, an unknown compression): it is refused."
            )
        ) from exc


def _read_package(data: bytes) -> Package:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise PartnerError(_("The package opened, but is not a zip: it is refused.")) from exc
    with archive:
        # A zip made with `zip -r` may name the folder itself: nothing to read in it.
        infos = [i for i in archive.infolist() if i.filename != FILES_DIR]
        if len(archive.infolist()) - len(infos) > 1:
            raise PartnerError(_("The package names the folder files/ more than once: refused."))
        if len(infos) > MAX_FILES + 1:
            raise PartnerError(_too_many_files())
        names = [i.filename for i in infos]
        for name in names:
            _check_name(name)
        if len(set(names)) != len(names):
            raise PartnerError(_("The package holds the same name twice: it is refused."))
        by_name = {i.filename: i for i in infos}
        if MANIFEST not in by_name:
            raise PartnerError(_("The package has no manifest.json."))
        raw = _read_capped(archive, by_name[MANIFEST], MAX_MANIFEST_BYTES, _("The manifest"))
        try:
            manifest = check_manifest(json.loads(raw.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PartnerError(
                _("The manifest is not valid JSON: the package is refused.")
            ) from exc
        listed = {entry["name"]: entry for entry in manifest.get("files", [])}
        present = {n[len(FILES_DIR) :] for n in names if n != MANIFEST}
        if set(listed) != present:
            raise PartnerError(_("The files in the package are not those its manifest lists."))
        files = []
        total = 0
        for name, entry in listed.items():
            content = _read_capped(
                archive,
                by_name[FILES_DIR + name],
                MAX_FILE_BYTES,
                _("File %(name)s") % {"name": name},
            )
            total += len(content)
            if total > MAX_TOTAL_BYTES:
                raise PartnerError(_("The package's files are too large together: it is refused."))
            if (
                len(content) != entry["size"]
                or hashlib.sha256(content).hexdigest() != entry["sha256"]
            ):
                raise PartnerError(
                    _("File %(name)s is not the one the manifest describes.") % {"name": name}
                )
            files.append(
                PackageFile(name=name, content_type=entry.get("content_type", ""), data=content)
            )
    return Package(manifest=manifest, files=files)
