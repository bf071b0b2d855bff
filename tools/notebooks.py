"""Turn the jupytext sources in ``notebooks/`` into executed ``.ipynb`` files.

Why a helper of our own: the site shows every notebook *with its outputs*
(drawings, animations, German explanations), the tests must prove that every
notebook runs top to bottom, and both should not pay for executing the same
notebook twice. So execution is cached: an executed notebook remembers a key
made from its source and from simnet's own code; while neither changes, it
is not executed again.

Usage (from the repository root)::

    python3 tools/notebooks.py            # execute all into build/notebooks/
    python3 tools/notebooks.py --force    # ignore the cache
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ROOT", "NotebookFailed", "notebook_sources", "simnet_digest", "execute", "execute_all",
           "learner_notebooks"]

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "build" / "notebooks"
CACHE_KEY = "simnet_cache_key"


class NotebookFailed(RuntimeError):
    """A notebook cell raised; the message names the notebook and the cell."""


@dataclass(frozen=True)
class Executed:
    source: Path
    output: Path
    from_cache: bool


def notebook_sources(source_dir: Path = SOURCE_DIR) -> list[Path]:
    """The jupytext sources, in chapter order (file names start with the chapter number)."""
    return sorted(p for p in source_dir.glob("*.py") if not p.name.startswith("_"))


def simnet_digest(root: Path = ROOT) -> str:
    """A hash over simnet's code and shipped labs: a change there re-executes every notebook."""
    h = hashlib.sha256()
    pkg = root / "simnet"
    for path in sorted(list(pkg.rglob("*.py")) + list(pkg.rglob("*.yaml"))):
        if "__pycache__" in path.parts:
            continue
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _key(source: Path, digest: str) -> str:
    h = hashlib.sha256(source.read_bytes())
    h.update(digest.encode())
    h.update(sys.version.encode())
    return h.hexdigest()


def _cached(output: Path, key: str) -> bool:
    import nbformat

    if not output.exists():
        return False
    try:
        nb = nbformat.read(output, as_version=4)
    except Exception:  # a broken cache file is simply rebuilt
        return False
    return nb.metadata.get(CACHE_KEY) == key


def execute(source: Path, out_dir: Path = DEFAULT_OUT, *, digest: str | None = None,
            force: bool = False, timeout: int = 300) -> Executed:
    """Execute one jupytext source with nbclient and write ``out_dir/<name>.ipynb``.

    The kernel starts in the repository root, so ``import simnet`` works even
    without an installed package. Raises :class:`NotebookFailed` when a cell fails.
    """
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / (source.stem + ".ipynb")
    key = _key(source, digest if digest is not None else simnet_digest())
    if not force and _cached(output, key):
        return Executed(source, output, True)

    nb = jupytext.read(source)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    # Widget state is not stored: the static site cannot run widgets (and would
    # load their JavaScript from a CDN); in JupyterLab they work live anyway.
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=False,
                            resources={"metadata": {"path": str(ROOT)}})
    # the kernel inherits the environment: exercise progress goes to a throw-away folder, not the user's
    data = tempfile.mkdtemp(prefix="simnet-nb-data-")
    before = os.environ.get("SIMNET_DATA_DIR")
    os.environ["SIMNET_DATA_DIR"] = data
    try:
        client.execute()
    except CellExecutionError as exc:
        raise NotebookFailed(f"{source.name}: {exc}") from None
    finally:
        if before is None:
            os.environ.pop("SIMNET_DATA_DIR", None)
        else:
            os.environ["SIMNET_DATA_DIR"] = before
        shutil.rmtree(data, ignore_errors=True)
    nb.metadata[CACHE_KEY] = key
    tmp = output.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    tmp.replace(output)          # never leave a half-written notebook behind
    return Executed(source, output, False)


def execute_all(out_dir: Path = DEFAULT_OUT, *, force: bool = False,
                source_dir: Path = SOURCE_DIR) -> list[Executed]:
    """Execute every notebook (cached) and drop outputs whose source is gone."""
    digest = simnet_digest()
    sources = notebook_sources(source_dir)
    done = [execute(s, out_dir, digest=digest, force=force) for s in sources]
    wanted = {s.stem for s in sources}
    for stale in out_dir.glob("*.ipynb"):
        if stale.stem not in wanted:
            stale.unlink()
    return done


def learner_notebooks(source_dir: Path = SOURCE_DIR, out_dir: Path = SOURCE_DIR) -> list[tuple[Path, bool]]:
    """``make lab``: the ``.ipynb`` a learner works in, made from its source only if it is missing.

    An existing notebook is the learner's work (edited cells, own notes) and is never
    overwritten; to start a chapter afresh, delete (or rename) its ``.ipynb``. Returns
    (notebook, newly made) pairs."""
    import jupytext

    made: list[tuple[Path, bool]] = []
    for source in notebook_sources(source_dir):
        target = out_dir / (source.stem + ".ipynb")
        if target.exists():
            made.append((target, False))
            continue
        nb = jupytext.read(source)
        nb.metadata.pop("jupytext", None)        # a plain notebook: not paired with the source
        tmp = target.with_suffix(".ipynb.tmp")
        tmp.write_text(jupytext.writes(nb, fmt="ipynb"), encoding="utf-8")
        tmp.replace(target)          # never leave a half-written notebook behind
        made.append((target, True))
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Notebooks ausführen (mit Cache).")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Zielordner für die .ipynb-Dateien")
    parser.add_argument("--force", action="store_true", help="Cache ignorieren, alles neu ausführen")
    parser.add_argument("--learner", action="store_true",
                        help="nur fehlende .ipynb in notebooks/ anlegen (make lab); vorhandene bleiben unverändert")
    args = parser.parse_args(argv)
    if args.learner:
        for nb, new in learner_notebooks():
            print(f"{nb.name}: " + ("neu angelegt" if new else "behalten (deine Änderungen bleiben; für einen "
                                                               "frischen Stand die .ipynb löschen)"))
        return 0
    try:
        for item in execute_all(args.out, force=args.force):
            state = "aus dem Cache" if item.from_cache else "ausgeführt"
            print(f"{item.source.name}: {state} → {item.output.relative_to(ROOT) if item.output.is_relative_to(ROOT) else item.output}")
    except NotebookFailed as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
