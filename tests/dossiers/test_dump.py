"""docs/design.md §2.1 for dossiers: a copy of the database (the raw SQLite file, or a
plain ``pg_dump``) and of the disk (the media folder, and every temporary file made
meanwhile) holds no statement, translation, translator, exhibit name, cover letter or
consent note, in any form; and the exported PDF, unencrypted, is on none of them. The
operational fields it does hold are found by the same search."""

from __future__ import annotations

import io
import secrets
import string
import tempfile
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tests.cases.conftest import new_case
from tests.dossiers.conftest import photo, small_pdf
from tests.factories import make_staff
from tests.vault.plaintext import database_bytes, find_forms, read_tree
from waystation.accounts.roles import Role
from waystation.cases.services.access import create_team
from waystation.cases.services.documents import attach_document
from waystation.dossiers.selectors import dossiers as selectors
from waystation.dossiers.services import dossiers, exports
from waystation.vault import age


def _engine(name: str) -> object:
    return pytest.param(
        name,
        marks=pytest.mark.skipif(
            connection.vendor != name,
            reason=f"this check is for {name}; the suite runs on {connection.vendor}",
        ),
    )


ENGINES = [_engine("sqlite"), _engine("postgresql")]


def _token() -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))


def _seed(tmp_path: Path) -> tuple[dict[str, str], list[str], bytes]:
    token = _token()
    markers = [
        f"Statement detained{token}",
        f"Заявление{token}",
        f"Translation beaten{token}",
        f"Translator Olga{token}",
        f"Exhibit bruises{token}",
        f"Exhibit certificate{token}",
        f"Cover letter board{token}",
        f"Consent mother{token}",
    ]
    manager = make_staff(Role.PROGRAMME_MANAGER, "manager")
    caseworker = make_staff(Role.CASEWORKER, "caseworker")
    team = create_team(actor_id=None, name="T", supervisor_id=manager.pk)
    case = new_case(team, [caseworker], full_name="Dump Person")
    ids = {"case_id": case.id}
    dossier = dossiers.create_dossier(
        user=caseworker, case_id=case.id, purpose="asylum", country="CA", language="en"
    )
    ids["dossier_id"] = dossier.id
    dossiers.save_statement(
        user=caseworker,
        case_id=case.id,
        dossier_id=dossier.id,
        given=dossiers.StatementInput(
            statement=f"{markers[0]} {markers[1]}",
            statement_language="ru",
            translation=markers[2],
            translator=markers[3],
        ),
    )
    dossiers.save_cover_letter(
        user=caseworker, case_id=case.id, dossier_id=dossier.id, text=markers[6]
    )
    document = attach_document(
        actor_id=None, case=case, name="photo.jpg", content_type="image/jpeg", data=photo()
    )
    dossiers.add_case_file(
        user=caseworker,
        case_id=case.id,
        dossier_id=dossier.id,
        document_id=document.id,
        title=markers[4],
    )
    uploaded = dossiers.upload_exhibit(
        user=caseworker,
        case_id=case.id,
        dossier_id=dossier.id,
        title=markers[5],
        name="certificate.pdf",
        content_type="application/pdf",
        data=small_pdf(),
    )
    ids["stored_sha256"] = uploaded.stored_sha256
    recipient = age.new_identity()
    exports.choose_recipient(
        user=caseworker, case_id=case.id, dossier_id=dossier.id, age_key=recipient.recipient
    )
    exports.record_consent(
        user=caseworker,
        case_id=case.id,
        dossier_id=dossier.id,
        given_by=markers[7],
        given_at=timezone.now() - timedelta(hours=1),
        how="phone",
    )
    exports.request_export(user=caseworker, case_id=case.id, dossier_id=dossier.id)
    exports.approve_export(user=manager, case_id=case.id, dossier_id=dossier.id)
    sent = exports.download_export(user=caseworker, case_id=case.id, dossier_id=dossier.id)
    ids["package_sha256"] = sent.sha256
    ids["action"] = "dossiers.exported"
    # Opened too, as the pages would: an opening must leave nothing behind.
    selectors.open_dossier(user=caseworker, case_id=case.id, dossier_id=dossier.id)
    selectors.open_exhibit(
        user=caseworker, case_id=case.id, dossier_id=dossier.id, exhibit_id=uploaded.id
    )
    with zipfile.ZipFile(io.BytesIO(age.decrypt(sent.data, [recipient.secret]))) as archive:
        pdf = archive.read(f"dossier-{dossier.id}.pdf")
    return ids, markers, pdf


@pytest.fixture
def temporary_files(tmp_path: Path, monkeypatch) -> Path:
    """Every temporary file made by this process, in a folder the search reads."""
    folder = tmp_path / "temporary"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _disk(tmp_path: Path) -> bytes:
    assert Path(settings.MEDIA_ROOT).is_relative_to(tmp_path)
    return read_tree(tmp_path)


@pytest.mark.parametrize("engine", ENGINES)
def test_database_dump_contains_no_dossier_marker(
    engine, transactional_db, tmp_path, temporary_files
):
    assert connection.vendor == engine
    _ids, markers, _pdf = _seed(tmp_path)
    haystack = database_bytes() + _disk(tmp_path)

    leaks = find_forms(haystack, markers)

    assert leaks == [], f"dossiers' sealed data is readable in the stored bytes: {leaks[:10]}"


@pytest.mark.parametrize("engine", ENGINES)
def test_the_unencrypted_pdf_never_touches_the_disk(
    engine, transactional_db, tmp_path, temporary_files
):
    assert connection.vendor == engine
    _ids, _markers, pdf = _seed(tmp_path)
    haystack = database_bytes() + _disk(tmp_path)

    assert pdf.startswith(b"%PDF-")
    pieces = [pdf[at : at + 64] for at in range(0, len(pdf) - 64, len(pdf) // 16)]
    assert [p for p in pieces if p in haystack] == []
    assert b"%PDF-" not in _disk(tmp_path)


@pytest.mark.parametrize("engine", ENGINES)
def test_dossier_dump_search_finds_what_is_stored_in_clear(engine, transactional_db, tmp_path):
    """Not vacuous: the ids, the digests and the audit action are in the same bytes."""
    assert connection.vendor == engine
    ids, _markers, _pdf = _seed(tmp_path)
    database = database_bytes()

    for operational in ids.values():
        assert find_forms(database, [operational]), f"{operational!r} must be in the dump"
