"""A learner in notebook 99_uebungen, driven in headless Chromium: used by tests/test_lite.py and
bench/lite_bench.py (see :mod:`tools.lite_browser` for opening the JupyterLite site)."""
from __future__ import annotations

import re
import time
from typing import Any, Callable

from tools.lite_browser import BUSY_CELLS, KERNEL_STATUS

__all__ = ["run_all_cells", "on_screen", "click", "wait_for", "solve", "HTML_TEXTS"]

HTML_TEXTS = "return Array.from(document.querySelectorAll('.widget-html')).map(e => e.textContent);"


def run_all_cells(driver: Any, timeout: float = 240.0) -> None:
    """Run the notebook from the top; outputs kept from before a reload are cleared first."""
    driver.execute_script("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    began = time.monotonic()
    time.sleep(2)
    while time.monotonic() - began < timeout:
        if driver.execute_script(BUSY_CELLS) == 0 and driver.execute_script(KERNEL_STATUS) == "idle":
            return
        time.sleep(0.5)
    raise AssertionError("die Zellen sind nicht fertig geworden")


def on_screen(driver: Any, css: str, text: str | None = None,
              act: Callable[[Any], Any] = lambda element: element) -> Any:
    """``act`` on the first element on screen matching ``css`` (and with ``text``), waiting for it a
    while; an element the widgets re-render in the meantime is looked up again."""
    from selenium.common.exceptions import StaleElementReferenceException

    for _ in range(120):
        try:
            for element in driver.find_elements("css selector", css):
                if element.is_displayed() and (text is None or element.text.strip() == text):
                    return act(element)
        except StaleElementReferenceException:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{css} {text or ''} ist nicht zu sehen")


def click(driver: Any, css: str, text: str | None = None) -> None:
    on_screen(driver, css, text, lambda element: element.click())


def wait_for(driver: Any, script: str, predicate: Callable[[Any], bool], seconds: float = 60.0) -> Any:
    value = None
    for _ in range(int(seconds * 2)):
        value = driver.execute_script(script)
        if predicate(value):
            return value
        time.sleep(0.5)
    raise AssertionError(f"nicht eingetreten, zuletzt: {value!r}")


def solve(driver: Any, exercise: Any) -> tuple[int, float]:
    """Pick ``exercise`` in the exercise list, type its reference answer for the variant shown
    and press Prüfen; (the variant, seconds from the click to the ✔)."""
    from selenium.webdriver.support.ui import Select

    from simnet.exercises.check import reference_answer
    from simnet.exercises.generate import instantiate

    on_screen(driver, ".widget-dropdown select",
              act=lambda e: Select(e).select_by_visible_text(f"{exercise.chapter_label} – {exercise.title}"))
    title = wait_for(driver, HTML_TEXTS, lambda texts: any(exercise.title in t and "Variante" in t for t in texts))
    found = re.search(rf"{re.escape(exercise.title)}.*Variante (\d+)", "\n".join(title))
    assert found, title
    seed = int(found.group(1))
    answer = str(reference_answer(instantiate(exercise, seed)))
    on_screen(driver, "input[placeholder='deine Antwort']", act=lambda e: e.send_keys(answer))
    started = time.monotonic()
    click(driver, "button", "Prüfen")
    wait_for(driver, HTML_TEXTS, lambda texts: any(t.strip().startswith("✔") for t in texts))
    return seed, time.monotonic() - started
