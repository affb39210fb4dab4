"""``vault/primitives.py`` is the one door to the cryptographic primitives
(docs/design.md §3.3): no other module of ``src/waystation`` imports
``cryptography.hazmat``, read with ``ast`` (nothing is imported or run). And the
primitives keep giving the answers that stored data was made with."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from waystation.vault import primitives

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "waystation"
THE_DOOR = Path("vault") / "primitives.py"


def _imports_hazmat(tree: ast.Module) -> list[int]:
    """The lines that import ``cryptography.hazmat`` or anything under it, in any spelling:
    ``import cryptography.hazmat…``, ``from cryptography.hazmat… import …`` and
    ``from cryptography import hazmat``. Imports inside functions count too."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        if any(n == "cryptography.hazmat" or n.startswith("cryptography.hazmat.") for n in names):
            lines.append(node.lineno)
    return lines


def hazmat_imports(package: Path = PACKAGE) -> list[str]:
    """``path:line`` of every import of ``cryptography.hazmat`` outside the door."""
    found = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if relative == THE_DOOR:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        found += [f"{relative}:{line}" for line in _imports_hazmat(tree)]
    return found


def test_only_the_primitives_module_imports_cryptography_hazmat():
    found = hazmat_imports()
    assert not found, "go through waystation.vault.primitives instead:\n" + "\n".join(found)


def test_the_door_itself_is_seen_by_the_walk():
    # The walk would pass on any tree if it read no file: it does read the door.
    tree = ast.parse((PACKAGE / THE_DOOR).read_text())
    assert _imports_hazmat(tree)


@pytest.mark.parametrize(
    "line",
    [
        "from cryptography.hazmat.primitives.ciphers.aead import AESGCM",
        "import cryptography.hazmat.primitives.hashes",
        "from cryptography import hazmat",
        "def f():\n    from cryptography.hazmat.primitives import hashes",
    ],
)
def test_the_walk_finds_an_import_anywhere_else(tmp_path, line):
    (tmp_path / "vault").mkdir()
    (tmp_path / "vault" / "primitives.py").write_text("from cryptography.hazmat import x\n")
    (tmp_path / "vault" / "boxes.py").write_text("from cryptography.exceptions import InvalidTag\n")
    (tmp_path / "intake").mkdir()
    (tmp_path / "intake" / "views.py").write_text(f"import os\n{line}\n")
    assert hazmat_imports(tmp_path) == [f"intake/views.py:{line.count(chr(10)) + 2}"]


# --- known answers: these values are in stored data and must never change ----------------


def test_derive_key_gives_the_key_it_always_gave():
    assert primitives.derive_key(bytes(32), "waystation/test/v1").hex() == (
        "99870704e893334f943e9b64982c9f663422f7dec4ee20ddf0b14ff4e8368a24"
    )


def test_keyed_hash64_is_keyed_blake2b():
    # Story signatures and their LSH bands are stored: the hash under them is fixed.
    assert primitives.keyed_hash64(bytes(range(32)), b"a few words").hex() == "5df32249a7fe9ba1"
    with pytest.raises(ValueError):
        primitives.keyed_hash64(b"short", b"a few words")


def test_seal_once_opens_once_and_not_altered():
    key = primitives.new_key()
    body = primitives.seal_once(key, b"x", b"ad")
    assert len(body) == primitives.NONCE_BYTES + 1 + primitives.TAG_BYTES
    assert primitives.open_once(key, body, b"ad") == b"x"
    for bad in (body[:-1], body[:10], b"", bytes([body[0] ^ 1]) + body[1:]):
        with pytest.raises(primitives.OpenFailed):
            primitives.open_once(key, bad, b"ad")
    with pytest.raises(primitives.OpenFailed):
        primitives.open_once(key, body, b"other")


def test_x25519_both_sides_share_one_secret():
    a, b = primitives.x25519_private_key(), primitives.x25519_private_key()
    a_public, b_public = primitives.x25519_public_key(a), primitives.x25519_public_key(b)
    assert primitives.x25519_shared_secret(a, b_public) == primitives.x25519_shared_secret(
        b, a_public
    )
    assert primitives.x25519_private_key(a) == a
    with pytest.raises(ValueError):  # the all-zero point gives the all-zero secret
        primitives.x25519_shared_secret(a, bytes(32))
