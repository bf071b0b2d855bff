"""Open the JupyterLite build in headless Chromium, offline, and run a notebook: used by
tests/test_lite.py and bench/lite_bench.py.

The page is served from 127.0.0.1; every other host name fails to resolve
(``--host-resolver-rules``), and Chrome's network log tells which requests were made.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

__all__ = ["LiteRun", "run_notebook", "open_lite", "execute", "wait_for_kernel", "browser_available",
           "toggle_first_switch"]

KERNEL_STATUS = ("const a=window.jupyterapp; if(!a) return 'noapp'; const w=a.shell.currentWidget;"
                 "if(!w||!w.sessionContext||!w.sessionContext.session) return 'nosession';"
                 "const k=w.sessionContext.session.kernel; return k ? k.status : 'nokernel';")
BUSY_CELLS = ("return Array.from(document.querySelectorAll('.jp-InputArea-prompt'))"
              ".filter(e => e.textContent.includes('*')).length;")
# textContent, not innerText: JupyterLab renders only the cells in view, and innerText of the
# others is empty
OUTPUTS = "return Array.from(document.querySelectorAll('.jp-OutputArea-output')).map(e => e.textContent);"
STDERR = ("return Array.from(document.querySelectorAll('.jp-OutputArea-output[data-mime-type="
          "\"application/vnd.jupyter.stderr\"]')).map(e => e.textContent);")
SVGS = "return document.querySelectorAll('.jp-OutputArea-output svg').length;"


def browser_available() -> tuple[str, str] | None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (chromium, driver) if chromium and driver else None


@dataclass
class LiteRun:
    kernel_ready_s: float | None = None     # page opened -> kernel idle (Pyodide started, packages loaded)
    first_output_s: float | None = None     # page opened -> the first cell's output is on screen
    run_all_s: float | None = None
    outputs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    svgs: int = 0
    outside_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    interaction: Any = None                 # what ``interact(driver)`` returned


VERDICTS = ("return Array.from(document.querySelectorAll('.widget-html b'))"
            ".map(e => e.innerText).filter(t => t.startsWith('✓') || t.startsWith('✗'));")


def toggle_first_switch(driver: Any, wait: float = 60.0) -> tuple[list[str], list[str], float | None]:
    """Click the first checkbox of the first Schaltpult; (verdicts before, after, seconds it took)."""
    before = list(driver.execute_script(VERDICTS))
    box = driver.find_elements("css selector", ".widget-checkbox input[type=checkbox]")
    if not box:
        return before, before, None
    start = time.monotonic()
    box[0].click()
    while time.monotonic() - start < wait:
        after = list(driver.execute_script(VERDICTS))
        if after and after != before:
            return before, after, time.monotonic() - start
        time.sleep(0.2)
    return before, list(driver.execute_script(VERDICTS)), None


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def open_lite(site: Path, notebook: str, timeout: float = 240.0) -> Iterator[tuple[Any, LiteRun, Callable[[], str]]]:
    """Serve ``site`` on 127.0.0.1 and open ``notebook`` in headless Chromium with every other host
    name blocked; yields (driver, run, url) once the kernel is idle (``run.kernel_ready_s`` is None
    if it never got there). On leaving, the requests that went outside and the console errors
    are collected into ``run``. The browser profile (with JupyterLite's IndexedDB) lives until
    then, so a test can reload the page (``driver.get(url())``) and find its files again."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = browser_available()
    assert found is not None, "chromium und chromedriver fehlen"
    chromium, chromedriver = found
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    profile = tempfile.mkdtemp(prefix="simnet-lite-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    run = LiteRun()

    def url() -> str:
        return f"http://127.0.0.1:{server.server_address[1]}/lab/index.html?path={notebook}"
    try:
        start = time.monotonic()
        driver.get(url())
        run.kernel_ready_s = wait_for_kernel(driver, timeout, start)
        yield driver, run, url
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                target = message["params"]["request"]["url"]
                if target.startswith(("http:", "https:", "ws:", "wss:")) and "//127.0.0.1:" not in target:
                    run.outside_requests.append(target)
        run.console_errors = [e["message"] for e in driver.get_log("browser")
                              if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]]
    finally:
        driver.quit()
        server.shutdown()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for_kernel(driver: Any, timeout: float = 240.0, start: float | None = None) -> float | None:
    """Seconds from ``start`` until the notebook's kernel is idle, None after ``timeout``."""
    start = time.monotonic() if start is None else start
    while time.monotonic() - start < timeout:
        if driver.execute_script(KERNEL_STATUS) == "idle":
            return time.monotonic() - start
        time.sleep(0.5)
    return None


# runs code in the notebook's kernel and hands back what it printed, its result and its error
EXECUTE = """const [code, done] = arguments; const out = [];
const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
const future = k.requestExecute({code: code, store_history: false});
future.onIOPub = (msg) => { const c = msg.content; const t = msg.header.msg_type;
  if (t === 'stream') out.push(c.text);
  else if (t === 'execute_result' || t === 'display_data') out.push(c.data['text/plain'] || '');
  else if (t === 'error') out.push('ERROR ' + c.ename + ': ' + c.evalue); };
future.done.then(() => done(out.join('')), (e) => done('ERROR ' + e));"""


def execute(driver: Any, code: str, timeout: float = 120.0) -> str:
    """Run ``code`` in the open notebook's kernel (not in a cell): stdout, results and
    ``ERROR name: value`` lines, as one string."""
    driver.set_script_timeout(timeout)
    return str(driver.execute_async_script(EXECUTE, code))


def run_notebook(site: Path, notebook: str, timeout: float = 240.0, interact: Any = None) -> LiteRun:
    """Serve ``site``, open ``notebook`` in JupyterLite, run all cells, collect what happened;
    ``interact(driver)`` runs afterwards (e.g. :func:`toggle_first_switch`)."""
    with open_lite(site, notebook, timeout) as (driver, run, _url):
        if run.kernel_ready_s is not None:
            start = time.monotonic() - run.kernel_ready_s
            driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            began = time.monotonic()
            while time.monotonic() - began < timeout:
                time.sleep(0.5)
                if run.first_output_s is None and driver.execute_script(OUTPUTS):
                    run.first_output_s = time.monotonic() - start
                if (time.monotonic() - began > 2 and driver.execute_script(BUSY_CELLS) == 0
                        and driver.execute_script(KERNEL_STATUS) == "idle"):
                    run.run_all_s = time.monotonic() - began
                    break
            run.outputs = list(driver.execute_script(OUTPUTS))
            # a traceback (IPython's line of dashes, then the exception) is an error; other stderr is not
            run.errors = [t for t in driver.execute_script(STDERR)
                          if "Traceback" in t or re.search(r"^-{20,}\s*$", t, re.M)]
            run.svgs = int(driver.execute_script(SVGS))
            if interact is not None:
                run.interaction = interact(driver)
    return run
