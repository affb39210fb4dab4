"""The shape of the import graph of ``src/waystation``, read with ``ast`` (nothing is
imported or run):

- the apps sit in layers, and an app imports only from the layers below it (the order
  is ``LAYERS``; see each app's ``__init__`` for why it sits where it does);
- an app uses another app only through that app's declared face, the ``FACE`` of its
  ``__init__.py``: a module of the face, and from it only the names the face lists
  (``"*"``: every public name). A private name (``_x``) is never part of a face;
- no module imports itself back, however far round: there is no import cycle among the
  modules of ``src`` at module level (imports inside functions do not count for cycles,
  they count for everything else).

Migrations are left out: they name other apps' models by design and run no code of them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
ROOT = "waystation"

# Lowest first. An app may import from the apps before it, never from those after it.
LAYERS = [
    "audit",
    "vault",
    "accounts",
    "web",
    "intake",
    "cases",
    "relocation",
    "partners",
    "documentation",
    "dossiers",
    "api",
    "backups",
    "status",
    "home",
    "demo",
]
# Project modules that are no app: shared helpers any app may use (they import no app)...
BASE = {"waystation.ids", "waystation.durable", "waystation.logging_config"}
# ... the part the two settings modules share: only they import it (apps read
# django.conf.settings), and it imports nothing of Waystation, since the public process
# loads it (docs/design.md §2.3) ...
SETTINGS_COMMON = "waystation.settings_common"
# ... and the entry points that wire the apps together (nothing imports them).
ENTRY = {
    "waystation.settings",
    "waystation.settings_public",
    "waystation.urls",
    "waystation.wsgi",
    "waystation.asgi",
    "waystation.cli",
}
SETTINGS = {"waystation.settings", "waystation.settings_public"}


@dataclass(frozen=True)
class Use:
    """One name of one module, used by another module (``line`` in its file)."""

    importer: str
    line: int
    module: str  # the module the name is taken from
    name: str | None  # None: the module itself, with no name of it used
    top_level: bool  # executed on import (not inside a function or TYPE_CHECKING)


def module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(src: Path = SRC) -> dict[str, Path]:
    return {
        module_name(p, src): p
        for p in sorted((src / ROOT).rglob("*.py"))
        if "migrations" not in p.parts
    }


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement, and whether it runs when the module is imported."""

    def walk(node: ast.AST, top: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, top
            else:
                deferred = isinstance(
                    child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                ) or (isinstance(child, ast.If) and _is_type_checking(child))
                yield from walk(child, top and not deferred)

    yield from walk(tree, True)


def _attributes_of(tree: ast.Module, alias: str) -> set[str]:
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == alias
    }


def uses(modules: dict[str, Path]) -> Iterator[Use]:
    """Every use of a ``waystation`` module or name, resolved to the module that holds it.
    ``from package import module`` is the module; ``alias.name`` afterwards is its name."""
    for importer, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
        for node, top in _imports(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == ROOT:
                        yield Use(importer, node.lineno, alias.name, None, top)
                continue
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            if base.split(".")[0] != ROOT:
                continue
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in modules:
                    names = _attributes_of(tree, alias.asname or alias.name)
                    if not names:
                        yield Use(importer, node.lineno, submodule, None, top)
                    for name in sorted(names):
                        yield Use(importer, node.lineno, submodule, name, top)
                else:
                    yield Use(importer, node.lineno, base, alias.name, top)


def app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


Face = dict[str, str | list[str]]


def faces(modules: dict[str, Path]) -> dict[str, Face]:
    """Each app's ``FACE`` (``{module under the app: [names] or "*"}``), read from its
    ``__init__.py`` without importing it."""
    found: dict[str, Face] = {}
    for app in LAYERS:
        tree = ast.parse(modules[f"{ROOT}.{app}"].read_text())
        face: Face = {}
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AnnAssign):
                targets = [node.target]
            value = getattr(node, "value", None)
            if value is not None and any(
                isinstance(t, ast.Name) and t.id == "FACE" for t in targets
            ):
                face = ast.literal_eval(value)
        found[app] = face
    return found


def layering_faults(modules: dict[str, Path]) -> list[str]:
    face_of = faces(modules)
    faults = []
    for use in uses(modules):
        if use.module in ENTRY:
            faults.append(f"{use.importer}:{use.line} imports the entry point {use.module}")
            continue
        if use.module == SETTINGS_COMMON and use.importer not in SETTINGS:
            faults.append(f"{use.importer}:{use.line} imports {use.module}: for the settings only")
            continue
        if use.importer == SETTINGS_COMMON:
            faults.append(f"{use.importer}:{use.line} imports {use.module}: it must import none")
            continue
        if use.importer in ENTRY:
            continue
        mine, theirs = app_of(use.importer), app_of(use.module)
        what = f"{use.module}.{use.name}" if use.name else use.module
        if use.importer in BASE and theirs is not None:
            faults.append(f"{use.importer}:{use.line} is shared by every app but imports {what}")
            continue
        if theirs is None or mine == theirs:
            continue
        assert mine is not None, use.importer
        if LAYERS.index(theirs) > LAYERS.index(mine):
            faults.append(
                f"{use.importer}:{use.line} imports {what}: upward, {mine} sits below {theirs}"
            )
            continue
        local = use.module.removeprefix(f"{ROOT}.{theirs}").lstrip(".")
        face = face_of[theirs]
        if use.name is not None and use.name.startswith("_"):
            faults.append(f"{use.importer}:{use.line} uses {what}, private to {theirs}")
        elif local not in face:
            faults.append(f"{use.importer}:{use.line} imports {what}: not in {theirs}'s face")
        elif use.name is not None and face[local] != "*" and use.name not in face[local]:
            faults.append(f"{use.importer}:{use.line} uses {what}: not in {theirs}'s face")
    return faults


def cycles(modules: dict[str, Path]) -> list[list[str]]:
    """The import cycles among ``modules`` through imports that run on import; importing
    ``a.b.c`` runs ``a`` and ``a.b`` first, so those count as imported too."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for use in uses(modules):
        if not use.top_level:
            continue
        parts = use.module.split(".")
        for n in range(1, len(parts) + 1):
            target = ".".join(parts[:n])
            if target in modules and target != use.importer:
                graph[use.importer].add(target)
    # Tarjan's strongly connected components: every component of more than one module
    # is a cycle (a module importing itself is not possible by name).
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


# --- the tests ---------------------------------------------------------------------------


def test_every_app_has_a_layer_and_a_face():
    modules = source_files()
    apps = {m.split(".")[1] for m in modules if m.count(".") >= 1 and m.split(".")[1] in LAYERS}
    packages = {p.name for p in (SRC / ROOT).iterdir() if (p / "apps.py").exists()}
    assert packages <= set(LAYERS), f"apps without a layer: {sorted(packages - set(LAYERS))}"
    assert apps == set(LAYERS)
    face_of = faces(modules)
    for app in LAYERS:
        assert face_of[app] or app == "demo", f"{app} declares no FACE in its __init__"
        for local in face_of[app]:
            assert f"{ROOT}.{app}.{local}" in modules, f"{app}'s face names {local}: no such module"


def test_apps_import_only_downward_and_only_through_faces():
    faults = layering_faults(source_files())
    assert not faults, "\n".join(faults)


def test_there_is_no_import_cycle_in_src():
    found = cycles(source_files())
    assert not found, "\n".join(" <-> ".join(cycle) for cycle in found)


# --- the checks check: they find the faults they are for ------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    """A small source tree: each app's ``__init__`` holds only its FACE."""
    for app in LAYERS:
        files.setdefault(f"{app}/__init__.py", "FACE = {}\n")
    for name, text in files.items():
        path = tmp_path / ROOT / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / ROOT / "__init__.py").write_text("")
    return source_files(tmp_path)


def test_the_checks_catch_an_upward_import_a_private_name_and_a_name_off_the_face(tmp_path):
    modules = _tree(
        tmp_path,
        {
            "cases/__init__.py": 'FACE = {"selectors.visibility": ["visible_cases"]}\n',
            "cases/selectors/__init__.py": "",
            "cases/selectors/visibility.py": "def visible_cases(): ...\ndef _rule(): ...\n",
            "cases/models.py": "class Assignment: ...\n",
            "intake/screening.py": "from waystation.cases.selectors import visibility\n",
            "relocation/services.py": (
                "from waystation.cases.selectors import visibility\n"
                "from waystation.cases.models import Assignment\n"
                "visibility.visible_cases()\n"
                "visibility._rule()\n"
            ),
        },
    )
    faults = layering_faults(modules)
    assert any("waystation.intake.screening:1" in f and "upward" in f for f in faults)
    assert any(
        "waystation.relocation.services:2" in f and "not in cases's face" in f for f in faults
    )
    assert any("visibility._rule, private to cases" in f for f in faults)
    assert not any("visible_cases" in f for f in faults)


def test_the_checks_keep_the_settings_common_part_to_the_settings(tmp_path):
    modules = _tree(
        tmp_path,
        {
            "settings_common.py": "from waystation.vault import keystore\n",
            "settings_public.py": "from waystation.settings_common import DATA_DIR\n",
            "cases/views.py": "from waystation.settings_common import DATA_DIR\n",
            "vault/keystore.py": "",
        },
    )
    faults = layering_faults(modules)
    assert any("waystation.settings_common:1" in f and "import none" in f for f in faults)
    assert any("waystation.cases.views:1" in f and "settings only" in f for f in faults)
    assert not any("settings_public" in f for f in faults)


def test_the_cycle_check_finds_a_cycle_through_a_package(tmp_path):
    modules = _tree(
        tmp_path,
        {
            "cases/forms.py": "from waystation.cases import selectors\n",
            "cases/selectors.py": "from waystation.cases.forms import Form\n",
            "cases/views.py": "def f():\n    from waystation.cases import views\n",
        },
    )
    assert cycles(modules) == [["waystation.cases.forms", "waystation.cases.selectors"]]
