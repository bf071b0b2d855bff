"""Every notebook runs top to bottom from its jupytext source (nbclient).

Executed notebooks land in build/notebooks/ with a cache key over their
source and simnet's code, so the site build reuses them; a change in either
executes them again. Cells assert on traces, so a notebook whose packet
should pass (or drop) fails here when simnet changes its mind."""
from __future__ import annotations

import re

import jupytext
import nbformat
import pytest

from tools import notebooks as nbtools

SOURCES = nbtools.notebook_sources()


def _chapter(name: str, sep: str) -> str:
    """The chapter id a lesson folder (02a-switch-vlan) or notebook (02a_switch_vlan.py) starts with."""
    return name.split(sep, 1)[0]


def test_there_is_a_notebook_per_chapter_number():
    numbers = [_chapter(s.name, "_") for s in SOURCES]
    assert len(SOURCES) >= 1
    assert all(re.fullmatch(r"\d\d[a-z]?", n) for n in numbers), "Notebook-Namen beginnen mit der Kapitelnummer (01_…)"
    assert len(set(numbers)) == len(numbers), "pro Kapitel ein Notebook"


def test_every_lesson_chapter_has_its_notebook():
    chapters = sorted(_chapter(p.name, "-") for p in (nbtools.ROOT / "lessons").glob("[0-9][0-9]*-*") if p.is_dir())
    missing = [c for c in chapters if c not in {_chapter(s.name, "_") for s in SOURCES}]
    assert not missing, f"Kapitel ohne Notebook: {missing}"


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_source_is_percent_format_with_german_title_and_live_lab(source):
    text = source.read_text(encoding="utf-8")
    assert "format_name: percent" in text
    nb = jupytext.read(source)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), "erste Zelle: Markdown mit Titel"
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "Lab.load(" in code or "Lab.from_dict(" in code, "jedes Notebook arbeitet mit einem echten Lab"
    assert "lab.run(" in code or "zeige(lab" in code, "Befehle laufen live im Lab"
    assert re.search(r"\bassert\b", code), "mindestens eine Zelle prüft, ob das Paket durchgeht oder nicht"
    for address in re.findall(r"\b(\d{1,3}(?:\.\d{1,3}){3})\b", code + "\n".join(c.source for c in nb.cells)):
        first_octets = tuple(int(x) for x in address.split(".")[:2])
        allowed = (address.startswith(("192.168.", "10.", "198.51.100.", "203.0.113.", "127.", "0.0.0.0",
                                       "255.", "100.100.100.100"))
                   or (first_octets[0] == 100 and 64 <= first_octets[1] <= 127))
        assert allowed, f"{source.name}: {address} ist keine Dokumentations- oder private Adresse"


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_notebook_executes_top_to_bottom(source):
    result = nbtools.execute(source, timeout=240)
    nb = nbformat.read(result.output, as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells and all(c.get("execution_count") for c in code_cells)
    errors = [o for c in code_cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    tracebacks = [c for c in code_cells for o in c.get("outputs", [])
                  if "Traceback (most recent call last)" in str(o.get("text", ""))]
    assert not tracebacks, "keine Python-Tracebacks in den Ausgaben"


def test_failing_cell_is_reported_with_the_notebook_name(tmp_path):
    broken = tmp_path / "99_kaputt.py"
    broken.write_text("# %% [markdown]\n# # Kaputt\n\n# %%\nraise ValueError('absichtlich')\n", encoding="utf-8")
    with pytest.raises(nbtools.NotebookFailed, match="99_kaputt.py"):
        nbtools.execute(broken, tmp_path / "out", digest="x")


def test_cache_skips_unchanged_and_reruns_changed(tmp_path):
    source = tmp_path / "98_klein.py"
    source.write_text("# %% [markdown]\n# # Klein\n\n# %%\nprint(6 * 7)\n", encoding="utf-8")
    first = nbtools.execute(source, tmp_path / "out", digest="a")
    assert not first.from_cache and "42" in first.output.read_text(encoding="utf-8")
    assert nbtools.execute(source, tmp_path / "out", digest="a").from_cache
    assert not nbtools.execute(source, tmp_path / "out", digest="b").from_cache   # simnet changed
    source.write_text(source.read_text(encoding="utf-8").replace("6 * 7", "6 * 8"), encoding="utf-8")
    again = nbtools.execute(source, tmp_path / "out", digest="b")
    assert not again.from_cache and "48" in again.output.read_text(encoding="utf-8")


# Each "Deine Aufgabe" cell has a list the learner fills in. Unsolved, the cell
# must say "Noch nicht"; with the intended solution it must say "Geschafft".
EXERCISES = {
    "03_routing": ('    # "ip route add …",\n', '    "ip route add 203.0.113.0/25 via 192.168.0.1",\n'),
    "05_firewall": ('    # "iptables -A FORWARD …",\n',
                    '    "iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",\n'
                    '    "iptables -A FORWARD -s 192.168.0.101 -o wan -j ACCEPT",\n'),
    "08_tailscale_headscale": ('    # ("tailscale", "…"),\n',
                               '    ("tailscale", "sysctl -w net.ipv4.ip_forward=1"),\n'
                               '    ("maschinchen", "tailscale set --accept-routes"),\n'),
}


def _outputs(path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(str(o.get("text", "")) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_exercise_is_unsolved_as_shipped_and_solvable(name, tmp_path):
    source = nbtools.SOURCE_DIR / f"{name}.py"
    placeholder, solution = EXERCISES[name]
    text = source.read_text(encoding="utf-8")
    assert text.count(placeholder) == 1, "Platzhalter der Aufgabe nicht gefunden"
    shipped = nbtools.execute(source, timeout=240)
    assert "Noch nicht" in _outputs(shipped.output) and "Geschafft" not in _outputs(shipped.output)
    solved = tmp_path / f"{name}.py"
    solved.write_text(text.replace(placeholder, solution), encoding="utf-8")
    result = nbtools.execute(solved, tmp_path / "out", digest="loesung", timeout=240)
    assert "Geschafft" in _outputs(result.output)


def test_execute_all_drops_outputs_whose_source_is_gone(tmp_path):
    sources = tmp_path / "quellen"
    sources.mkdir()
    (sources / "01_da.py").write_text("# %% [markdown]\n# # Da\n\n# %%\nprint('da')\n", encoding="utf-8")
    (sources / "_hilfe.py").write_text("print('kein Notebook')\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "02_weg.ipynb").write_text("{}", encoding="utf-8")
    done = nbtools.execute_all(out, source_dir=sources)
    assert [d.source.name for d in done] == ["01_da.py"]
    assert sorted(p.name for p in out.glob("*.ipynb")) == ["01_da.ipynb"]
