"""The study site: builds with ``mkdocs build --strict``, works offline, and a
real headless Chromium can read every page, search it and play an animation.

The browser tests skip only when chromium or chromedriver is missing (CI
installs the Debian packages ``chromium`` and ``chromium-driver``).
Screenshots of a few pages are kept in tests/artifacts/ (git-ignored).
"""
from __future__ import annotations

import functools
import html.parser
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tools import notebooks as nbtools
from tools.site_hooks import build_nav, offline_player, strip_external_scripts

ROOT = nbtools.ROOT
LESSONS = ROOT / "lessons"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
needs_browser = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                   reason="chromium und chromium-driver sind nicht installiert")


# --------------------------------------------------------------------- build
@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=900)
    log = "\n".join(line for line in (proc.stdout + proc.stderr).splitlines() if "WARNING" in line or "ERROR" in line)
    assert proc.returncode == 0, f"mkdocs build --strict ist gescheitert:\n{log or proc.stderr[-3000:]}"
    return out


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("index.html") if not p.relative_to(site).parts[0] in {"search", "assets"})


def test_every_lesson_and_notebook_has_a_page(site):
    for page in LESSONS.rglob("*.md"):
        rel = page.relative_to(LESSONS).with_suffix("")
        target = site / (rel.parent if rel.name == "index" else rel) / "index.html"
        assert target.exists(), f"{page.relative_to(ROOT)} fehlt auf der Seite"
    for source in nbtools.notebook_sources():
        page = site / "notebooks" / source.stem / "index.html"
        assert page.exists(), f"Notebook {source.name} fehlt auf der Seite"
        assert "jupyter-wrapper" in page.read_text(encoding="utf-8")


def test_every_exercise_has_a_page_in_the_nav(site):
    exercises = sorted(Path(__file__).resolve().parent.parent.joinpath("exercises").glob("*.yaml"))
    pages = {p.parent.name for p in (site / "uebungen").glob("*/index.html")}
    assert len(pages) >= len(exercises) and (site / "uebungen" / "index.html").exists()
    assert "Übungen" in (site / "index.html").read_text(encoding="utf-8")


def _url(server: str, site: Path, page: Path) -> str:
    rel = page.parent.relative_to(site).as_posix()
    return server if rel == "." else urllib.parse.urljoin(server, rel + "/")


def test_cells_tagged_live_only_are_left_out(site):
    """Widgets (views.panel) need a running kernel; the site drops cells tagged nur-live.
    Checked through the calls only those cells make, as the highlighter renders them."""
    import jupytext

    checked = 0
    for source in nbtools.notebook_sources():
        cells = [c for c in jupytext.read(source).cells if c.cell_type == "code"]
        live = "\n".join(c.source for c in cells if "nur-live" in c.metadata.get("tags", []))
        other = "\n".join(c.source for c in cells if "nur-live" not in c.metadata.get("tags", []))
        only_live = set(re.findall(r"\.(\w+)\(", live)) - set(re.findall(r"\.(\w+)\(", other))
        page = (site / "notebooks" / source.stem / "index.html").read_text(encoding="utf-8")
        for name in only_live:
            assert f'<span class="n">{name}</span>' not in page, f"{source.name}: nur-live-Zelle ({name}) auf der Seite"
            checked += 1
    assert checked, "kein Notebook hat eine nur-live-Zelle mit eigenem Aufruf"


def test_pages_are_german(site):
    for page in _pages(site):
        assert '<html lang="de"' in page.read_text(encoding="utf-8"), page
    config = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["config"]
    assert config["lang"] == ["de"]


class _Resources(html.parser.HTMLParser):
    """Collects every URL a page would load by itself (not links a person clicks)."""

    LOADS = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src",
             "video": "src", "audio": "src", "embed": "src", "object": "data"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = self.LOADS.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.urls.append(value)


def test_nothing_is_loaded_from_the_internet(site):
    external = re.compile(r"^(?:https?:)?//", re.I)
    found = []
    for page in list(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        parser = _Resources()
        parser.feed(text)
        found += [f"{page.relative_to(site)}: {u}" for u in parser.urls if external.match(u)]
        found += [f"{page.relative_to(site)}: import({m})" for m in re.findall(r"import\(\s*[\"'](https?://[^\"']+)", text)]
    for css in site.rglob("*.css"):
        found += [f"{css.relative_to(site)}: {m}"
                  for m in re.findall(r"@import\s+url\(\s*[\"']?(https?://[^)\"']+)", css.read_text(encoding="utf-8"))]
    assert not found, "Die Seite lädt etwas aus dem Internet:\n" + "\n".join(found)


def test_hook_strips_cdn_scripts_and_keeps_local_ones():
    page = ('<script src="https://cdn.example.net/mathjax.js"> </script><script src="../assets/x.js"></script>'
            '<script type="module">\n const m = (await import("https://cdn.example.net/mermaid.mjs"));\n</script>'
            '<script type="module">console.log(1)</script>'
            '<link rel="stylesheet" href="https://cdn.example.net/font-awesome.css"><link rel="stylesheet" href="x.css">')
    out = strip_external_scripts(page)
    assert "cdn.example.net" not in out and '<link rel="stylesheet" href="x.css">' in out
    assert '<script src="../assets/x.js"></script>' in out and "console.log(1)" in out


def test_animation_player_speaks_german_with_local_icons():
    page = ('<html><head></head><body><div class="anim-buttons"><button aria-label="Play" '
            'onclick="anim1.play_animation()" title="Play"><i class="fa fa-play"></i></button></div>'
            '<label for="_anim_radio2_ab12">Loop</label></body></html>')
    out = offline_player(page)
    assert 'title="Abspielen"' in out and 'aria-label="Abspielen"' in out and ">Endlos</label>" in out
    assert out.index(".fa-play::before") < out.index("</head>")
    assert offline_player("<html><head></head></html>") == "<html><head></head></html>"


def test_nav_is_built_by_chapter(tmp_path):
    (tmp_path / "index.md").write_text("# Start\n", encoding="utf-8")
    (tmp_path / "glossar.md").write_text("# Glossar\n", encoding="utf-8")
    for chapter, pages in {"02-zwei": ["b.md", "a.md"], "01-eins": ["x.md", "index.md"]}.items():
        (tmp_path / chapter).mkdir()
        for name in pages:
            (tmp_path / chapter / name).write_text(f"# {chapter} {name}\n", encoding="utf-8")
    (tmp_path / "bilder").mkdir()                       # not a chapter: no number
    nav = build_nav(tmp_path, {"02-zwei": "2. Zwei"})
    assert nav[0] == {"Start": "index.md"}
    assert nav[1] == {"01-eins index.md": ["01-eins/index.md", "01-eins/x.md"]
                      + [f"notebooks/{s.stem}.ipynb" for s in nbtools.notebook_sources() if s.name.startswith("01")]}
    assert list(nav[2]) == ["2. Zwei"] and nav[2]["2. Zwei"][:2] == ["02-zwei/a.md", "02-zwei/b.md"]
    assert nav[-1] == "glossar.md"
    exercises = next(item["Übungen"] for item in nav if isinstance(item, dict) and "Übungen" in item)
    assert exercises[0] == "notebooks/99_uebungen.ipynb" and exercises[1] == "uebungen/index.md"


def test_a_lettered_chapter_sits_between_and_its_index_orders_the_pages(tmp_path):
    for chapter in ("03-drei", "02a-zwischen", "02-zwei"):
        (tmp_path / chapter).mkdir()
        (tmp_path / chapter / "index.md").write_text(f"# {chapter}\n", encoding="utf-8")
    for name in ("a.md", "b.md", "c.md"):
        (tmp_path / "02a-zwischen" / name).write_text(f"# {name}\n", encoding="utf-8")
    (tmp_path / "02a-zwischen" / "index.md").write_text(
        "# Zwischen\n\n1. [C](c.md): zuerst\n2. [A](a.md#abschnitt)\n\nSiehe [C](c.md).\n", encoding="utf-8")
    nav = build_nav(tmp_path, {})
    assert [list(item)[0] for item in nav][:3] == ["02-zwei", "Zwischen", "03-drei"]
    pages = nav[1]["Zwischen"]
    assert pages[:4] == ["02a-zwischen/index.md", "02a-zwischen/c.md", "02a-zwischen/a.md", "02a-zwischen/b.md"]


# ------------------------------------------------------------------- browser
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:   # keep pytest's output readable
        pass


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("chromium und chromium-driver sind nicht installiert")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--window-size=1280,900",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _severe(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@needs_browser
def test_every_page_loads_without_console_errors_or_broken_links(site, server, browser):
    pages = _pages(site)
    assert len(pages) >= 2
    problems: list[str] = []
    checked: dict[str, int] = {}
    for page in pages:
        url = _url(server, site, page)
        browser.get(url)
        problems += [f"{url}: Konsole: {msg}" for msg in _severe(browser)]
        links = browser.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
        for link in links:
            target, _, fragment = link.partition("#")
            if not target.startswith(server):
                continue                            # external links are not fetched (no network)
            if target not in checked:
                checked[target] = _status(target)
            if checked[target] != 200:
                problems.append(f"{url}: kaputter Link {link} ({checked[target]})")
            elif fragment and target.endswith("/") and target.startswith(server):
                html_file = site / urllib.parse.unquote(target[len(server):]) / "index.html"
                ids = set(re.findall(r'\sid="([^"]+)"', html_file.read_text(encoding="utf-8")))
                if urllib.parse.unquote(fragment) not in ids:
                    problems.append(f"{url}: Anker #{fragment} fehlt auf {target}")
    assert not problems, "\n".join(sorted(set(problems)))


@needs_browser
def test_search_finds_masquerade(site, server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(_url(server, site, _pages(site)[0]))
    toggle = browser.find_element(By.ID, "__search")          # material opens the search with this checkbox
    browser.execute_script("arguments[0].checked = true; arguments[0].dispatchEvent(new Event('change'))", toggle)
    WebDriverWait(browser, 20).until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".md-search__input")))
    box = browser.find_element(By.CSS_SELECTOR, ".md-search__input")
    box.send_keys("MASQUERADE")
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".md-search-result__item"))
    results = browser.find_elements(By.CSS_SELECTOR, ".md-search-result__item")
    texts = " ".join(r.get_attribute("textContent") for r in results)
    assert "masquerade" in texts.lower()
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "suche-masquerade.png"))
    assert not _severe(browser)


@needs_browser
def test_an_animation_plays(site, server, browser):
    from selenium.webdriver.common.by import By

    pages = [p for p in _pages(site) if "anim-slider" in p.read_text(encoding="utf-8")]
    assert pages, "keine Notebook-Seite mit einer Animation (to_jshtml) gefunden"
    page = pages[0]
    browser.get(_url(server, site, page))
    slider = browser.find_element(By.CSS_SELECTOR, "input.anim-slider")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", slider)
    before = int(slider.get_attribute("value"))
    play = slider.find_element(By.XPATH, "./ancestor::div[contains(@class,'animation')]//button[@title='Abspielen']")
    play.click()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and int(slider.get_attribute("value")) == before:
        time.sleep(0.1)
    after = int(slider.get_attribute("value"))
    assert after != before, "die Animation läuft nicht: der Bildzähler bleibt stehen"
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "animation.png"))
    assert not _severe(browser)


@needs_browser
def test_screenshots_of_a_few_pages(site, server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    chosen = [site / "index.html"] if (site / "index.html").exists() else []
    chosen += [p for p in _pages(site) if "/notebooks/" in p.as_posix()][:2]
    chosen += [p for p in _pages(site) if "/notebooks/" not in p.as_posix() and p != site / "index.html"][:2]
    for page in chosen:
        rel = page.parent.relative_to(site).as_posix()
        browser.get(_url(server, site, page))
        name = "start" if rel == "." else rel.replace("/", "_")
        browser.save_screenshot(str(ARTIFACTS / f"{name}.png"))
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 5_000
        title = browser.title
        assert title and "404" not in title
