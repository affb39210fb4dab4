"""Citations of the design resolve: every ``docs/design.md §N`` (or ``§N.M``) in the code,
the tests, the benchmarks and the docs names a numbered heading of docs/design.md, no
citation of the old, unpublished design map remains, and the links between the docs
reach a page and a heading that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DESIGN_PAGE = ROOT / "docs" / "design.md"
SCANNED = [ROOT / "src", ROOT / "tests", ROOT / "bench", ROOT / "docs"]
ROOT_PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
TEXT_SUFFIXES = {".py", ".md", ".html", ".txt", ".po", ".css", ".js", ".toml"}
FIX = "cite docs/design.md by a section number it has (its numbered headings)"

NUMBER = r"\d+(?:\.\d+)*"
# "design.md §2.2, §2.3" and "design.md §2.2 and §2.3" cite both sections.
CITATION = re.compile(rf"design\.md §({NUMBER})((?:(?:,| and) §{NUMBER})*)")
FOLLOWING = re.compile(rf"§({NUMBER})")
# The map the code used to cite lived outside the repository, as an upper-case file name.
OLD_MAP = re.compile(r"\bDESIGN(?:\.md\b|\s*§)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
SECTION = re.compile(rf"^({NUMBER})\.?\s")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _text_files() -> list[Path]:
    files = [p for p in ROOT_PAGES if p.exists()]
    for folder in SCANNED:
        files += [
            p
            for p in folder.rglob("*")
            if p.is_file() and p.suffix in TEXT_SUFFIXES and "__pycache__" not in p.parts
        ]
    return sorted(files)


def _headings(page: Path) -> list[str]:
    found, fenced = [], False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := HEADING.match(line)):
            found.append(match.group(2))
    return found


def _design_sections() -> set[str]:
    return {m.group(1) for h in _headings(DESIGN_PAGE) if (m := SECTION.match(h))}


def _citations(text: str) -> list[tuple[int, str]]:
    """(line number, section) for every section cited in ``text``."""
    cited = []
    for match in CITATION.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        cited.append((line, match.group(1)))
        cited += [(line, more) for more in FOLLOWING.findall(match.group(2))]
    return cited


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to -."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for heading in _headings(page):
        slug = _slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def test_the_design_numbers_its_sections():
    sections = _design_sections()
    assert {"1", "2", "3", "4", "5"} <= sections
    assert {f"2.{n}" for n in range(1, 10)} <= sections, "the nine invariants are 2.1 to 2.9"


def test_every_cited_section_is_a_heading_of_the_design():
    sections = _design_sections()
    missing = [
        f"{path.relative_to(ROOT)}:{line}: §{number}"
        for path in _text_files()
        for line, number in _citations(path.read_text(encoding="utf-8", errors="replace"))
        if number not in sections
    ]
    assert missing == [], f"{FIX}; not found: {missing}"


def test_the_code_cites_the_design():
    """Not vacuous: the scan finds the citations the code is known to make."""
    cited = {
        number
        for path in _text_files()
        for _line, number in _citations(path.read_text(encoding="utf-8", errors="replace"))
    }
    assert {"2.1", "2.5", "2.7", "3"} <= cited


def test_no_citation_of_the_old_design_map_remains():
    old = [
        f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}"
        for path in _text_files()
        for text in [path.read_text(encoding="utf-8", errors="replace")]
        for match in OLD_MAP.finditer(text)
    ]
    assert old == [], f"{FIX}; old citations at: {old}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("holds no secret (docs/design.md §2.2, §2.3).", ["2.2", "2.3"]),
        ("see docs/design.md §3 and §4.3", ["3", "4.3"]),
        ("[docs/design.md §2.8](design.md#28-forgetting-is-real)", ["2.8"]),
        ("§2.5 alone is not a citation of the design", []),
    ],
)
def test_citations_are_read_as_written(text, expected):
    assert [number for _line, number in _citations(text)] == expected


def test_the_old_map_is_recognised():
    assert OLD_MAP.search("need to know (" + "DESIGN" + " §2.5)")
    assert OLD_MAP.search("than [" + "DESIGN" + ".md](../" + "DESIGN" + ".md) asks")
    assert not OLD_MAP.search("docs/design.md §2.5")


def test_links_between_the_docs_reach_a_page_and_a_heading():
    pages = sorted((ROOT / "docs").glob("*.md")) + [p for p in ROOT_PAGES if p.exists()]
    broken = []
    for page in pages:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):  # https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert broken == [], broken
