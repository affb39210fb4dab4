"""A hostile zip inside a package that opens is refused with a clear message, never a
500, and nothing is stored (security review, M4 and M5)."""

from __future__ import annotations

import io
import json
import struct
import zipfile

import pytest

from tests.partners.test_bad_input import _manifest, _refused, _zip, ours, sender
from waystation.partners.services import package
from waystation.vault import age

__all__ = ["ours", "sender"]

pytestmark = pytest.mark.django_db

DAMAGED = "damaged or uses features not taken"


def _good() -> bytearray:
    return bytearray(_zip({"manifest.json": json.dumps(_manifest()).encode()}))


def _stored() -> bytearray:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("manifest.json", json.dumps(_manifest()).encode())
    return bytearray(buffer.getvalue())


def _local_data_at() -> int:
    return 30 + len("manifest.json")


def test_a_corrupt_deflate_stream(ours, sender):
    z = _good()
    z[_local_data_at() + 5] ^= 0xFF
    _refused(age.encrypt(bytes(z), [ours]), sender, "damaged|not valid JSON")


def test_a_wrong_crc(ours, sender):
    z = _stored()
    z[_local_data_at() + 3] ^= 0x01
    _refused(age.encrypt(bytes(z), [ours]), sender, DAMAGED)


def test_the_encryption_flag(ours, sender):
    z = _good()
    z[6] |= 1
    z[z.rfind(b"PK\x01\x02") + 8] |= 1
    _refused(age.encrypt(bytes(z), [ours]), sender, DAMAGED)


def test_an_unknown_compression_method(ours, sender):
    z = _good()
    struct.pack_into("<H", z, 8, 99)
    struct.pack_into("<H", z, z.rfind(b"PK\x01\x02") + 10, 99)
    _refused(age.encrypt(bytes(z), [ours]), sender, DAMAGED)


def test_a_local_header_naming_another_file(ours, sender):
    z = _good()
    z[30] = ord("M")
    _refused(age.encrypt(bytes(z), [ours]), sender, DAMAGED)


def test_a_manifest_nested_a_hundred_thousand_deep(ours, sender):
    deep = b'{"format": "waystation-referral", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    _refused(age.encrypt(_zip({"manifest.json": deep}), [ours]), sender, DAMAGED)


def _with_folders(count: int, *, zip64: bool) -> bytes:
    """manifest.json and ``count`` entries for the folder files/, the directory repeated
    (and the end records rewritten) without building ``count`` ZipInfo objects."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("manifest.json", json.dumps(_manifest()).encode())
        archive.writestr(zipfile.ZipInfo("files/"), b"")
    z = buffer.getvalue()
    eocd = z.rfind(b"PK\x05\x06")
    cd_at = struct.unpack_from("<I", z, eocd + 16)[0]
    cd = z[cd_at:eocd]
    second = cd.find(b"PK\x01\x02", 4)
    directory = cd[:second] + cd[second:] * count
    total = count + 1
    if not zip64:
        end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, total, total, len(directory), cd_at, 0)
        return z[:cd_at] + directory + end
    record = struct.pack(
        "<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, total, total, len(directory), cd_at
    )
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, cd_at + len(directory), 1)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return z[:cd_at] + directory + record + locator + end


def test_a_million_folder_entries_are_refused_before_parsing(ours, sender):
    _refused(
        age.encrypt(_with_folders(1_050_000, zip64=True), [ours]), sender, "more than 20 files"
    )


def test_too_many_entries_without_zip64(ours, sender):
    _refused(age.encrypt(_with_folders(60, zip64=False), [ours]), sender, "more than 20 files")


def test_the_folder_entry_at_most_once(ours, sender):
    _refused(age.encrypt(_with_folders(2, zip64=False), [ours]), sender, "more than once")


def test_a_directory_over_64_kb_is_refused(ours, sender):
    entries = {"files/" + letter * 40_000: b"x" for letter in "ab"}
    with pytest.raises(package.PartnerError, match="directory is too large"):
        package.read_package(_zip({"manifest.json": json.dumps(_manifest()).encode(), **entries}))


def test_one_folder_entry_is_still_taken(ours, sender):
    opened = package.read_package(_with_folders(1, zip64=False))
    assert opened.files == []
