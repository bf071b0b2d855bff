"""Notebooks as a learner uses them: make lab keeps edited .ipynb, hides the sources; notebook 09's
"Probier andere Kombinationen aus" explains every NAT type; the live panel shows the same path for
the same settings on every click and wraps its labels."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from simnet import Lab
from simnet.tailnet.traversal import explain_tailscale_ping
from tools import notebooks as nbtools

ROOT = Path(__file__).resolve().parents[1]
NAT_TYPES = ["none", "full-cone", "restricted-cone", "port-restricted-cone", "symmetric", "udp-blocked", "linux"]


def test_make_lab_never_overwrites_an_edited_notebook(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("01_ipv4.py", "09_nat_traversal.py"):
        shutil.copy(ROOT / "notebooks" / name, src / name)
    first = nbtools.learner_notebooks(src, tmp_path)
    assert [(p.name, new) for p, new in first] == [("01_ipv4.ipynb", True), ("09_nat_traversal.ipynb", True)]
    edited = tmp_path / "09_nat_traversal.ipynb"
    text = edited.read_text(encoding="utf-8").replace('nat_im_cafe = \\"symmetric\\"', 'nat_im_cafe = \\"none\\"')
    assert 'nat_im_cafe = \\"none\\"' in text
    edited.write_text(text, encoding="utf-8")
    again = nbtools.learner_notebooks(src, tmp_path)
    assert [new for _, new in again] == [False, False]
    assert edited.read_text(encoding="utf-8") == text           # the learner's change is still there
    (tmp_path / "01_ipv4.ipynb").unlink()
    assert [new for _, new in nbtools.learner_notebooks(src, tmp_path)] == [True, False]


def test_make_lab_hides_the_sources_and_uses_the_keeping_generator():
    dry = subprocess.run(["make", "-n", "lab", "VENV=/nonexistent-venv"], cwd=ROOT, capture_output=True, text=True)
    assert "tools/notebooks.py --learner" in dry.stdout
    assert "jupytext --to ipynb" not in dry.stdout
    line = next(l for l in dry.stdout.splitlines() if "jupyter lab notebooks/" in l)
    assert "--ContentsManager.hide_globs=" in line and "'*.py'" in line


def test_checkpoints_and_generated_notebooks_are_ignored_by_git():
    for path in ("notebooks/.ipynb_checkpoints/09_nat_traversal-checkpoint.ipynb", "notebooks/09_nat_traversal.ipynb"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0, path


@pytest.mark.parametrize("cafe", NAT_TYPES)
def test_every_nat_type_in_the_cafe_gets_an_explanation(cafe):
    lab = Lab.load("headscale", state="ready")
    lab.set_nat("cafe", cafe)
    result = lab.run("maschinchen", "tailscale ping -c 3 100.64.0.1")
    text = explain_tailscale_ping(lab, "maschinchen", "tailscale", result)
    last = text.splitlines()[-1]
    assert last.startswith("4. Ergebnis:")
    pongs = [line for line in result.stdout.splitlines() if line.startswith("pong from")]
    if pongs and "via DERP" in pongs[-1]:
        assert "DERP-Relay" in last
    elif pongs:
        assert "direkt" in last
    else:
        assert "weder direkt noch über DERP" in last
    if cafe == "none":
        assert "„cafe“ übersetzt keine Adressen" in last
    if cafe == "symmetric":         # symmetric against the home router's port-restricted cone: DERP only
        assert "via DERP" in result.stdout


def test_the_panel_shows_the_same_path_for_the_same_settings_on_every_click():
    pytest.importorskip("ipywidgets")
    from simnet.views.livepanel import Panel, path_strip_html

    for name, value in [("route_approved@192.168.0.0/24", False), ("accept_routes@maschinchen", False),
                        ("ip_forward@tailscale", False), ("nat_type@cafe", "none")]:
        lab = Lab.load("headscale", state="ready")
        panel = Panel(lab, probe=("maschinchen", "ping -c 1 -W 1 192.168.0.101"), draw=False)
        panel.toggle(name, value)
        lines = {(panel.verdict, path_strip_html(panel.view))}
        for _ in range(2):
            panel.rerun()
            lines.add((panel.verdict, path_strip_html(panel.view)))
        assert len(lines) == 1, (name, lines)


def test_panel_labels_wrap_instead_of_being_cut_off():
    widgets = pytest.importorskip("ipywidgets")
    from simnet.views.livepanel import Panel

    lab = Lab.load("headscale", state="ready")
    panel = Panel(lab, probe=("maschinchen", "ping -c 1 -W 1 192.168.0.101"), draw=False)
    rows = panel.children[0].children[0].children
    for row in rows:
        labels = [w for w in row.children if isinstance(w, widgets.HTML)]
        assert len(labels) == 1 and labels[0].value, row
        control = next(w for w in row.children if not isinstance(w, widgets.HTML))
        assert not getattr(control, "description", "")          # no truncating description label
    texts = [re.sub("<[^>]+>", "", r.children[-1].value if isinstance(r.children[-1], widgets.HTML)
                    else r.children[0].value) for r in rows]
    assert any("net.ipv4.ip_forward" in t for t in texts)
