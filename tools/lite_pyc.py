"""Pyodide's own bytecode for the simnet wheel of the JupyterLite site (tools/lite.py).

Why: Pyodide runs with ``sys.dont_write_bytecode`` set, so every kernel start (every page load)
compiled every simnet module it imported, and every dataclass method, from source before the first
cell could answer, and parsed the lab's YAML with pure-Python PyYAML (issue 20). The wheel now carries
``__pycache__/*.cpython-314.pyc`` and the dataclass cache (simnet.core.dccache), made by the very Pyodide
the site ships, run once under Node at build time, and the shipped labs already parsed
(simnet.labcache). The magic number is Pyodide's by construction, and a .pyc whose magic differs is not
shipped. The .pyc are unchecked-hash ones (PEP 552): the wheel's files never change after installation
and the browser's file times say nothing, so they are used without looking at the source.
"""
from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

__all__ = ["add_bytecode"]

# run by Node: Pyodide compiles the unpacked wheel mounted at /host, fills the dataclass cache by
# importing every simnet module it can, and prints its magic number and cache tag
_SCRIPT = r"""
import { loadPyodide } from "%(pyodide)s/pyodide.mjs";
const py = await loadPyodide({ indexURL: "%(pyodide)s/" });
py.FS.mkdirTree("/host");
py.FS.mount(py.FS.filesystems.NODEFS, { root: %(root)s }, "/host");
console.log(py.runPython(`
import compileall, importlib, importlib.util, json, pkgutil, py_compile, sys
sys.path.insert(0, "/host")
ok = compileall.compile_dir("/host/simnet", quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
import simnet
from simnet.core import dccache
failed = []
for mod in pkgutil.walk_packages(simnet.__path__, "simnet."):
    try:
        importlib.import_module(mod.name)
    except Exception as exc:              # a module that needs what the bare core lacks (yaml): compiled, not cached
        failed.append(mod.name)
dccache._cache.save()
json.dumps({"ok": bool(ok), "magic": importlib.util.MAGIC_NUMBER.hex(), "tag": sys.implementation.cache_tag,
            "dccache": dccache.stats(), "not_imported": failed})
`));
"""


def add_bytecode(wheel: Path, pyodide: Path) -> dict:
    """Rewrite ``wheel`` with Pyodide's bytecode beside its sources; returns what Pyodide reported
    (plus ``pyc``: the number of files added). Raises RuntimeError if Node or Pyodide fail."""
    with tempfile.TemporaryDirectory(prefix="simnet-pyc-") as tmp:
        root = Path(tmp) / "wheel"
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(root)
        script = Path(tmp) / "compile.mjs"
        script.write_text(_SCRIPT % {"pyodide": pyodide.resolve().as_posix(), "root": json.dumps(str(root))},
                          encoding="utf-8")
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("JupyterLite braucht zum Bauen node (für Pyodides Bytecode).")
        proc = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            text = proc.stdout + proc.stderr
            at = text.rfind("Traceback (most recent call last)")     # Python's own words, not Node's source dump
            raise RuntimeError(f"Pyodide (node) konnte simnet nicht übersetzen:\n{text[at:at + 3000] if at >= 0 else text[-3000:]}")
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        if not report["ok"]:
            raise RuntimeError("Pyodide konnte nicht jedes simnet-Modul übersetzen.")
        magic = bytes.fromhex(report["magic"])
        added = [p for p in sorted(root.rglob(f"*.{report['tag']}.pyc")) if p.read_bytes()[:4] == magic]
        report["pyc"] = len(added)
        report["labs"] = _lab_caches(root, report["tag"])
        added += report["labs"]
        _rewrite(wheel, root, added)
    return report


def _lab_caches(root: Path, tag: str) -> list[Path]:
    """The shipped labs parsed (simnet.labcache) where Pyodide looks for them: the first ``Lab.load``
    of a notebook then needs no YAML. marshal format 4 reads the same in every Python 3."""
    from simnet.labcache import write_cache
    from simnet.labfile import parse_lab_text

    made = []
    for lab in sorted((root / "simnet" / "labs").glob("*.yaml")):
        text = lab.read_text(encoding="utf-8")
        data, source = parse_lab_text(text, lab.name)
        target = lab.parent / "__pycache__" / f"{lab.stem}.{tag}.lab"
        if write_cache(str(target), text, data, source.lines):
            made.append(target)
    return made


def _rewrite(wheel: Path, root: Path, added: list[Path]) -> None:
    """The same wheel plus ``added``, each listed in RECORD with its hash and size (as installers check)."""
    with zipfile.ZipFile(wheel) as zf:
        entries = [(info, zf.read(info)) for info in zf.infolist()]
    record_name = next(info.filename for info, _ in entries if info.filename.endswith(".dist-info/RECORD"))
    lines = []
    for path in added:
        data = path.read_bytes()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append(f"{path.relative_to(root).as_posix()},sha256={digest},{len(data)}")
    tmp = wheel.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in entries:
            if info.filename == record_name:
                data = data.rstrip(b"\n") + b"\n" + "\n".join(lines).encode() + b"\n"
            out.writestr(info, data)
        for path in added:
            out.write(path, path.relative_to(root).as_posix())
    tmp.replace(wheel)
