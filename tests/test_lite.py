"""simnet in the browser: the JupyterLite build runs a notebook offline (issue 19).

The build (tools/lite.py) is cached in build/lite/ between runs; it needs Python >= 3.12
and npm, the browser check Chromium and ChromeDriver — all on the CI machine.
"""
from __future__ import annotations

import json
import re
import shutil
import time

import pytest

from tools import lite
from tools.lite_browser import browser_available, execute, open_lite, run_notebook, toggle_first_switch, wait_for_kernel
from tools.lite_learner import HTML_TEXTS, click, on_screen, run_all_cells, solve, wait_for
from tools.site_hooks import lite_button

needs_tools = pytest.mark.skipif(lite.find_python312() is None or shutil.which("npm") is None,
                                 reason="JupyterLite braucht zum Bauen Python >= 3.12 und npm")


@pytest.fixture(scope="module")
def site():
    return lite.build()


@needs_tools
def test_build_loads_nothing_from_outside(site):
    config = json.loads((site / "jupyter-lite.json").read_text(encoding="utf-8"))
    kernel = config["jupyter-config-data"]["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["disablePyPIFallback"] is True
    assert kernel["pyodideUrl"].startswith("./static/pyodide/") and (site / kernel["pyodideUrl"]).exists()
    core = json.loads((site / "static" / "pyodide" / "pyodide-lock.json").read_text(encoding="utf-8"))
    assert core["packages"] == {}             # else the kernel would look for the rest on a CDN
    lock = json.loads((site / kernel["loadPyodideOptions"]["lockFileURL"]).read_text(encoding="utf-8"))
    names = set(lock["packages"])
    assert {"simnet", "pyyaml", "ipywidgets", "comm"} <= names
    for package in lock["packages"].values():
        assert not package["file_name"].startswith(("http:", "https:")), package["file_name"]
    notebooks = sorted(p.name for p in (site / "files").glob("*.ipynb"))
    assert notebooks and all(json.loads((site / "files" / n).read_text(encoding="utf-8"))["metadata"]["kernelspec"]
                             ["name"] == "python" for n in notebooks)


@needs_tools
@pytest.mark.skipif(browser_available() is None, reason="chromium und chromium-driver sind nicht installiert")
def test_notebook_runs_in_the_browser_without_network(site):
    run = run_notebook(site, "02_ethernet_arp.ipynb")
    print(f"\nKernel bereit nach {run.kernel_ready_s} s, erste Ausgabe nach {run.first_output_s} s, "
          f"alle Zellen in {run.run_all_s} s")
    assert run.kernel_ready_s is not None, "der Pyodide-Kernel ist nicht gestartet"
    assert run.run_all_s is not None, "die Zellen sind nicht fertig geworden"
    assert run.errors == []
    assert any(o.startswith("root@debian:~# ip link show dev eth0") for o in run.outputs), run.outputs[:3]
    assert any("FAILED" in o and "192.168.0.77" in o for o in run.outputs)      # ARP gave up, as in JupyterLab
    assert run.svgs >= 1                        # views.draw without matplotlib: SVG
    assert run.outside_requests == []
    assert run.console_errors == []


@needs_tools
@pytest.mark.skipif(browser_available() is None, reason="chromium und chromium-driver sind nicht installiert")
def test_schaltpult_switch_changes_the_verdict_in_the_browser(site):
    """Notebook 08's panel: switching ip_forward off on the subnet router breaks the ping."""
    run = run_notebook(site, "08_tailscale_headscale.ipynb", interact=toggle_first_switch)
    assert run.errors == [] and run.outside_requests == [] and run.console_errors == []
    before, after, seconds = run.interaction
    print(f"\nSchalter -> neues Urteil nach {seconds} s")
    assert before and before[0].startswith("✓ angekommen"), before
    assert after and after[0].startswith("✗ nicht angekommen"), after
    assert seconds is not None


# JupyterLite asks the site for a folder's listing before looking in the browser's storage: a folder
# that exists only there (the hidden .simnet) answers 404 on the site, and that is no error
def _real_errors(console: list[str]) -> list[str]:
    return [e for e in console if not ("/all.json" in e and "404" in e) and "beforeunload" not in e]


@needs_tools
@pytest.mark.skipif(browser_available() is None, reason="chromium und chromium-driver sind nicht installiert")
def test_exercises_are_graded_kept_across_a_reload_and_exported_in_the_browser(site, tmp_path):
    """Notebook 99 as a learner uses it: name, pick an exercise, answer, Prüfen; reload the page
    (a new kernel) and the progress is still there (/drive = the browser's IndexedDB); an exam
    handed in; the CSV comes as a download and as a file beside the notebook. Nothing leaves
    the machine."""
    from selenium.webdriver.support.ui import Select

    from simnet.exercises.model import load_all

    exercise = load_all()["netzmaske"]
    with open_lite(site, "99_uebungen.ipynb") as (driver, run, url):
        assert run.kernel_ready_s is not None, "der Pyodide-Kernel ist nicht gestartet"
        run_all_cells(driver)
        on_screen(driver, "input[placeholder='Vorname Nachname']", act=lambda e: e.send_keys("Anna Muster"))
        click(driver, "button", "Namen speichern")
        wait_for(driver, HTML_TEXTS, lambda texts: any("Gespeichert" in t for t in texts))
        seed, seconds = solve(driver, exercise)
        print(f"\nPrüfen -> Bewertung nach {seconds:.1f} s")

        driver.get(url())                           # reload: Pyodide's memory is gone, the drive is not
        assert wait_for_kernel(driver) is not None
        run_all_cells(driver)
        summary = wait_for(driver, HTML_TEXTS, lambda texts: any(t.startswith("Du hast") for t in texts))
        assert f"Du hast 1 von {len(load_all())} Übungen gelöst (1 Versuch)." in summary
        assert on_screen(driver, "input[placeholder='Vorname Nachname']",
                         act=lambda e: e.get_attribute("value")) == "Anna Muster"
        options = on_screen(driver, ".widget-dropdown select", act=lambda e: [o.text for o in Select(e).options])
        assert f"✔ {exercise.chapter_label} – {exercise.title}" in options

        click(driver, "button", "Antwort abgeben")          # Prüfungsmodus: one answer left empty,
        click(driver, "button", "Prüfung beenden")          # then handed in early
        review = wait_for(driver, HTML_TEXTS, lambda texts: any(t.startswith("Ergebnis:") for t in texts))
        assert any("Prüfung abgegeben." in t for t in review)
        assert any(re.match(r"Ergebnis: \d+ von \d+ Punkten – Note 5 \(Nicht genügend\)", t) for t in review)

        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
        click(driver, "button", "Fortschritt als CSV herunterladen")
        click(driver, "a.simnet-csv")
        for _ in range(60):
            if (tmp_path / "fortschritt-Anna-Muster.csv").exists():
                break
            time.sleep(0.5)
        rows = (tmp_path / "fortschritt-Anna-Muster.csv").read_text(encoding="utf-8-sig").splitlines()
        assert rows[0].startswith("Lernende*r;Übung;Titel;Kapitel;Variante;")
        assert rows[1].startswith(f"Anna Muster;netzmaske;{exercise.title};{exercise.chapter};{seed};calculate;"
                                  "practice;;1;ja;")
        exam_rows = [r.split(";") for r in rows[2:]]
        assert len(exam_rows) == 5 and {(r[0], r[6], r[9]) for r in exam_rows} == {("Anna Muster", "exam", "nein")}
        in_drive = execute(driver, "print(open('/drive/fortschritt-Anna-Muster.csv', encoding='utf-8-sig').read())")
        assert in_drive.strip().splitlines() == rows     # the file browser offers the same file
    assert run.outside_requests == []
    assert _real_errors(run.console_errors) == []


def test_notebook_pages_get_a_button_into_the_browser_build():
    page = '<html><body><article class="md-content__inner md-typeset"><h1>x</h1></article></body></html>'
    out = lite_button(page, "notebooks/02_ethernet_arp/", "02_ethernet_arp")
    assert 'href="../../lab/lab/index.html?path=02_ethernet_arp.ipynb"' in out
    assert ">Im Browser ausführen</a>" in out and out.index("Im Browser") < out.index("<h1>")


def test_browser_notebooks_open_with_a_german_loading_note_and_no_matplotlib_magic():
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": ["%matplotlib inline\n", "from simnet import Lab\n"]},
                    {"cell_type": "markdown", "metadata": {}, "source": ["# Titel"]}], "metadata": {}}
    out = lite.for_pyodide(nb)
    first = out["cells"][0]
    assert first["cell_type"] == "markdown" and "Python startet in deinem Browser" in "".join(first["source"])
    assert out["cells"][1]["source"] == ["from simnet import Lab\n"]
    assert out["metadata"]["kernelspec"]["name"] == "python"
    assert len(lite.for_pyodide(out)["cells"]) == 3          # converting twice adds no second note
