"""The SVG views (simnet.views.svgdraw): the same network and path as the matplotlib views,
readable at 100 % zoom, and usable where matplotlib is missing (the browser)."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from simnet import Lab, views
from simnet.views.model import read_model
from simnet.views.svgdraw import MIN_FONT, SvgPicture
from simnet.views.tracepath import path_view

NS = "{http://www.w3.org/2000/svg}"
# a child process in which matplotlib cannot be imported, as in Pyodide
NO_MATPLOTLIB = (
    "import sys, importlib.abc\n"
    "class Block(importlib.abc.MetaPathFinder):\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'matplotlib' or name.startswith('matplotlib.'):\n"
    "            raise ImportError('no matplotlib here')\n"
    "sys.meta_path.insert(0, Block())\n")


@pytest.fixture(scope="module")
def ready():
    return Lab.load("headscale", state="ready")


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def test_topology_shows_every_node_segment_and_address(ready):
    pic = views.draw(ready, format="svg")
    assert isinstance(pic, SvgPicture)
    texts = _texts(str(pic))
    model = read_model(ready)
    for node in model.nodes.values():
        assert node.name in texts
        for iface in node.interfaces:
            if iface.segment is not None:
                assert iface.caption in texts, iface.caption
        if node.overlay_address:
            assert f"tailscale0 {node.overlay_address}" in texts
    for seg in model.segments.values():
        assert seg.label in texts
        if seg.prefix:
            assert seg.prefix in texts


@pytest.mark.parametrize("maker", ["draw", "sequence"])
def test_no_label_below_eleven_pixels(ready, maker):
    res = ready.run("maschinchen", "ping -c 1 -W 1 192.168.0.101")
    pic = views.draw(ready, res.trace, format="svg") if maker == "draw" else \
        views.sequence(res.trace, lab=ready, format="svg")
    sizes = [float(s) for s in re.findall(r'font-size="([0-9.]+)"', str(pic))]
    assert sizes and min(sizes) >= MIN_FONT


def test_path_has_one_numbered_arrow_per_move_and_the_drop_cross(ready):
    lab = Lab.load("headscale", state="ready")
    ok = lab.run("maschinchen", "ping -c 1 -W 1 192.168.0.101")
    view = path_view(ok.trace, read_model(lab))
    svg = str(views.draw(lab, ok.trace, format="svg"))
    assert svg.count('class="move"') == len(view.moves) > 4
    assert 'class="drop"' not in svg and "✓ Angekommen" in svg
    lab.run("tailscale", "sysctl -w net.ipv4.ip_forward=0")
    bad = lab.run("maschinchen", "ping -c 1 -W 1 192.168.0.101")
    svg = str(views.draw(lab, bad.trace, format="svg"))
    assert svg.count('class="drop"') == 1 and "✗ Verworfen auf „tailscale“" in svg
    ET.fromstring(svg)


def test_animation_is_light_and_has_one_step_per_move(ready):
    res = ready.run("maschinchen", "ping -c 1 -W 1 192.168.0.101")
    anim = views.animate(res.trace, ready, format="svg")
    moves = str(anim).count('class="move"')
    assert f"var n={moves}," in anim.html
    assert len(anim.html) < 200_000          # the matplotlib to_jshtml of the same path is ~1.5 MB


def test_views_fall_back_to_svg_without_matplotlib(tmp_path):
    """In Pyodide there is no matplotlib: draw, animate and sequence still give pictures."""
    code = (
        NO_MATPLOTLIB +
        "from simnet import Lab, views\n"
        "lab = Lab.load('heimnetz')\n"
        "r = lab.run('maschinchen', 'ping -c 1 -W 1 203.0.113.10')\n"
        "print(type(views.draw(lab, r.trace)).__name__, type(views.animate(r.trace, lab)).__name__,"
        " type(views.sequence(r.trace, lab=lab)).__name__, 'matplotlib' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["SvgPicture", "SvgPicture", "SvgPicture", "False"]


def test_format_must_be_known(ready):
    with pytest.raises(ValueError, match="format must be 'svg' or 'matplotlib'"):
        views.draw(ready, format="png")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium und chromium-driver sind nicht installiert")
def test_animation_steps_in_the_browser(ready, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    res = ready.run("maschinchen", "ping -c 1 -W 1 192.168.0.101")
    page = tmp_path / "anim.html"
    views.animate(res.trace, ready, format="svg").save(page)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.get(page.as_uri())
        visible = lambda: sum(1 for e in driver.find_elements("css selector", "g.move") if e.is_displayed())  # noqa: E731
        total = len(driver.find_elements("css selector", "g.move"))
        assert visible() == total
        for _ in range(3):
            driver.find_element("css selector", "button[data-act=prev]").click()
        assert visible() == total - 3
        assert driver.find_element("css selector", ".pos").text.strip() == f"Schritt {total - 3} von {total}"
        assert not any(e["level"] == "SEVERE" for e in driver.get_log("browser"))
    finally:
        driver.quit()


def test_panel_draws_svg_without_matplotlib():
    """The Schaltpult in the browser: no matplotlib, so the path is an SVG that follows the switches."""
    code = (
        NO_MATPLOTLIB +
        "from simnet import Lab, views\n"
        "lab = Lab.load('headscale', state='ready')\n"
        "p = views.panel(lab, probe=('maschinchen', 'ping -c 1 -W 1 192.168.0.101'), toggles=['ip_forward@tailscale'])\n"
        "ok = p.children[-1].value\n"
        "p.toggle('ip_forward@tailscale', False)\n"
        "bad = p.children[-1].value\n"
        "print(ok.startswith('<svg'), 'class=\"drop\"' in ok, 'class=\"drop\"' in bad, p.verdict.startswith('✗'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "False", "True", "True"]
