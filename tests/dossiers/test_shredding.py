"""docs/design.md §2.8 for dossiers: they are sealed under the case's key, so shredding
the case forgets them: the statement, the exhibits and the manifest open no more."""

from __future__ import annotations

import pytest

from tests.dossiers.conftest import build
from tests.dossiers.test_export import exported
from waystation.cases.services.shredding import shred_case
from waystation.dossiers.models import Dossier, Exhibit
from waystation.vault.datakeys import DataKeyShredded

pytestmark = pytest.mark.django_db


def test_shredding_the_case_forgets_its_dossier(staff, case):
    made = build(staff, case)
    exported(staff, made)
    assert Dossier.objects.get(pk=made.dossier.id).manifest

    shred_case(actor_id=None, case=case)

    dossier = Dossier.objects.get(pk=made.dossier.id)
    for read in (
        lambda: dossier.statement,
        lambda: dossier.manifest,
        lambda: Exhibit.objects.filter(dossier=dossier).first().file,
    ):
        with pytest.raises(DataKeyShredded):
            read()
