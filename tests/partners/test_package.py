"""The package is real age: the stock ``age`` command opens it with the partner's key,
no other key opens it, and it holds only the parts that were chosen."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile

import pytest

from tests.partners.conftest import draft, with_consent
from waystation.cases.services.documents import attach_document
from waystation.partners.services import package, referrals
from waystation.vault import age

pytestmark = pytest.mark.django_db

MARK = "Vqzmarker"
AGE = shutil.which("age")


def _send(staff, case, keyed, **parts):
    referral = referrals.create_referral(
        user=staff.caseworker, case_id=case.id, draft=draft(keyed.partner, **parts)
    )
    with_consent(staff, case, referral)
    referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=referral.id)
    return referral, referrals.download_package(
        user=staff.caseworker, case_id=case.id, referral_id=referral.id
    )


@pytest.mark.skipif(AGE is None, reason="needs the age command (Debian's age)")
def test_the_age_command_opens_the_package_with_the_partner_s_key(staff, case, keyed, tmp_path):
    _referral, sent = _send(staff, case, keyed, summary=f"Summary {MARK}")
    packed = tmp_path / sent.filename
    packed.write_bytes(sent.data)

    opened = subprocess.run(
        [AGE, "-d", "-i", str(keyed.key_file), str(packed)], capture_output=True, check=True
    ).stdout

    with zipfile.ZipFile(io.BytesIO(opened)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "waystation-referral"
    assert manifest["version"] == 1
    assert manifest["parts"] == {"summary": f"Summary {MARK}"}
    assert manifest["partner"]["name"] == keyed.partner.name


@pytest.mark.skipif(AGE is None, reason="needs the age command (Debian's age)")
def test_no_other_key_opens_the_package(staff, case, keyed, tmp_path):
    _referral, sent = _send(staff, case, keyed)
    packed = tmp_path / sent.filename
    packed.write_bytes(sent.data)
    stranger = tmp_path / "stranger.agekey"
    stranger.write_text(age.new_identity().secret + "\n")

    refused = subprocess.run(
        [AGE, "-d", "-i", str(stranger), str(packed)], capture_output=True, check=False
    )

    assert refused.returncode != 0
    assert refused.stdout == b""
    with pytest.raises(age.AgeError):
        age.decrypt(sent.data, [age.new_identity().secret])


def test_the_package_holds_only_the_chosen_parts(staff, case, keyed):
    attach_document(
        actor_id=None,
        case=case,
        name=f"passport-{MARK}.pdf",
        content_type="application/pdf",
        data=b"%PDF-1.4 chosen file",
    )
    attach_document(
        actor_id=None,
        case=case,
        name="other.pdf",
        content_type="application/pdf",
        data=f"%PDF-1.4 unchosen {MARK}file".encode(),
    )
    from waystation.cases.services.documents import case_files

    chosen_file = case_files(case=case)[0]
    _referral, sent = _send(
        staff,
        case,
        keyed,
        parts=["summary", "files"],
        summary="The chosen summary",
        contact_channel="signal",
        contact_handle=f"+7 900 {MARK}",
        documents=f"passport {MARK}docs",
        relocation_needs=f"needs {MARK}needs",
        file_ids=[chosen_file.id],
    )

    opened = age.decrypt(sent.data, [keyed.identity.secret])

    archive = zipfile.ZipFile(io.BytesIO(opened))
    for name in archive.namelist():  # each entry decompressed: deflate would hide it
        assert MARK not in name
        assert MARK.encode() not in archive.read(name), name
    assert b"The chosen summary" in archive.read("manifest.json")  # the search can find
    parsed = package.read_package(opened)
    assert set(parsed.manifest["parts"]) == {"summary"}
    assert [f.data for f in parsed.files] == [b"%PDF-1.4 chosen file"]
    assert parsed.files[0].name == "file-1.pdf"  # never the name staff gave it


def test_what_was_sent_is_kept_sealed_with_its_digest(staff, case, keyed):
    import hashlib

    referral, sent = _send(staff, case, keyed)
    referral.refresh_from_db()
    assert referral.state == "sent"
    assert referral.package_sha256 == hashlib.sha256(sent.data).hexdigest()
    assert referral.data_key_id == case.data_key_id
    from waystation.partners.models import ReferralEvent

    keys = set(ReferralEvent.objects.filter(case=case).values_list("data_key_id", flat=True))
    assert keys == {case.data_key_id}  # shredding the case forgets every step too
    kept = referral.sent_copy
    assert kept.data == age.decrypt(sent.data, [keyed.identity.secret])


def test_text_typed_in_a_part_not_chosen_is_not_stored(staff, case, keyed):
    referral = referrals.create_referral(
        user=staff.caseworker,
        case_id=case.id,
        draft=draft(
            keyed.partner,
            parts=["summary"],
            documents=f"passport {MARK}",
            relocation_needs=f"needs {MARK}",
            contact_channel="signal",
            contact_handle=f"+7 {MARK}",
        ),
    )
    from waystation.partners.models import Referral

    stored = Referral.objects.get(pk=referral.pk)
    assert stored.parts == ["summary"]
    assert set(stored.content) == {"summary"}
    assert MARK not in repr(stored.content)
