"""One term per concept: the spellings the glossary table lists as "nicht verwendet" appear nowhere.

The table "Ein Begriff, ein Wort" in lessons/glossar.md is the single source. Checked are the
lessons' prose, the notebooks' markdown comments and the exercise files; code (fenced blocks and
`inline code`), quotations of the seed document („…“) and the glossary itself are exempt, because
there the other spellings are shown on purpose.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "lessons" / "glossar.md"
ALLOWED_AFTER = {"Interface": ("Identifier", "-Identifier", " Identifier")}   # IPv6: Interface Identifier


def banned() -> dict[str, str]:
    """variant -> the term to use, read from the glossary table."""
    text = GLOSSARY.read_text(encoding="utf-8")
    table = text.split("## Ein Begriff, ein Wort", 1)[1].split("\n## ", 1)[0]
    out: dict[str, str] = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("Begriff", "---") or set(cells[0]) <= {"-"}:
            continue
        for variant in cells[2].split(","):
            if variant.strip():
                out[variant.strip()] = cells[0]
    return out


def prose(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":             # jupytext: only the markdown comments are prose
        text = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))
    if path.suffix == ".yaml":           # a rubric lists the words learners may use, on purpose
        import yaml

        data = yaml.safe_load(text)
        data.pop("rubric", None)
        text = "\n".join(_strings(data))
    text = re.sub(r"^\s*(```|~~~).*?^\s*(```|~~~)", "", text, flags=re.S | re.M)
    text = re.sub(r"`[^`\n]*`", "", text)
    return re.sub(r"„[^“\n]*“", "", text)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _strings(v)]
    if isinstance(value, list):
        return [t for v in value for t in _strings(v)]
    return []


def files() -> list[Path]:
    found = [p for p in (ROOT / "lessons").rglob("*.md") if p != GLOSSARY]
    found += sorted((ROOT / "notebooks").glob("*.py")) + sorted((ROOT / "exercises").glob("*.yaml"))
    return sorted(found)


def test_glossary_table_lists_the_terms_of_issue_18() -> None:
    terms = set(banned().values())
    for term in ("Subnetzmaske", "Netzadresse", "Broadcastadresse", "Routingtabelle", "Portweiterleitung",
                 "Standardgateway", "Schnittstelle", "Nachbartabelle (ARP-Cache)"):
        assert term in terms


@pytest.mark.parametrize("path", files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_glossary_term_is_used(path: Path) -> None:
    text = prose(path)
    found = []
    for variant, term in banned().items():
        for m in re.finditer(rf"(?<![\w-]){re.escape(variant)}(?![\w-])", text):
            if any(text[m.end():].startswith(ok) for ok in ALLOWED_AFTER.get(variant, ())):
                continue
            line = text[:m.start()].count("\n") + 1
            found.append(f"Zeile ~{line}: „{variant}“ → „{term}“")
    assert found == []
