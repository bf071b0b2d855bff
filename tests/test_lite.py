"""simnet in the browser: the JupyterLite build runs a notebook offline (issue 19).

The build (tools/lite.py) is cached in build/lite/ between runs; it needs Python >= 3.12
and npm, the browser check Chromium and ChromeDriver — all on the CI machine.
"""
from __future__ import annotations

import json
import shutil

import pytest

from tools import lite
from tools.lite_browser import browser_available, execute, open_lite, run_notebook, toggle_first_switch, wait_for_kernel
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
def test_exercise_progress_survives_a_reload_of_the_page(site):
    """Progress goes to the browser's storage (/drive = IndexedDB), not to Pyodide's memory."""
    from simnet.exercises.check import reference_answer
    from simnet.exercises.generate import instantiate
    from simnet.exercises.model import load_all

    answer = reference_answer(instantiate(load_all()["netzmaske"], 3))
    with open_lite(site, "01_ipv4.ipynb") as (driver, run, url):
        assert run.kernel_ready_s is not None
        out = execute(driver, "from simnet.exercises.widget import exercise_view\n"
                              "v = exercise_view('netzmaske', seed=3)\n"
                              f"v.text.value = {str(answer)!r}\n"
                              "print(v.check().correct, type(v.progress).__name__, v.progress.path)")
        assert out.strip() == "True LogProgress /drive/.simnet/progress.jsonl", out
        driver.get(url())
        assert wait_for_kernel(driver) is not None
        out = execute(driver, "from simnet.exercises.progress import open_progress\n"
                              "print([(a.exercise, a.seed, a.correct) for a in open_progress().attempts()])")
        assert out.strip() == "[('netzmaske', 3, True)]", out
    assert run.outside_requests == [] and _real_errors(run.console_errors) == []


def test_notebook_pages_get_a_button_into_the_browser_build():
    page = '<html><body><article class="md-content__inner md-typeset"><h1>x</h1></article></body></html>'
    out = lite_button(page, "notebooks/02_ethernet_arp/", "02_ethernet_arp")
    assert 'href="../../lab/lab/index.html?path=02_ethernet_arp.ipynb"' in out
    assert ">Im Browser ausführen</a>" in out and out.index("Im Browser") < out.index("<h1>")
