"""An export without the person's consent, or approved by the one who asked for it,
is refused and writes nothing; neither may a caseworker approve, nor anyone download
before approval."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.dossiers.conftest import build
from waystation.audit.models import AuditEntry
from waystation.dossiers.models import ConsentKind, Dossier, DossierState, SigningKey
from waystation.dossiers.services import exports
from waystation.dossiers.services.common import DossierError

pytestmark = pytest.mark.django_db


def _rows() -> dict[str, object]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, state, approved_by_id, exported_at, package_sha256, consent_at "
            "FROM dossiers_dossier ORDER BY id"
        )
        dossiers = cursor.fetchall()
    return {
        "dossiers": dossiers,
        "audit": AuditEntry.objects.count(),
        "keys": SigningKey.objects.count(),
    }


def test_an_export_without_consent_is_refused_and_writes_nothing(staff, case):
    made = build(staff, case)
    # consent taken away (as if never recorded) once the export was asked for
    Dossier.objects.filter(pk=made.dossier.id).update(consent_kind="", consent_at=None)
    before = _rows()

    with pytest.raises(DossierError, match="consent is not recorded"):
        exports.approve_export(user=staff.manager, case_id=case.id, dossier_id=made.dossier.id)

    assert _rows() == before


def test_asking_for_an_export_without_consent_is_refused(staff, case):
    made = build(staff, case)
    Dossier.objects.filter(pk=made.dossier.id).update(
        consent_kind="", consent_at=None, requested_by_id=None
    )
    before = _rows()

    with pytest.raises(DossierError, match="consent is not recorded"):
        exports.request_export(user=staff.caseworker, case_id=case.id, dossier_id=made.dossier.id)

    assert _rows() == before


def test_a_download_after_consent_was_withdrawn_is_refused_and_writes_nothing(staff, case):
    made = build(staff, case)
    exports.approve_export(user=staff.manager, case_id=case.id, dossier_id=made.dossier.id)
    Dossier.objects.filter(pk=made.dossier.id).update(consent_kind="", consent_at=None)
    before = _rows()

    with pytest.raises(DossierError, match="consent is not recorded"):
        exports.download_export(user=staff.caseworker, case_id=case.id, dossier_id=made.dossier.id)

    assert _rows() == before


def test_an_export_approved_by_its_own_requester_is_refused_and_writes_nothing(staff, case):
    made = build(staff, case, by=staff.manager)
    before = _rows()

    with pytest.raises(DossierError, match="another programme manager"):
        exports.approve_export(user=staff.manager, case_id=case.id, dossier_id=made.dossier.id)

    assert _rows() == before
    made.dossier.refresh_from_db()
    assert (
        made.dossier.state == DossierState.DRAFT and made.dossier.consent_kind == ConsentKind.STAFF
    )


def test_a_caseworker_may_not_approve(staff, case):
    made = build(staff, case, by=staff.manager)
    before = _rows()

    with pytest.raises(DossierError, match="does not allow approving"):
        exports.approve_export(user=staff.caseworker, case_id=case.id, dossier_id=made.dossier.id)

    assert _rows() == before


def test_nothing_is_downloaded_before_approval(staff, built):
    before = _rows()

    with pytest.raises(DossierError, match="Only an approved dossier"):
        exports.download_export(
            user=staff.caseworker, case_id=built.case.id, dossier_id=built.dossier.id
        )

    assert _rows() == before


def test_an_approved_dossier_is_not_changed(staff, built):
    from waystation.dossiers.services import dossiers

    exports.approve_export(user=staff.manager, case_id=built.case.id, dossier_id=built.dossier.id)

    with pytest.raises(DossierError, match="no longer a draft"):
        dossiers.save_cover_letter(
            user=staff.caseworker,
            case_id=built.case.id,
            dossier_id=built.dossier.id,
            text="Another letter",
        )
