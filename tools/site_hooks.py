"""mkdocs hooks for the study site (registered under ``hooks:`` in mkdocs.yml).

Why hooks instead of a copy script: the lessons stay where their author
writes them (``lessons/``, the docs_dir), ``mkdocs serve`` reloads them
directly, and the three things mkdocs cannot do by itself happen here:

1. **Navigation by chapter.** The chapter folders (``01-ipv4``, ``02-…``)
   become sections, in number order, with the titles from ``extra.kapitel``.
   A letter after the number (``02a-switch-vlan``) puts a chapter between two
   others without renumbering the folders (their names are ids: exercises,
   links and notebooks use them). Inside a chapter the pages follow the order
   of the links in its ``index.md`` (the list "In diesem Kapitel"), pages it
   does not link come after them by name. A new lesson page appears without
   anyone editing mkdocs.yml.
2. **Notebooks with outputs.** The jupytext sources in ``notebooks/`` are
   executed (cached, see ``tools/notebooks.py``) and the executed ``.ipynb``
   files are added to the site, each in the chapter with the same number;
   mkdocs-jupyter renders them.
3. **Offline.** nbconvert's templates load MathJax and Mermaid from a CDN.
   The notebooks use neither, and the site must work without internet, so
   those script tags are removed from the rendered pages.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

_TOOLS = Path(__file__).resolve().parent
if str(_TOOLS.parent) not in sys.path:
    sys.path.insert(0, str(_TOOLS.parent))

from tools import notebooks as nbtools  # noqa: E402  (needs the path above)

CHAPTER = re.compile(r"^(\d{2}[a-z]?)-[\w-]+$")
NOTEBOOK_CHAPTER = re.compile(r"^(\d{2}[a-z]?)_")
LINK = re.compile(r"\]\(([\w.-]+\.md)(?:#[\w-]*)?\)")
NOTEBOOK_URI = "notebooks"
EXERCISE_NOTEBOOK = "99"          # chapter number of the exercises notebook: it goes with the exercise pages
BUILD_ROOT = nbtools.ROOT / "build"


# ----------------------------------------------------------------- navigation
def _h1(path: Path) -> str | None:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return None


def _chapter_title(folder: Path, titles: dict[str, str]) -> str:
    if folder.name in titles:
        return titles[folder.name]
    index = folder / "index.md"
    if index.exists() and (h1 := _h1(index)):
        return h1
    number, _, slug = folder.name.partition("-")
    return f"{int(number)}. {slug.replace('-', ' ').capitalize()}"


def _notebooks_by_chapter() -> dict[str, list[str]]:
    chapters: dict[str, list[str]] = {}
    for source in nbtools.notebook_sources():
        m = NOTEBOOK_CHAPTER.match(source.name)
        number = m.group(1) if m else ""
        chapters.setdefault(number, []).append(f"{NOTEBOOK_URI}/{source.stem}.ipynb")
    return chapters


def _exercise_pages() -> dict[str, str]:
    """The exercise pages (uebungen/…), generated from exercises/*.yaml by simnet.exercises."""
    from simnet.exercises.pages import generated_pages

    return generated_pages()


def chapter_pages(folder: Path) -> list[Path]:
    """index.md, then the pages in the order its links name them, then the others by name."""
    index = folder / "index.md"
    linked = LINK.findall(index.read_text(encoding="utf-8")) if index.exists() else []
    rank = {name: k for k, name in reversed(list(enumerate(linked)))}
    return sorted(folder.glob("*.md"), key=lambda p: (p.name != "index.md", rank.get(p.name, len(rank)), p.name))


def build_nav(docs_dir: Path, titles: dict[str, str]) -> list[Any]:
    """Start page, one section per chapter folder (index first, then pages and
    the chapter's notebooks), then the remaining top-level pages (glossary)."""
    notebooks = _notebooks_by_chapter()
    nav: list[Any] = []
    if (docs_dir / "index.md").exists():
        nav.append({"Start": "index.md"})
    folders = sorted(p for p in docs_dir.iterdir() if p.is_dir() and CHAPTER.match(p.name))
    for folder in folders:
        items: list[Any] = [p.relative_to(docs_dir).as_posix() for p in chapter_pages(folder)]
        items += notebooks.pop(CHAPTER.match(folder.name).group(1), [])  # type: ignore[union-attr]
        if items:
            nav.append({_chapter_title(folder, titles): items})
    # the notebook to practise in (99_uebungen) opens the exercises section
    exercises = notebooks.pop(EXERCISE_NOTEBOOK, []) + list(_exercise_pages())
    if exercises:
        nav.append({"Übungen": exercises})
    leftovers = [uri for uris in notebooks.values() for uri in uris]
    if leftovers:
        nav.append({"Weitere Notebooks": leftovers})
    for page in sorted(docs_dir.glob("*.md")):
        if page.name != "index.md":
            nav.append(page.name)
    return nav


def on_config(config: Any) -> Any:
    if not config.get("nav"):
        titles = dict((config.get("extra") or {}).get("kapitel") or {})
        config["nav"] = build_nav(Path(config["docs_dir"]), titles)
    return config


# ------------------------------------------------------------------ notebooks
@event_priority(100)          # before mkdocs-jupyter turns .ipynb files into pages
def on_files(files: Files, config: Any) -> Files:
    try:
        executed = nbtools.execute_all(BUILD_ROOT / NOTEBOOK_URI)
    except nbtools.NotebookFailed as exc:
        raise PluginError(f"Notebook lässt sich nicht ausführen: {exc}") from None
    for item in executed:
        files.append(File(f"{NOTEBOOK_URI}/{item.output.name}", str(BUILD_ROOT),
                          config["site_dir"], config["use_directory_urls"]))
    for uri, text in _exercise_pages().items():
        files.append(File.generated(config, uri, content=text))
    return files


# -------------------------------------------------------------------- offline
_EXTERNAL_SCRIPT = re.compile(r'<script[^>]*\ssrc="https?://[^"]*"[^>]*>\s*</script>', re.S)
_EXTERNAL_STYLESHEET = re.compile(r'<link[^>]*\shref="https?://[^"]*"[^>]*>', re.S)   # to_jshtml's icon font
_MERMAID_LOADER = re.compile(r'<script type="module">(?:(?!</script>).)*?import\("https?://(?:(?!</script>).)*</script>',
                             re.S)


# matplotlib's animation player (to_jshtml) draws its buttons with Font Awesome
# from a CDN. Offline, the same buttons get symbols every system font has.
PLAYER_ICONS = """<style>
.anim-buttons i.fa { font-style: normal; }
.anim-buttons .fa-minus::before { content: "\\2212"; }
.anim-buttons .fa-plus::before { content: "+"; }
.anim-buttons .fa-fast-backward::before { content: "\\00AB"; }
.anim-buttons .fa-step-backward::before { content: "\\2039"; }
.anim-buttons .fa-play::before { content: "\\25B6"; }
.anim-buttons .fa-play.fa-flip-horizontal::before { content: "\\25C0"; }
.anim-buttons .fa-pause::before { content: "||"; }
.anim-buttons .fa-step-forward::before { content: "\\203A"; }
.anim-buttons .fa-fast-forward::before { content: "\\00BB"; }
</style>"""
_PLAYER_WORDS = {          # button titles, then the repetition modes
    "Decrease speed": "Langsamer", "Increase speed": "Schneller",
    "First frame": "Erstes Bild", "Last frame": "Letztes Bild",
    "Previous frame": "Ein Bild zurück", "Next frame": "Ein Bild weiter",
    "Play backwards": "Rückwärts abspielen", "Pause": "Anhalten", "Play": "Abspielen",
    "Repetition mode": "Wiederholung",
}
_PLAYER_MODES = {"Once": "Einmal", "Loop": "Endlos", "Reflect": "Hin und zurück"}


def offline_player(html: str) -> str:
    """German labels and local icons for matplotlib's animation player."""
    if "anim-buttons" not in html:
        return html
    for english, german in _PLAYER_WORDS.items():      # nbconvert may reorder attributes
        for attribute in ("title", "aria-label"):
            html = html.replace(f'{attribute}="{english}"', f'{attribute}="{german}"')
    for english, german in _PLAYER_MODES.items():
        html = re.sub(rf'(<label for="_anim_radio\d_[^"]*">){english}(</label>)', rf"\g<1>{german}\g<2>", html)
    return html.replace("</head>", PLAYER_ICONS + "</head>", 1)


def strip_external_scripts(html: str) -> str:
    """Remove scripts and stylesheets that would be loaded from the internet
    (MathJax, Mermaid, the icon font of matplotlib's animation player)."""
    return _EXTERNAL_STYLESHEET.sub("", _MERMAID_LOADER.sub("", _EXTERNAL_SCRIPT.sub("", html)))


LITE_BUTTON = ('<p class="simnet-lite"><a class="md-button md-button--primary" href="{href}" '
               'title="Öffnet dieses Notebook in JupyterLite: Python läuft in deinem Browser, ohne Installation">'
               'Im Browser ausführen</a></p>')


def lite_button(output: str, page_url: str, stem: str) -> str:
    """The "Im Browser ausführen" button at the top of a notebook page, pointing into the
    JupyterLite build that `make site` puts next to the pages (site/lab/)."""
    root = "../" * len([part for part in page_url.split("/") if part])
    button = LITE_BUTTON.format(href=f"{root}lab/lab/index.html?path={stem}.ipynb")
    marker = '<article class="md-content__inner md-typeset">'
    return output.replace(marker, marker + button, 1) if marker in output else output


def on_post_page(output: str, page: Any, config: Any) -> str:
    if page.file.src_uri.startswith(NOTEBOOK_URI + "/"):
        output = offline_player(strip_external_scripts(output))
        if os.environ.get("SIMNET_LITE") == "1":     # set by `make site` once the JupyterLite build is there
            output = lite_button(output, page.url, Path(page.file.src_uri).stem)
        return output
    return output
