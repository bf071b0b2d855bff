"""Build simnet's notebooks as a JupyterLite site that runs in the browser with no install and no
network: ``python tools/lite.py [--out site/lab]``.

Everything comes from the package registries at build time (PyPI, npm) and nothing from
anywhere at run time: the Pyodide core from the npm package (its package list emptied, so
nothing points at a CDN), simnet and its pure-Python dependencies as local wheels through the
kernel's lock addon, the PyPI fallback switched off. The build tools need Python >= 3.12
(pyodide-lock) and live in their own virtualenv under ``build/lite/``; the result is cached
there and rebuilt only when simnet, the notebooks or this recipe change.
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LITE = ROOT / "build" / "lite"
OUT = LITE / "out"
PYODIDE_VERSION = "314.0.6"           # the core jupyterlite-pyodide-kernel 0.8.6 is made for
PYYAML_VERSION = "6.0.2"
BUILD_REQUIREMENTS = ["jupyterlite-core==0.8.6", "jupyterlite-pyodide-kernel==0.8.6", "pyodide-lock==0.2.1",
                      "packaging", "jupyter_server", "uv", "jupyterlab_widgets"]
SPECS = ["simnet", "pyyaml", "ipywidgets", "comm", "networkx", "micropip", "jedi", "ipython"]
PYODIDE_KERNEL = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}

__all__ = ["build", "find_python312", "for_pyodide", "OUT", "LiteUnavailable", "LOADING_NOTE"]


class LiteUnavailable(RuntimeError):
    """A tool the build needs is not on this machine (Python >= 3.12, npm)."""


def find_python312() -> str | None:
    """A Python >= 3.12 interpreter: on PATH, or one of pyenv's versions."""
    for name in ("python3.13", "python3.12"):
        found = shutil.which(name)
        if found and subprocess.run([found, "-c", "pass"], capture_output=True).returncode == 0:
            return found
    home = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    for pattern in ("3.13*", "3.12*"):
        for candidate in sorted(glob.glob(f"{home}/versions/{pattern}/bin/python3")):
            return candidate
    return None


def _run(cmd: list[str], **kw: object) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)   # type: ignore[call-overload]
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} … ist gescheitert:\n{(proc.stdout + proc.stderr)[-3000:]}")


def _inputs_digest() -> str:
    h = hashlib.sha256()
    files = sorted([*ROOT.glob("simnet/**/*.py"), *ROOT.glob("simnet/**/*.yaml"), *ROOT.glob("notebooks/*.py"),
                    ROOT / "pyproject.toml", Path(__file__), Path(__file__).with_name("lite_pyc.py")])
    for f in files:
        h.update(f.relative_to(ROOT).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _venv() -> Path:
    py = LITE / "venv" / "bin" / "python"
    if py.exists():
        return py
    base = find_python312()
    if base is None:
        raise LiteUnavailable("JupyterLite braucht zum Bauen Python 3.12 oder neuer (nicht gefunden).")
    _run([base, "-m", "venv", str(LITE / "venv")])
    _run([str(py), "-m", "pip", "install", "--quiet", *BUILD_REQUIREMENTS])
    return py


def _pyodide_core(dest: Path) -> None:
    """The npm package's core, with an empty package list so that nothing points at a CDN."""
    if shutil.which("npm") is None:
        raise LiteUnavailable("JupyterLite braucht zum Bauen npm (für den Pyodide-Kern).")
    cache = LITE / f"pyodide-{PYODIDE_VERSION}.tgz"
    if not cache.exists():
        _run(["npm", "pack", f"pyodide@{PYODIDE_VERSION}", "--pack-destination", str(LITE)], cwd=LITE)
    with tarfile.open(cache) as tar:
        tar.extractall(LITE / "npm", filter="data")
    shutil.copytree(LITE / "npm" / "package", dest)
    lock = dest / "pyodide-lock.json"
    data = json.loads(lock.read_text(encoding="utf-8"))
    data["packages"] = {}
    lock.write_text(json.dumps(data), encoding="utf-8")


def _wheels(dest: Path, py: Path, pyodide: Path) -> None:
    from tools.lite_pyc import add_bytecode

    dest.mkdir(parents=True)
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dest), str(ROOT)])
    # Pyodide never writes bytecode: the wheel brings its own, compiled by that Pyodide (tools/lite_pyc.py)
    add_bytecode(next(dest.glob("simnet-*.whl")), pyodide)
    # PyYAML has no pure wheel on PyPI: build one from the sdist without libyaml
    _run([str(py), "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-binary", "pyyaml", "-w", str(dest),
          f"pyyaml=={PYYAML_VERSION}"], env=dict(os.environ, PYYAML_FORCE_LIBYAML="0"))


def _notebooks(dest: Path, py: Path) -> None:
    """The jupytext sources as .ipynb for the Pyodide kernel (its kernel is called "python")."""
    dest.mkdir(parents=True)
    for source in sorted((ROOT / "notebooks").glob("[0-9]*.py")):
        target = dest / f"{source.stem}.ipynb"
        _run([sys.executable, "-m", "jupytext", "--quiet", "--to", "ipynb", "-o", str(target), str(source)])
        data = for_pyodide(json.loads(target.read_text(encoding="utf-8")))
        target.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


LOADING_NOTE = (
    "> **Python startet in deinem Browser.** Beim ersten Öffnen lädt dein Browser Python (Pyodide) "
    "und simnet – das dauert bis zu einer halben Minute, danach geht es so schnell wie in JupyterLab. "
    "Solange oben rechts neben „Python (Pyodide)“ der Kreis gefüllt ist (●), arbeitet Python noch; "
    "ist er leer (○), führst du die Zellen wie gewohnt aus (Umschalt+Enter). Eine Zelle, die du "
    "früher startest, wartet einfach. Alles bleibt auf deinem Gerät: Es wird nichts installiert und "
    "nichts ins Internet geschickt."
)


def for_pyodide(data: dict) -> dict:
    """One notebook as the browser build ships it: the Pyodide kernel, no ``%matplotlib`` magic
    (no matplotlib in Pyodide: the views draw SVG there, and the magic would fail), and a German
    note on top that is on screen while Pyodide is still starting."""
    data.setdefault("metadata", {})["kernelspec"] = PYODIDE_KERNEL
    cells = data.setdefault("cells", [])
    for cell in cells:
        if cell.get("cell_type") == "code":
            lines = cell["source"] if isinstance(cell["source"], list) else cell["source"].splitlines(True)
            cell["source"] = [line for line in lines if line.strip() != "%matplotlib inline"]
    if not (cells and cells[0].get("metadata", {}).get("simnet") == "loading-note"):
        cells.insert(0, {"cell_type": "markdown", "id": "simnet-loading-note",
                         "metadata": {"simnet": "loading-note"}, "source": [LOADING_NOTE]})
    return data


def build(force: bool = False) -> Path:
    """Build (or reuse) the JupyterLite site; returns its folder (``build/lite/out``)."""
    LITE.mkdir(parents=True, exist_ok=True)
    stamp = LITE / "stamp"
    digest = _inputs_digest()
    if not force and OUT.joinpath("index.html").exists() and stamp.exists() and stamp.read_text() == digest:
        return OUT
    py = _venv()
    src = LITE / "src"
    for old in (src, OUT, LITE / "npm"):
        shutil.rmtree(old, ignore_errors=True)
    (src / "static").mkdir(parents=True)
    _pyodide_core(src / "static" / "pyodide")
    _wheels(src / "wheels", py, src / "static" / "pyodide")
    _notebooks(src / "files", py)
    (src / "jupyter_lite_config.json").write_text(json.dumps({
        "LiteBuildConfig": {"contents": ["files"], "output_dir": str(OUT), "no_sourcemaps": True},
        "PyodideLockAddon": {"enabled": True, "wheels": ["wheels"], "specs": SPECS,
                             "prefetch_extra": ["simnet", "pyyaml", "ipywidgets"]},
    }, indent=1), encoding="utf-8")
    (src / "jupyter-lite.json").write_text(json.dumps({
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "simnet im Browser", "exposeAppInBrowser": True,
            "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": {"disablePyPIFallback": True}},
        }}, indent=1), encoding="utf-8")
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never")
    _run([str(py.parent / "jupyter"), "lite", "build"], cwd=src, env=env)
    stamp.write_text(digest)
    return OUT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="simnet als JupyterLite-Seite bauen (offline, ohne Installation)")
    parser.add_argument("--out", help="die fertige Seite zusätzlich hierher kopieren (z. B. site/lab)")
    parser.add_argument("--force", action="store_true", help="auch bauen, wenn sich nichts geändert hat")
    args = parser.parse_args(argv)
    try:
        out = build(force=args.force)
    except LiteUnavailable as exc:
        print(f"lite: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"lite: {exc}", file=sys.stderr)
        return 1
    if args.out:
        target = Path(args.out)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(out, target)
        print(f"JupyterLite-Seite in {target}")
    else:
        print(f"JupyterLite-Seite in {out}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))           # run as a script: tools.lite_pyc beside it
    raise SystemExit(main())
