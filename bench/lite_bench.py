"""simnet in the browser: how long until the first output, measured in headless Chromium.

    python bench/lite_bench.py

Builds the JupyterLite site (cached in build/lite/), opens a notebook with every outside
name blocked and prints: kernel ready (Pyodide + packages), first output, all cells; the
Schaltpult's switch until the verdict changes; in notebook 99 an exercise from Prüfen to
its ✔, and after reloading the page how long until the kept progress is on screen.
Goal: the first output within 30 s on a 2-core machine.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools import lite  # noqa: E402
from tools.lite_browser import browser_available, open_lite, run_notebook, toggle_first_switch  # noqa: E402
from tools.lite_browser import wait_for_kernel  # noqa: E402
from tools.lite_learner import HTML_TEXTS, run_all_cells, solve, wait_for  # noqa: E402

GOAL_FIRST_OUTPUT_S = 30.0


def main() -> int:
    if browser_available() is None:
        print("chromium/chromedriver fehlen: nichts gemessen")
        return 0
    site = lite.build()
    run = run_notebook(site, "02_ethernet_arp.ipynb")
    if run.first_output_s is None:
        print("keine Ausgabe im Browser")
        return 1
    verdict = "erreicht" if run.first_output_s <= GOAL_FIRST_OUTPUT_S else "verfehlt"
    print(f"JupyterLite: Kernel bereit {run.kernel_ready_s:.1f} s, erste Ausgabe {run.first_output_s:.1f} s "
          f"(Ziel ≤ {GOAL_FIRST_OUTPUT_S:.0f} s: {verdict}), alle Zellen {run.run_all_s:.1f} s, "
          f"Anfragen nach draußen: {len(run.outside_requests)}")
    panel = run_notebook(site, "08_tailscale_headscale.ipynb", interact=toggle_first_switch)
    seconds = panel.interaction[2] if panel.interaction else None
    print(f"JupyterLite: Schaltpult-Schalter bis zum neuen Urteil {seconds:.2f} s" if seconds is not None
          else "JupyterLite: der Schalter hat das Urteil nicht geändert")
    exercises(site)
    return 0


def exercises(site: Path) -> None:
    """Notebook 99: one exercise graded, then the page reloaded until the progress shows again."""
    import time

    from simnet.exercises.model import load_all

    with open_lite(site, "99_uebungen.ipynb") as (driver, run, url):
        if run.kernel_ready_s is None:
            print("JupyterLite: Notebook 99 – der Kernel ist nicht gestartet")
            return
        run_all_cells(driver)
        _seed, seconds = solve(driver, load_all()["netzmaske"])
        start = time.monotonic()
        driver.get(url())
        wait_for_kernel(driver)
        run_all_cells(driver)
        wait_for(driver, HTML_TEXTS, lambda texts: any(t.startswith("Du hast 1 ") for t in texts))
        print(f"JupyterLite: Übung von „Prüfen“ bis zur Bewertung {seconds:.2f} s; nach dem Neuladen ist der "
              f"Fortschritt nach {time.monotonic() - start:.1f} s wieder zu sehen")


if __name__ == "__main__":
    raise SystemExit(main())
