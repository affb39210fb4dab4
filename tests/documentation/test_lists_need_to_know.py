"""Who is on a list is for documentation officers: a programme manager reads a list's
counts and its imports, never an entry's name, phone or handle, and nothing is
decrypted or audited for them; an officer's every opening is audited. The lists code
never reaches into cases: a list holds what an outside source published or sent."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.documentation.lists_world import add, new_list
from tests.factories import make_staff, signed_in_client
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.documentation.selectors import lists as selectors

pytestmark = pytest.mark.django_db

SECRETS = ("Qzvrahim", "Xolotova", "912 777 31", "qz_hidden_handle")


@pytest.fixture
def world():
    officer = make_staff(Role.DOCUMENTATION, "egor")
    manager = make_staff(Role.PROGRAMME_MANAGER, "boris")
    hotline = new_list(officer, "Hotline", kind="hotline")
    add(officer, hotline, "Qzvrahim Xolotova", phone="+7 912 777 31 00", handle="@qz_hidden_handle")
    add(officer, hotline, "Adam Dudayev", birth_year="1985")
    return officer, manager, hotline


def test_a_programme_manager_sees_the_counts_and_no_entry(world):
    _officer, manager, hotline = world
    before = AuditEntry.objects.filter(action="person_list.read").count()
    page = selectors.list_page(user=manager, list_id=hotline.id)
    assert (page.opened, page.entries, page.page, page.size) == (False, [], None, 2)
    html = signed_in_client(manager).get(f"/documentation/lists/{hotline.id}/").content.decode()
    assert "Hotline" in html
    assert not [s for s in SECRETS if s in html]
    assert AuditEntry.objects.filter(action="person_list.read").count() == before


def test_a_documentation_officer_opens_the_entries_and_each_opening_is_audited(world):
    officer, _manager, hotline = world
    client = signed_in_client(officer)
    for _ in range(2):
        html = client.get(f"/documentation/lists/{hotline.id}/").content.decode()
        assert all(s in html for s in SECRETS)
    assert AuditEntry.objects.filter(action="person_list.read", object_id=hotline.id).count() == 2


LISTS_CODE = [
    "documentation/services/lists.py",
    "documentation/services/imports.py",
    "documentation/services/matching.py",
    "documentation/selectors/lists.py",
    "documentation/views/lists.py",
    "documentation/forms/lists.py",
]


def test_the_lists_code_never_reads_a_case():
    """Nothing copies a case's person into a list: the lists code imports nothing of
    cases, intake or people, so an entry is only what was typed or imported."""
    source = Path(__file__).resolve().parents[2] / "src" / "waystation"
    reached = set()
    for name in LISTS_CODE:
        for node in ast.walk(ast.parse((source / name).read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                reached.add(node.module)
            elif isinstance(node, ast.Import):
                reached.update(a.name for a in node.names)
    assert reached, "the modules were read"
    assert [
        m
        for m in reached
        if m.startswith(("waystation.cases", "waystation.intake", "waystation.relocation"))
    ] == []
